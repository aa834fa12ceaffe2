"""The board's fixtures: a small known history on SQLite and PostgreSQL (``history``), the
demo built once per run (``demo_out`` of tests/conftest.py: ``demo``), and Starlette test
clients on them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from board.app import create_app
from config import Config, load_config
from db import repo
from db.session import get_engine, session_scope
from tests.board.history import build_history

SECRET = "s" * 48
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def client(config: Config, host: str = "127.0.0.1") -> TestClient:
    return TestClient(create_app(config, SECRET, host=host), follow_redirects=False)


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def add_user(config: Config, name: str, password: str, role: str = "editor") -> None:
    from board.auth import hash_password

    with session_scope(config.database_url) as session:
        repo.set_board_user(session, name, hash_password(password), role)


def log_in(web: TestClient, name: str, password: str) -> Any:
    token = csrf_of(web.get("/login").text)
    return web.post("/login", data={"csrf": token, "name": name, "password": password,
                                    "next": "/"})


@pytest.fixture
def history(db_url: str) -> Config:
    """The known history (tests/board/history.py) in a fresh database of each kind."""
    return build_history(db_url)


@pytest.fixture(scope="session")
def demo_stdout(demo_out: Path) -> str:
    """What ``shopwatch demo`` printed (``demo_out``: tests/conftest.py, built once a run)."""
    from tests.support.demo import STDOUT

    return (demo_out / STDOUT).read_text("utf-8")


@pytest.fixture(scope="session")
def demo_summary(demo_out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((demo_out / "summary.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="session")
def demo(demo_out: Path) -> Config:
    return load_config(demo_out / "shopwatch.toml")


@pytest.fixture
def demo_copy(demo_out: Path, tmp_path: Path) -> Iterator[Config]:
    """A copy of the demo, for tests that change its database (acknowledge, mute)."""
    from tests.support.demo import copy_demo

    config = load_config(copy_demo(demo_out, tmp_path / "demo"))
    yield config
    get_engine(config.database_url).dispose()


@pytest.fixture
def small(tmp_path: Path) -> Config:
    """The known history in a SQLite file (for tests of the web layer, not of the SQL)."""
    return build_history(f"sqlite:///{tmp_path / 'board.db'}")
