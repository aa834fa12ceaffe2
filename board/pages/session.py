"""Logging in and out, and the language of the session."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from board.auth import verify_password
from board.web import Ctx, local_path, page
from config import i18n
from db import repo


@page(public=True)
def login_form(ctx: Ctx) -> Response:
    if ctx.user or not repo.has_board_users(ctx.db):
        return RedirectResponse(local_path(ctx.arg("next")), 303)
    return ctx.render("login.html", next=local_path(ctx.arg("next")), error=None)


@page(public=True)
def login(ctx: Ctx) -> Response:
    """Check a name and password (``LOGIN_ATTEMPTS`` a minute per name and address)."""
    assert ctx.form is not None
    name = str(ctx.form.get("name", "")).strip()[:64]
    password = str(ctx.form.get("password", ""))
    target = local_path(str(ctx.form.get("next", "")))
    client = ctx.request.client.host if ctx.request.client else "?"
    if not ctx.board.limiter.allow((name.lower(), client)):
        return ctx.render("login.html", status=429, next=target,
                          error=ctx._("Too many attempts: wait a minute and try again."))
    account = repo.board_user(ctx.db, name) if name else None
    if not verify_password(account.password_hash if account else None, password) \
            or account is None:
        return ctx.render("login.html", status=401, next=target,
                          error=ctx._("Wrong name or password."))
    session = ctx.request.session
    language = session.get("lang")
    session.clear()  # a new session on login (no fixation), keeping the chosen language
    if language:
        session["lang"] = language
    session["user"] = account.name
    return RedirectResponse(target, 303)


@page(public=True)
def logout(ctx: Ctx) -> Response:
    ctx.request.session.pop("user", None)
    return RedirectResponse("/login" if repo.has_board_users(ctx.db) else "/", 303)


@page(public=True)
def language(ctx: Ctx) -> Response:
    """``/lang/<code>?next=``: show the board in that language for this session."""
    code = ctx.request.path_params["code"]
    if code in i18n.LANGUAGES:
        ctx.request.session["lang"] = code
    return RedirectResponse(local_path(ctx.arg("next")), 303)
