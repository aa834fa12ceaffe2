"""The board's Starlette application: routes, sessions, security headers, static files."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from board.auth import is_local, load_secret
from board.pages import alerts, keywords, overview, products, ranks, runs, session
from board.web import Board
from config import Config
from db.session import session_factory

STATIC = Path(__file__).with_name("static")
SESSION_DAYS = 7
# No inline script anywhere (charts read their data from JSON elements); styles may be set
# by ECharts on its own elements (tooltips), hence 'unsafe-inline' for styles only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-src 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """The CSP and its companions on every response; pages (not static files) uncached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def routes() -> list[Route | Mount]:
    return [
        Route("/", overview.overview),
        Route("/ranks", ranks.table),
        Route("/ranks/{keyword:path}", ranks.keyword),
        Route("/products", products.listing),
        Route("/products/{site}/{product_id:path}", products.product),
        Route("/alerts", alerts.inbox),
        Route("/alerts/{alert_id:int}", alerts.alert),
        Route("/alerts/{alert_id:int}/ack", alerts.acknowledge, methods=["POST"]),
        Route("/mutes", alerts.mute, methods=["POST"]),
        Route("/keywords", keywords.library),
        Route("/keywords/download.{fmt}", keywords.download),
        Route("/runs", runs.listing),
        Route("/runs/{run_id:int}/page", runs.kept_page),
        Route("/login", session.login_form, methods=["GET"]),
        Route("/login", session.login, methods=["POST"]),
        Route("/logout", session.logout, methods=["POST"]),
        Route("/lang/{code}", session.language),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "server error"
    return PlainTextResponse(f"{status}: {detail}", status_code=status)


def create_app(config: Config, secret: str, *, host: str = "127.0.0.1",
               https_only: bool = False) -> Starlette:
    """The board over ``config``'s database. ``secret`` signs the session cookies
    (``secret_path``); ``host`` is the address served (a non-local one needs users)."""
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret, session_cookie="shopwatch_board",
                   max_age=SESSION_DAYS * 86400, same_site="lax", https_only=https_only),
    ]
    app = Starlette(routes=routes(), middleware=middleware,
                    exception_handlers={HTTPException: _http_error})
    app.state.board = Board(config, session_factory(config.database_url), is_local(host))
    return app


def secret_path(config_path: Path | None, database_url: str) -> Path:
    """Where the session secret is kept: beside the config file, else beside a SQLite
    database, else in the working directory."""
    if config_path is not None:
        return config_path.resolve().with_name("board-secret")
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return Path(database_url.split("///", 1)[1]).resolve().with_name("board-secret")
    return Path("board-secret").resolve()


CONFIG_ENV = "SHOPWATCH_BOARD_CONFIG"  # `shopwatch serve --workers N`: what each process loads
HOST_ENV = "SHOPWATCH_BOARD_HOST"


def from_environment() -> Starlette:
    """The board of ``shopwatch serve --workers N``, built again in each server process from
    the config file and address the command put in the environment."""
    from config import load_config

    path = os.environ.get(CONFIG_ENV) or None
    config = load_config(Path(path) if path else None)
    return app_for(config, Path(path) if path else None, host=os.environ.get(HOST_ENV,
                                                                             "127.0.0.1"))


def app_for(config: Config, config_path: Path | None, host: str = "127.0.0.1") -> Starlette:
    """The board with its secret loaded (made the first time)."""
    return create_app(config, load_secret(secret_path(config_path, config.database_url)),
                      host=host)
