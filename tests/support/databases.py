"""Test databases: a fresh schema on the local PostgreSQL, and sessions that roll back.

``pg_schema_url`` makes a new, empty schema and drops it afterwards. ``migrated`` and
``rollback_session`` are the SQLAlchemy 2 "join an external transaction" pattern: the schema
is migrated once, each test runs in one outer transaction that is rolled back at its end, and
the session's own ``begin()``/``commit()`` become savepoints inside it. Only for tests whose
code takes a ``Session`` and needs no commit seen by another connection or process.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from db.session import get_engine, upgrade

PG_URL = os.environ.get("SHOPWATCH_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_schema_url() -> Iterator[str]:
    """A new schema on the local PostgreSQL (dropped at the end), or skip/fail clearly."""
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
        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _sqlite_with_savepoints(engine: Engine) -> None:
    """pysqlite opens transactions on its own and so breaks SAVEPOINT; let SQLAlchemy emit
    BEGIN itself (the recipe of SQLAlchemy's SQLite dialect docs), keeping foreign keys on."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: object) -> None:
        connection.exec_driver_sql("BEGIN")  # type: ignore[attr-defined]


@contextmanager
def migrated_engine(url: str) -> Iterator[Engine]:
    """An engine on ``url`` after migrating it to head (once, by the caller's scope)."""
    upgrade(url)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _sqlite_with_savepoints(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def rollback_session(engine: Engine) -> Iterator[Session]:
    """A session inside one outer transaction that is rolled back at the end: whatever the
    test writes (and commits) is gone for the next test."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint",
                          expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()
