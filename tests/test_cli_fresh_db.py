"""Every command that uses the database works as the first command on a brand-new database
(SQLite and PostgreSQL) and on one an earlier release wrote; a database that cannot be reached
or opened is one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.session import alembic_config, current_revision, upgrade
from monitor.cli import build_parser, main
from monitor.service import scheduler
from tests.support import demo_config, write_config

DAY = "2026-11-24"
ROOT = Path(__file__).resolve().parents[1]
FAST = {"retry_backoff_s": 0.0}  # a refused connection fails at once, not after backoffs

# command -> (its arguments; "{tmp}" is the test's folder), exit status, what stderr says then.
# Status 2 is a user error of the documented kind: there is nothing to show yet.
CASES: dict[str, tuple[list[str], int, str | None]] = {
    "crawl": (["--spider", "suggest", "--date", DAY], 0, None),
    "monitor": (["--date", DAY], 0, None),
    "notify": (["--date", DAY, "--dry-run", "{tmp}/eml"], 0, None),
    "alerts": ([], 0, None),
    "alerts --json": (["--json"], 0, None),
    "report": (["--date", DAY, "--out", "{tmp}/r.html"], 2, "nothing recorded"),
    "keywords build": (["--date", DAY], 0, None),
    "keywords show": ([], 2, "keyword library is empty"),
    "keywords export": (["--out", "{tmp}/k.csv"], 2, "keyword library is empty"),
    "keywords titles": ([], 2, "keyword library is empty"),
    "keywords opportunities": ([], 2, "no search demand imported"),
    "keywords import": (["{tmp}/none.csv"], 2, "no such file"),
    "keywords attributes": (["{tmp}/none.csv"], 2, "no such file"),
    "run": (["--date", DAY], 0, None),
    "db upgrade": ([], 0, None),
    "products list": ([], 0, None),
    "products list --json": (["--json"], 0, None),
    # its rows on a new database: tests/test_products_import.py
    "products import": (["{tmp}/none.csv"], 2, "no such file"),
    "users list": ([], 0, None),
    "users remove": (["nobody"], 2, "no board user named 'nobody'"),
    "users add": (["li", "--password-stdin"], 0, None),  # its password on stdin (see below)
}
SERVICE = {"schedule", "serve"}  # run until stopped: tests of their own (tests/board for serve)


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _database_commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    """The commands of ``parser`` declared as using the database (``needs_db``)."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub.get_default("needs_db"):
                    found.add(f"{prefix}{name}")
                found |= _database_commands(sub, f"{prefix}{name} ")
    return found


@pytest.fixture(autouse=True)
def _no_service_log() -> Iterator[None]:
    """``run`` and ``schedule`` log to a file (and the console): take it off afterwards."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if getattr(handler, "_shopwatch", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_every_database_command_is_tested() -> None:
    declared = _database_commands(build_parser())
    tested = {name.split(" --")[0] for name in CASES} | SERVICE
    assert declared == tested, "a command that uses the database needs a case in CASES"


def _argv(name: str, args: list[str], config: Path, tmp_path: Path) -> list[str]:
    words = name.split()
    command = [w for w in words if not w.startswith("--")]
    return [*command, "--config", str(config), *[w for w in words if w.startswith("--")],
            *[a.replace("{tmp}", str(tmp_path)) for a in args]]


@pytest.mark.parametrize("name", list(CASES))
def test_a_command_on_a_brand_new_database(name: str, db_url: str, tmp_path: Path,
                                           request: pytest.FixtureRequest,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    args, status, says = CASES[name]
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))  # users add
    base_url = request.getfixturevalue("shop").url if name == "crawl" else "http://127.0.0.1:9"
    config = write_config(tmp_path / "c.toml", demo_config(base_url, db_url, site=FAST))
    assert main(_argv(name, args, config, tmp_path)) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err and "sqlalchemy" not in err.lower()
    if says is not None:
        assert err.count("error:") == 1 and says in err
    assert current_revision(db_url) == _head()


def test_schedule_on_a_brand_new_database(db_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "c.toml", demo_config("http://127.0.0.1:9", db_url))
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(main(["schedule", "--config",
                                                                str(config)])), daemon=True)
    thread.start()
    log = tmp_path / "logs" / "shopwatch.log"
    deadline = time.monotonic() + 30
    while not (log.is_file() and "scheduler started" in log.read_text("utf-8")):
        assert thread.is_alive() and time.monotonic() < deadline, capsys.readouterr().err
        time.sleep(0.1)
    scheduler.STOP.set()
    thread.join(30)
    scheduler.STOP.clear()
    assert codes == [0]
    assert "Traceback" not in capsys.readouterr().err
    assert current_revision(db_url) == _head()


@pytest.mark.parametrize("name", ["alerts", "run"])
def test_a_database_of_an_earlier_release_is_upgraded(name: str, db_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    upgrade(db_url, "0006")  # before the day locks (job_runs, 0007)
    config = write_config(tmp_path / "c.toml", demo_config("http://127.0.0.1:9", db_url, site=FAST))
    assert main([name, "--config", str(config), *CASES[name][0]]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert current_revision(db_url) == _head()


HINTS = {"postgresql": "is the server running?", "sqlite": "folder exists",
         "no-database": "createdb"}


def _unusable(tmp_path: Path, kind: str) -> str:
    if kind == "postgresql":  # nothing listens on port 1
        return "postgresql+psycopg://nobody:secret@127.0.0.1:1/x"
    if kind == "no-database":  # the server runs, the database is not there
        return "postgresql+psycopg://postgres:secret@127.0.0.1:5432/shopwatch_nosuchdb"
    (tmp_path / "afile").write_text("", "utf-8")  # a SQLite file in a "folder" that is a file
    return f"sqlite:///{tmp_path / 'afile' / 'shopwatch.db'}"


@pytest.mark.parametrize("command", [["alerts"], ["run", "--date", DAY]])
@pytest.mark.parametrize("kind", list(HINTS))
def test_a_database_that_cannot_be_used_is_one_line(kind: str, command: list[str],
                                                    tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.toml",
                          demo_config("http://127.0.0.1:9", _unusable(tmp_path, kind)))
    done = subprocess.run([sys.executable, "-m", "monitor.cli", command[0], "--config",
                           str(config), *command[1:]],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: database "), done.stderr
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
    assert HINTS[kind] in lines[0]
    if command[0] == "run":  # the service log keeps the traceback
        assert "Traceback" in (tmp_path / "logs" / "shopwatch.log").read_text("utf-8")


def test_output_cut_short_by_its_reader_is_not_an_error(tmp_path: Path) -> None:
    """``shopwatch products list --json | head -1``: the reader leaves, no traceback."""
    config = write_config(tmp_path / "c.toml", demo_config(
        "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'db.sqlite'}",
        products=[{"site": "demo", "id": str(i)} for i in range(2000)]))
    done = subprocess.run(f"{sys.executable} -m monitor.cli products list --json --config "
                          f"{config} | head -1", shell=True, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout == "[\n"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
