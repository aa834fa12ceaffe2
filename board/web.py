"""What every page shares: the board's state, the request's context (database session,
language, user, role), the Jinja2 environments (one per language, autoescaped) and the
``page`` decorator that checks login, CSRF and role before a handler runs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from board.auth import CSRF_FIELD, RateLimit, csrf_ok, csrf_token
from board.cache import ReadCache, data_version
from board.labels import name
from config import Config, i18n
from crawlers.pagetext.clean import is_http_link
from db import repo

T = TypeVar("T")


@dataclass
class Board:
    """The running board (``app.state.board``)."""

    config: Config
    sessions: sessionmaker[Session]
    local: bool  # bound to a local address only
    limiter: RateLimit = field(default_factory=RateLimit)
    reads: ReadCache = field(default_factory=ReadCache)


@dataclass
class Ctx:
    """One request: its database session, language, user and form."""

    request: Request
    board: Board
    db: Session
    language: str
    user: str | None  # None: no users are configured (local board, everyone an editor)
    role: str  # editor, viewer, or anonymous (not logged in on a board with users)
    form: FormData | None = None
    open_board: bool = False  # no users configured: a local board, everyone an editor
    _version: tuple[Any, ...] | None = None

    @property
    def config(self) -> Config:
        return self.board.config

    def kept(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A crawl-derived read, kept until the next crawl run (board/cache.py)."""
        if self._version is None:
            self._version = data_version(self.db)
        return self.board.reads.get(self._version, fn, *args, **kwargs)

    @property
    def editor(self) -> bool:
        return self.role == "editor"

    def _(self, message: str) -> str:
        return i18n.gettext(self.language, message)

    def arg(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default).strip()

    def day(self, default: dt.date) -> dt.date:
        """``?date=YYYY-MM-DD`` (an unreadable date: ``default``)."""
        try:
            return dt.date.fromisoformat(self.arg("date"))
        except ValueError:
            return default

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        env = environment(self.language)
        request = self.request
        html = env.get_template(template).render(
            ctx=self, path=request.url.path, query=str(request.url.query),
            csrf=csrf_token(request.session), user=self.user, role=self.role,
            open_board=self.open_board, **values)
        return HTMLResponse(html, status_code=status)


Handler = Callable[[Ctx], Response]


def page(*, write: bool = False, public: bool = False) -> Callable[[Handler], Callable[
        [Request], Awaitable[Response]]]:
    """Wrap a handler: login (unless ``public``), CSRF on POST, the editor role for ``write``.
    The handler runs in a thread with a database session of its own (committed if it
    returns, rolled back if it raises)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            form = await request.form() if request.method == "POST" else None
            if form is not None and not csrf_ok(request.session, form.get(CSRF_FIELD)):
                return PlainTextResponse("403: missing or wrong CSRF token", status_code=403)
            return await run_in_threadpool(_run, request, form, handler, write, public)

        return endpoint

    return wrap


def _run(request: Request, form: FormData | None, handler: Handler, write: bool,
         public: bool) -> Response:
    board: Board = request.app.state.board
    with board.sessions() as db, db.begin():
        users = repo.has_board_users(db)
        if not users and not board.local:
            return PlainTextResponse("403: this board listens on a public address and has no "
                                     "users: add one with `shopwatch users add NAME`",
                                     status_code=403)
        user, role = None, "editor" if not users else "anonymous"
        if users:
            name = request.session.get("user")
            account = repo.board_user(db, name) if isinstance(name, str) else None
            if account is None:
                request.session.pop("user", None)
                if not public:
                    target = request.url.path + (f"?{request.url.query}"
                                                 if request.url.query else "")
                    return RedirectResponse("/login?" + urlencode({"next": target}), 303)
            else:
                user, role = account.name, account.role
        if write and role != "editor":
            return PlainTextResponse("403: a viewer cannot change anything", status_code=403)
        ctx = Ctx(request, board, db, language_of(request, board.config), user, role, form,
                  open_board=not users)
        return handler(ctx)


def language_of(request: Request, config: Config) -> str:
    chosen = request.session.get("lang")
    return chosen if chosen in i18n.LANGUAGES else config.language


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target on this board only (no scheme, no other host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def chart_json(option: dict[str, Any]) -> Markup:
    """An ECharts option as the text of a ``<script type="application/json">`` element: JSON
    with ``<``, ``>`` and ``&`` escaped, so scraped text cannot close the element."""
    text = json.dumps(option, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


def _money(language: str, amount: Any, currency: str | None) -> str:
    if amount is None:
        return "–"
    if currency:
        return i18n.format_currency(language, amount, currency)
    return i18n.format_number(language, amount, 2)


@cache
def environment(language: str) -> Environment:
    """The Jinja2 environment of a language: autoescaped, with the catalog and Babel filters."""
    env = Environment(loader=PackageLoader("board", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    i18n.install(env, language)
    env.filters["money"] = lambda amount, currency=None: _money(language, amount, currency)
    env.filters["chart_json"] = chart_json
    env.filters["day"] = lambda value: i18n.format_date(language, value, "short") \
        if value else "–"
    env.filters["when"] = lambda value: i18n.format_datetime(language, value, "short") \
        if value else "–"
    env.globals["label"] = lambda table, code: name(language, table, code)
    env.globals["is_link"] = lambda url: bool(url) and is_http_link(url)
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["urlencode"] = urlencode
    return env
