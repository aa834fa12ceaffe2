"""``shopwatch users add|list|remove`` and ``shopwatch serve`` as an operator types them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from board.auth import verify_password
from db import repo
from db.session import session_scope
from monitor.cli import main
from tests.support import config_dict, demo_site, write_config


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'shopwatch.db'}"
    return write_config(tmp_path / "shopwatch.toml", config_dict(url, demo_site(
        "http://127.0.0.1:9")))


def _users(config_path: Path) -> dict[str, tuple[str, str]]:
    from config import load_config

    with session_scope(load_config(config_path).database_url) as s:
        return {u.name: (u.role, u.password_hash) for u in repo.board_users(s)}


def test_users_add_list_remove(config_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["--config", str(config_path), "users", "add", "li", "--password-stdin"]) == 0
    answers = iter(["viewer's secret", "viewer's secret"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["--config", str(config_path), "users", "add", "zhao", "--role", "viewer"]) == 0
    users = _users(config_path)
    assert users["li"][0] == "editor" and users["zhao"][0] == "viewer"
    assert users["li"][1].startswith("$argon2") and verify_password(users["li"][1],
                                                                    "a long password")
    assert not verify_password(users["li"][1], "another password")
    capsys.readouterr()
    assert main(["--config", str(config_path), "users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "li editor" in listed and "zhao viewer" in listed and "argon2" not in listed
    monkeypatch.setattr("sys.stdin", io.StringIO("a new password\n"))
    assert main(["--config", str(config_path), "users", "add", "li", "--role", "viewer",
                 "--password-stdin"]) == 0
    assert "updated board user li (viewer)" in capsys.readouterr().out
    assert verify_password(_users(config_path)["li"][1], "a new password")
    assert main(["--config", str(config_path), "users", "remove", "li"]) == 0
    assert set(_users(config_path)) == {"zhao"}
    assert main(["--config", str(config_path), "users", "remove", "li"]) == 2
    assert "no board user named 'li'" in capsys.readouterr().err


def test_users_add_refuses_short_or_mistyped_passwords(
        config_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--config", str(config_path), "users", "add", "li", "--password-stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    answers = iter(["one password", "another one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["--config", str(config_path), "users", "add", "li"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    assert _users(config_path) == {}
    with pytest.raises(SystemExit):
        main(["--config", str(config_path), "users", "add", "two words"])


def test_serve_starts_on_a_public_address_once_a_user_exists(
        config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["--config", str(config_path), "users", "add", "li", "--password-stdin"]) == 0
    assert main(["--config", str(config_path), "serve", "--host", "0.0.0.0", "--port",
                 "8123"]) == 0
    assert served["host"] == "0.0.0.0" and served["port"] == 8123
    assert (config_path.parent / "board-secret").stat().st_mode & 0o777 == 0o600
    assert main(["--config", str(config_path), "serve"]) == 0
    assert served["host"] == "127.0.0.1" and served["port"] == 8000


def test_serve_with_two_worker_processes_answers(tmp_path: Path) -> None:
    """``shopwatch serve --workers 2``: each server process builds the board again from the
    config file the command was given."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    url = f"sqlite:///{tmp_path / 'shopwatch.db'}"
    path = write_config(tmp_path / "shopwatch.toml", config_dict(url, demo_site(
        "http://127.0.0.1:9")))
    assert main(["--config", str(path), "db", "upgrade"]) == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPWATCH_")}
    server = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(path),
                               "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/runs", timeout=5) as r:
                    assert r.status == 200 and 'id="run-table"' in r.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "the board did not answer in 60 s"
                time.sleep(0.3)
        for _ in range(6):  # the requests spread over both processes
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                assert r.status == 200
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "Traceback" not in err, err[-2000:]
