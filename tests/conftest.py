"""Shared fixtures: databases (SQLite and PostgreSQL), the demo shop. Helpers that tests
import by name live in ``tests/support``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from demoshop.server import ShopServer
from tests.support import pg_schema_url, running_shop
from tests.support.databases import migrated_engine, rollback_session
from tests.support.demo import shared_demo


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their own config and database; the developer's environment stays out."""
    monkeypatch.delenv("SHOPWATCH_CONFIG", raising=False)
    monkeypatch.delenv("SHOPWATCH_DATABASE_URL", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema on the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shopwatch.db'}"
    else:
        yield from pg_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file, the default database: for the long end-to-end journeys whose
    subject is not the database (a new operator's week, a stop by SIGTERM, a whole
    catalogue). What they store and how each command starts on a brand-new or old database
    is tested on both kinds (``db_url``: test_cli_fresh_db, test_crawl, faults/test_kill)."""
    return f"sqlite:///{tmp_path / 'shopwatch.db'}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated_db(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database migrated to head once per test module (SQLite file or PostgreSQL schema);
    use it through ``db_session``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'shopwatch.db'}"
        with migrated_engine(url) as engine:
            yield engine
    else:
        for url in pg_schema_url():
            with migrated_engine(url) as engine:
                yield engine


@pytest.fixture
def db_session(migrated_db: Engine) -> Iterator[Session]:
    """A session on the module's migrated database, rolled back after the test: for tests
    whose code takes a ``Session`` and needs no commit seen by another process."""
    with rollback_session(migrated_db) as session:
        yield session


@pytest.fixture
def shop() -> Iterator[ShopServer]:
    with running_shop() as server:
        yield server


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """``shopwatch demo``'s output folder, built once for the whole run (all xdist workers
    share it). Read-only: tests that change it work on ``tests.support.demo.copy_demo``."""
    base = tmp_path_factory.getbasetemp()
    return shared_demo(base if worker_id == "master" else base.parent)
