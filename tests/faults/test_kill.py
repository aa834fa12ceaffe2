"""SIGKILL of ``shopwatch run`` and of its crawl child (roadmap issue 16, point 3): no day and no
crawl run stays ``running`` after its process died, and the day is run to its end afterwards.

Each test runs the commands as a user does (child processes, the demo shop slowed down so that
the kill lands in the crawl step) and states its expected outcome. No test sleeps for a fixed
time: each waits for what it needs, with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config import load_config
from db.models import CrawlRun, JobRun
from db.session import session_scope, upgrade
from demoshop.server import ShopServer
from monitor.service.scheduler import today_in
from tests.support import demo_config, write_config

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-24"
SLOW = 0.5  # half the shop's answers take 2 s: the crawl lasts long enough to be killed


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.05)


def _shopwatch(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """A ``shopwatch`` command in a child process (its output in a file of ``tmp_path``)."""
    out = (tmp_path / f"{args[0]}-{time.monotonic_ns()}.out").open("wb")
    return subprocess.Popen([sys.executable, "-m", "monitor.cli", *args], cwd=ROOT,
                            stdout=out, stderr=subprocess.STDOUT)


def _job(db_url: str) -> JobRun | None:
    with session_scope(db_url) as s:
        return s.scalars(select(JobRun).where(JobRun.job == "daily")).one_or_none()


def _status(db_url: str) -> str | None:
    job = _job(db_url)
    return job.status if job is not None else None


def _runs(db_url: str) -> list[CrawlRun]:
    with session_scope(db_url) as s:
        return list(s.scalars(select(CrawlRun)))


def _crawling(db_url: str) -> bool:
    job = _job(db_url)
    return (job is not None and job.step == "crawl"
            and any(r.status == "running" for r in _runs(db_url)))


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...); None: gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text("utf-8").rpartition(")")[2].split()
    except OSError:
        return None


def _gone(pid: int) -> bool:
    fields = _stat(pid)
    return fields is None or fields[0] in ("Z", "X")


def _crawl_child(parent: int) -> int:
    """The pid of the crawl child (``python -m crawlers.runner``) of process ``parent``."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (_stat(int(entry.name)) or ["", ""])[1] == str(parent):
            try:
                if b"crawlers.runner" in (entry / "cmdline").read_bytes():
                    return int(entry.name)
            except OSError:
                continue
    raise AssertionError(f"process {parent} has no crawl child")


def _log(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "logs" / "shopwatch.log"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _start_a_day_and_wait_for_its_crawl(db_url: str, shop: ShopServer, path: Path,
                                        day: str) -> tuple[subprocess.Popen[bytes], int]:
    upgrade(db_url)
    shop.set(slow=SLOW)
    run = _shopwatch(path.parent, "run", "--config", str(path), "--date", day)
    _wait(lambda: _crawling(db_url) or run.poll() is not None, 60, "the run's crawl step")
    assert run.poll() is None, "the run ended before it could be killed"
    return run, _crawl_child(run.pid)


def test_a_run_killed_in_its_crawl_step_is_closed_and_completed_by_the_next_run(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    """SIGKILL of ``shopwatch run --date D`` while it crawls.

    Expected: its crawl child sees its parent die and stops, leaving none of its runs
    ``running`` (failed: "the process that started it died"); the day's row stays ``running``
    (nobody is left to close it). The next ``shopwatch run --date D`` does not exit 2 (busy):
    it closes the row as failed ("process died", in the log), runs the day to its end (done,
    attempt 2, every crawl run ok) and writes the digest."""
    path = write_config(tmp_path / "c.toml", demo_config(shop.url, db_url, listing_paths=()))
    run, child = _start_a_day_and_wait_for_its_crawl(db_url, shop, path, DAY)
    run.kill()
    run.wait(10)

    _wait(lambda: _gone(child), 30, "the orphaned crawl child to stop")
    runs = _runs(db_url)
    assert "running" not in {r.status for r in runs}
    assert any(r.error_summary == "crawl process stopped: the process that started it died"
               for r in runs)
    job = _job(db_url)
    assert job is not None and (job.status, job.step, job.attempt) == ("running", "crawl", 1)
    digest = tmp_path / "exports" / f"digest-{DAY}.eml"
    assert not digest.exists()

    shop.set(slow=0.0)
    again = _shopwatch(tmp_path, "run", "--config", str(path), "--date", DAY)
    assert again.wait(120) == 0
    job = _job(db_url)
    assert job is not None and (job.status, job.attempt) == ("done", 2)
    assert {r.status for r in _runs(db_url)} == {"ok"}
    assert digest.is_file()
    closed = [e for e in _log(tmp_path) if e["message"].startswith("day closed")]
    assert len(closed) == 1
    assert closed[0]["detail"].startswith(f"process died: {socket.gethostname()}:{run.pid}:")
    assert "stopped in step crawl" in closed[0]["detail"]


def test_a_day_killed_with_its_crawl_child_is_resumed_by_the_service(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    """SIGKILL of ``shopwatch run`` and of its crawl child together (the child is stopped
    first, so that neither can close anything: as when the machine loses power or the whole
    process group is killed).

    Expected: the day's row and its crawl runs stay ``running``. ``shopwatch schedule`` started
    afterwards closes the day and its crawl runs as failed ("process died"), resumes the day
    and runs it to its end: done, attempt 2, every crawl run ok, the digest written."""
    path = write_config(tmp_path / "c.toml", demo_config(shop.url, db_url, listing_paths=()))
    day = today_in(load_config(path)).isoformat()  # the service resumes recent days only
    run, child = _start_a_day_and_wait_for_its_crawl(db_url, shop, path, day)
    os.kill(child, signal.SIGSTOP)
    run.kill()
    run.wait(10)
    os.kill(child, signal.SIGKILL)
    _wait(lambda: _gone(child), 10, "the crawl child to die")
    assert "running" in {r.status for r in _runs(db_url)}
    job = _job(db_url)
    assert job is not None and job.status == "running"

    shop.set(slow=0.0)
    service = _shopwatch(tmp_path, "schedule", "--config", str(path))
    try:
        _wait(lambda: _status(db_url) == "done" or service.poll() is not None, 120,
              "the service to resume the day")
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(60) == 0
    job = _job(db_url)
    assert job is not None and (job.status, job.attempt) == ("done", 2)
    assert {r.status for r in _runs(db_url)} == {"ok"}
    assert (tmp_path / "exports" / f"digest-{day}.eml").is_file()
    log = _log(tmp_path)
    closed = [e for e in log if e["message"].startswith("day closed")]
    assert len(closed) == 1 and closed[0]["detail"].startswith("process died:")
    assert closed[0]["crawl_runs_closed"] >= 1  # its crawl runs were closed with it
    assert any(e["message"] == "resuming an interrupted or failed day" for e in log)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_killed_crawl_child_leaves_its_runs_failed_and_the_day_goes_on(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    """SIGKILL of the crawl child of a ``shopwatch run`` in the middle of its crawl.

    Expected: the run goes on with what it has; the child's runs that were ``running`` are
    ``failed`` with "crawl process died (signal SIGKILL)", none stays ``running``; the day ends
    done and its digest names the failed crawl. (SQLite only, to keep the suite fast: the same
    kill on both databases, in-process, is tests/test_scheduler.py's
    ``test_a_crawl_child_killed_leaves_a_failed_run_and_the_next_run_completes``.)"""
    path = write_config(tmp_path / "c.toml", demo_config(shop.url, db_url, listing_paths=()))
    run, child = _start_a_day_and_wait_for_its_crawl(db_url, shop, path, DAY)
    os.kill(child, signal.SIGKILL)
    shop.set(slow=0.0)
    run.wait(120)
    runs = _runs(db_url)
    assert "running" not in {r.status for r in runs}
    failed = [r for r in runs if r.status == "failed"]
    assert failed and {r.error_summary for r in failed} == {
        "crawl process died (signal SIGKILL)"}
    job = _job(db_url)
    assert job is not None and job.status == "done"
    digest = (tmp_path / "exports" / f"digest-{DAY}.eml").read_bytes().decode("utf-8", "replace")
    assert "SIGKILL" in digest
