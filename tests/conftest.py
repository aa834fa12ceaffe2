"""Shared fixtures: databases (SQLite and PostgreSQL), the demo shop, config files."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import create_engine, text

from demoshop.server import ShopServer

PG_URL = os.environ.get("SHOPWATCH_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _realpages_root() -> Path:
    """$SHOPWATCH_REALPAGES, else ../shared/realpages beside the checkout."""
    if os.environ.get("SHOPWATCH_REALPAGES"):
        return Path(os.environ["SHOPWATCH_REALPAGES"])
    return Path(__file__).resolve().parents[2] / "shared" / "realpages"


REALPAGES = _realpages_root()


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their own config and database; the developer's environment stays out."""
    monkeypatch.delenv("SHOPWATCH_CONFIG", raising=False)
    monkeypatch.delenv("SHOPWATCH_DATABASE_URL", raising=False)


def _pg_schema_url() -> Iterator[str]:
    schema = f"sw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("SHOPWATCH_TEST_SKIP_PG") == "1":
            pytest.skip(f"PostgreSQL not available at {PG_URL}: {exc}")
        raise RuntimeError(f"PostgreSQL is required by the suite at {PG_URL} "
                           f"(set SHOPWATCH_TEST_SKIP_PG=1 to skip): {exc}") from exc
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        from db.session import get_engine

        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema on the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shopwatch.db'}"
    else:
        yield from _pg_schema_url()


@pytest.fixture
def shop() -> Iterator[ShopServer]:
    server = ShopServer().start_background()
    yield server
    server.shutdown()
    server.server_close()


def write_config(path: Path, base_url: str, database_url: str, extra: str = "",
                 keywords: tuple[tuple[str, str], ...] = (("扫地机器人", "清洁"),),
                 listing_paths: tuple[str, ...] = ("/shop/zhixiang", "/shop/dreame"),
                 site_extra: str = "") -> Path:
    """A small config for the demo shop, for crawls in tests."""
    kw = "\n".join(f'[[keywords]]\nterm = "{t}"\ngroup = "{g}"\nsites = ["demo"]\n'
                   for t, g in keywords)
    path.write_text(f"""
database_url = "{database_url}"
export_dir = "{path.parent / 'exports'}"
[own]
shops = ["智享家官方旗舰店"]
brands = ["智享"]
[[sites]]
name = "demo"
base_url = "{base_url}"
listing_paths = {list(listing_paths)!r}
download_delay = 0.0
autothrottle = false
concurrency = 8
{site_extra}
{kw}
{extra}
""".replace("'", '"'), "utf-8")
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    extra: ClassVar[dict[str, Path]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        extra = self.extra.get(path.split("?", 1)[0])
        return str(extra) if extra else super().translate_path(path)


@contextmanager
def serve_directory(directory: Path, extra: dict[str, Path] | None = None) -> Iterator[str]:
    """Serve saved pages from ``directory`` (plus ``extra`` URL paths -> files) on a free port."""
    handler_class = type("Handler", (_QuietHandler,), {"extra": extra or {}})
    handler = partial(handler_class, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def realpages(folder: str) -> Path:
    """A folder of ../shared/realpages, or skip the test with a clear message."""
    path = REALPAGES / folder
    if not path.exists():
        pytest.skip(f"saved real pages not found at {path} (../shared/realpages is absent)")
    return path


DOCS_SITES = Path(__file__).resolve().parents[1] / "docs" / "sites.md"


def documented_site(name: str) -> str:
    """The TOML block of docs/sites.md marked ``# site: NAME`` (the docs are the config)."""
    import re

    for block in re.findall(r"```toml\n(.*?)```", DOCS_SITES.read_text("utf-8"), re.S):
        if block.startswith(f"# site: {name}\n"):
            return str(block)
    raise LookupError(f"no TOML block for site {name!r} in {DOCS_SITES}")
