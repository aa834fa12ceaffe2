"""The scheduled service: fires, never runs a day twice, survives a killed crawl, catches up."""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import column, func, select, table, update

from config import load_config
from db.models import CrawlRun, JobRun, RankObservation
from db.repo import LEASE, holder_alive
from db.session import session_scope, upgrade
from demoshop import catalog
from demoshop.server import ShopServer
from monitor.service import scheduler
from monitor.service.daylock import DayBusy, claim, close_dead, unfinished
from tests.support import config_dict, demo_config, write_config

DAY = dt.date(2026, 11, 24)
CALLS: list[tuple[str, str | None]] = []


def record(config_path: str, day: str | None = None) -> None:
    """A stand-in daily job for the scheduler tests (referenced by name in the job store)."""
    CALLS.append((config_path, day))


def _config(tmp_path: Path, db_url: str, **sections: object) -> Path:
    return write_config(tmp_path / "c.toml", config_dict(
        db_url, {"name": "demo", "base_url": "http://127.0.0.1:9"},
        export_dir=str(tmp_path / "out"), logging={"dir": str(tmp_path / "logs")}, **sections))


@pytest.fixture
def service() -> Iterator[Any]:
    """Start ``scheduler.serve`` in a thread; stop it at the end."""
    threads: list[threading.Thread] = []
    CALLS.clear()

    def start(path: Path, daily: tuple[str, Any] | None = None) -> None:
        ready = threading.Event()
        thread = threading.Thread(target=scheduler.serve, args=(str(path), load_config(path)),
                                  kwargs={"daily": daily, "ready": ready}, daemon=True)
        thread.start()
        threads.append(thread)
        assert ready.wait(30), "the scheduler did not start"

    yield start
    scheduler.STOP.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    scheduler.STOP.clear()


def _stored_job_due_in(config: Any, path: Path, trigger: Any, delay: dt.timedelta) -> None:
    """The daily job as an earlier run of the service left it in the job store: due soon.
    (The store's scheduler is stopped before it is due: stopping a scheduler with a job that
    is already due runs it, or in APScheduler 3 tries to.)"""
    upgrade(config.database_url)
    store = scheduler.build_scheduler(config)
    store.start(paused=True)
    store.add_job("tests.test_scheduler:record", trigger, id=scheduler.DAILY, args=[str(path)],
                  next_run_time=dt.datetime.now(dt.UTC) + delay)
    store.shutdown()


def _wait(condition: Any, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_scheduler_fires_the_job_and_keeps_it_in_the_database(
        db_url: str, tmp_path: Path, service: Any) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    path = _config(tmp_path, db_url)
    service(path, ("tests.test_scheduler:record", IntervalTrigger(seconds=1)))
    assert _wait(lambda: len(CALLS) >= 2), "the job never fired"
    assert CALLS[0] == (str(path), None)
    with session_scope(db_url) as s:  # the job store is a table of the same database
        jobs = set(s.scalars(select(column("id")).select_from(table("apscheduler_jobs"))))
    assert jobs == {scheduler.DAILY, scheduler.WEEKLY}


def test_a_run_missed_within_the_grace_time_runs_on_start(db_url: str, tmp_path: Path,
                                                          service: Any) -> None:
    from apscheduler.triggers.cron import CronTrigger

    path = _config(tmp_path, db_url, schedule={"misfire_grace_s": 3600, "timezone": "UTC"})
    config = load_config(path)
    upgrade(db_url)
    trigger = CronTrigger(hour=6, minute=0, timezone="UTC")
    _stored_job_due_in(config, path, trigger, dt.timedelta(seconds=1))
    time.sleep(2)  # the machine was off when the run was due
    service(path, ("tests.test_scheduler:record", trigger))
    assert _wait(lambda: len(CALLS) == 1), "the missed run was not run on start"
    time.sleep(1)
    assert len(CALLS) == 1  # once (coalesced), and the next run is tomorrow's


def test_a_run_missed_beyond_the_grace_time_is_skipped(
        db_url: str, tmp_path: Path, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from apscheduler.triggers.cron import CronTrigger

    path = _config(tmp_path, db_url, schedule={"misfire_grace_s": 60, "timezone": "UTC"})
    upgrade(db_url)
    monkeypatch.setattr(scheduler, "GRACE_OVERRIDE", 2, raising=False)
    trigger = CronTrigger(hour=6, minute=0, timezone="UTC")
    _stored_job_due_in(load_config(path), path, trigger, dt.timedelta(seconds=1))
    time.sleep(4)  # off for longer than the grace time (2 s here), by 2 s and more
    service(path, ("tests.test_scheduler:record", trigger))
    time.sleep(2)
    assert CALLS == []


def test_two_schedulers_on_one_database_run_a_day_once(
        db_url: str, tmp_path: Path, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    from monitor.service import job

    runs: list[dt.date] = []

    def slow_day(config_path: str, config: Any, day: dt.date, **kwargs: Any) -> Any:
        runs.append(day)
        time.sleep(2)  # both schedulers fire while the first one works
        return job.DayResult(day)

    monkeypatch.setattr(job, "run_day", slow_day)
    path = _config(tmp_path, db_url)
    every_second = IntervalTrigger(seconds=1)
    service(path, ("monitor.service.scheduler:daily_job", every_second))
    service(path, ("monitor.service.scheduler:daily_job", every_second))
    today = scheduler.today_in(load_config(path))

    def done() -> bool:
        with session_scope(db_url) as s:
            return s.scalar(select(JobRun.status).where(JobRun.day == today)) == "done"

    assert _wait(done)
    time.sleep(2.5)  # more firings of both: the day is done, nobody runs it again
    assert runs == [today]
    with session_scope(db_url) as s:
        row = s.scalars(select(JobRun)).one()
        assert (row.status, row.attempt) == ("done", 1)


def test_the_day_lock(db_url: str) -> None:
    upgrade(db_url)
    first = claim(db_url, DAY, "daily", owner="a")
    assert first and (first.attempt, first.resumed) == (1, False)
    with pytest.raises(DayBusy, match="being run by a"):
        claim(db_url, DAY, "daily", owner="b")
    from monitor.service.daylock import release

    release(db_url, first, "done")
    assert claim(db_url, DAY, "daily", owner="b") is None  # done: the scheduler skips it
    again = claim(db_url, DAY, "daily", owner="b", rerun_done=True)  # `shopwatch run`
    assert again and (again.attempt, again.resumed) == (2, True)
    release(db_url, again, "failed", "RuntimeError: disk full")
    assert unfinished(db_url, "daily", DAY) == [DAY]  # tried again on the next start
    third = claim(db_url, DAY, "daily", owner="c")
    assert third and (third.attempt, third.resumed) == (3, True)
    release(db_url, third, "failed", "RuntimeError: disk full")
    assert unfinished(db_url, "daily", DAY) == []  # three failures: an operator's turn


def test_a_crawl_child_killed_leaves_a_failed_run_and_the_next_run_completes(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.toml", demo_config(shop.url, db_url, listing_paths=()))
    config = load_config(path)
    upgrade(db_url)
    shop.set(slow=0.5)  # half the responses take 2 s: time to kill the crawl in the middle
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(
        first=scheduler.run_locked(str(path), config, DAY)), daemon=True)
    worker.start()

    def crawling() -> bool:
        with session_scope(db_url) as s:
            return bool(s.scalar(select(func.count()).select_from(CrawlRun)
                                 .where(CrawlRun.status == "running")))

    assert _wait(crawling, 60), "the crawl never started"
    (child,) = scheduler._children
    os.kill(child.pid, signal.SIGKILL)
    worker.join(120)
    first = result["first"]
    assert first.crawl_error is not None and first.steps_done == ["crawl", "monitor", "digest",
                                                                  "keywords"]
    with session_scope(db_url) as s:
        failed = s.scalars(select(CrawlRun).where(CrawlRun.status == "failed")).all()
        assert failed and all("SIGKILL" in (r.error_summary or "") for r in failed)
        assert s.scalars(select(JobRun)).one().status == "done"
    digest = (tmp_path / "exports" / f"digest-{DAY}.eml").read_bytes().decode("utf-8", "replace")
    assert "failed" in digest and "SIGKILL" in digest  # the digest says which crawl failed
    shop.set(slow=0.0)
    second = scheduler.run_locked(str(path), config, DAY, rerun_done=True)
    assert second.crawl_error is None
    with session_scope(db_url) as s:
        runs = s.scalars(select(CrawlRun)).all()
        assert {r.status for r in runs} == {"ok"}
        slots = s.execute(select(RankObservation.crawl_run_id, RankObservation.keyword_id,
                                 RankObservation.position)).all()
    results = [slot for page in (1, 2, 3) for slot in catalog.result_page("扫地机器人", page, 1)[0]]
    assert sorted(position for _run, _keyword, position in slots) == list(
        range(1, len(results) + 1))  # every result of the day once: nothing duplicated
    third = scheduler.run_locked(str(path), config, DAY, rerun_done=True)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(RankObservation)) == len(slots)
    assert len(third.alerts) == len(second.alerts)


SERVICE = """
import sys
from apscheduler.triggers.interval import IntervalTrigger
from config import load_config
from monitor.service import scheduler
path, every = sys.argv[1], int(sys.argv[2])
config = load_config(path)
scheduler.log_to_file(config, path)
sys.exit(scheduler.serve(path, config, daily=("monitor.service.scheduler:daily_job",
                                              IntervalTrigger(seconds=every))))
"""


def test_sigterm_stops_after_the_step_in_progress_and_the_day_resumes_on_start(
        sqlite_url: str, shop: ShopServer, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write_config(tmp_path / "c.toml", demo_config(shop.url, sqlite_url, listing_paths=()))
    upgrade(sqlite_url)
    shop.set(slow=0.3)
    root = Path(__file__).resolve().parents[1]
    service = subprocess.Popen([sys.executable, "-c", SERVICE, str(path), "1"], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def crawling() -> bool:
        with session_scope(sqlite_url) as s:
            return bool(s.scalar(select(func.count()).select_from(CrawlRun)
                                 .where(CrawlRun.status == "running")))

    assert _wait(crawling, 60), "the scheduled job never started crawling"
    service.send_signal(signal.SIGTERM)
    _out, err = service.communicate(timeout=180)
    assert service.returncode == 0, err[-2000:]
    assert "SIGTERM received: stopping after the step in progress" in err
    assert "scheduler stopped" in err
    with session_scope(sqlite_url) as s:
        day = s.scalars(select(JobRun)).one()
        assert (day.status, day.detail) == ("interrupted", "stopped after crawl")
        # the crawl itself ran to its end: its own process did not get the signal
        assert {r.status for r in s.scalars(select(CrawlRun))} == {"ok"}
    shop.set(slow=0.0)
    again = subprocess.Popen([sys.executable, "-c", SERVICE, str(path), "3600"], cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def done() -> bool:
        with session_scope(sqlite_url) as s:
            return s.scalar(select(JobRun.status)) == "done"

    try:
        assert _wait(done, 120), "the interrupted day was not run again on start"
    finally:
        again.send_signal(signal.SIGTERM)
        _out, err = again.communicate(timeout=60)
    assert "resuming an interrupted or failed day" in err
    log = (tmp_path / "logs" / "shopwatch.log").read_text("utf-8").splitlines()
    import json

    entries = [json.loads(line) for line in log]
    assert {"day started", "day interrupted", "day done"} <= {e["message"] for e in entries}
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)


def test_the_weekly_rebuild_runs_once_under_its_own_lock(db_url: str, tmp_path: Path) -> None:
    path = _config(tmp_path, db_url)
    upgrade(db_url)
    scheduler.weekly_job(str(path))
    scheduler.weekly_job(str(path))  # a second scheduler, or a second firing: done already
    with session_scope(db_url) as s:
        row = s.scalars(select(JobRun)).one()
    assert (row.job, row.status, row.attempt, row.step) == (scheduler.WEEKLY, "done", 1,
                                                            "keywords")
    assert row.detail == "0 terms"


def _dead_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


NOW = dt.datetime(2026, 11, 24, 8, 0)
HOST = socket.gethostname()


@pytest.mark.parametrize(("owner", "silent_for", "alive"), [
    (f"{HOST}:{os.getpid()}:7", dt.timedelta(seconds=5), True),  # this process
    ("HOST:DEAD:1", dt.timedelta(seconds=5), False),  # this host, its pid gone: dead at once
    (f"{HOST}:{os.getpid()}:7", LEASE, False),  # a pid alive but silent: reused by another
    ("elsewhere:1:1", LEASE - dt.timedelta(seconds=1), True),  # another host: the lease tells
    ("elsewhere:1:1", LEASE, False),
    ("a", dt.timedelta(0), True),  # a name without a pid: the lease only
], ids=["this-process", "dead-pid", "silent-pid", "other-host-within", "other-host-beyond",
        "no-pid"])
def test_a_holder_is_alive_while_its_pid_lives_and_its_heartbeat_is_within_the_lease(
        owner: str, silent_for: dt.timedelta, alive: bool) -> None:
    owner = owner.replace("HOST", HOST).replace("DEAD", str(_dead_pid()))
    assert holder_alive(owner, NOW - silent_for, NOW) is alive


def _running_day(db_url: str, owner: str, heartbeat: dt.datetime, step: str = "crawl") -> None:
    """A day left ``running`` by ``owner`` in ``step``, with a crawl run running on that day
    and one on the day before."""
    from db.repo import begin_run, ensure_site

    upgrade(db_url)
    with session_scope(db_url) as s:
        s.add(JobRun(day=DAY, job="daily", status="running", owner=owner, attempt=1,
                     started_at=heartbeat, heartbeat_at=heartbeat, step=step))
        site = ensure_site(s, "demo", "demoshop", "http://127.0.0.1:9")
        begin_run(s, site, "ranks", DAY)
        begin_run(s, site, "ranks", DAY - dt.timedelta(days=1))


def test_a_day_left_running_by_a_dead_process_is_closed_then_taken(db_url: str) -> None:
    """A SIGKILLed run of this host: the next claim does not wait for the lease. The day is
    closed as failed "process died" with its crawl runs (of that day only), then taken."""
    dead = f"{HOST}:{_dead_pid()}:1"
    _running_day(db_url, dead, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    closed = close_dead(db_url, day=DAY)
    assert [(c.day, c.job, c.crawl_runs) for c in closed] == [(DAY, "daily", 1)]
    assert closed[0].detail.startswith(f"process died: {dead} stopped in step crawl")
    with session_scope(db_url) as s:
        row = s.scalars(select(JobRun)).one()
        assert (row.status, row.detail) == ("failed", closed[0].detail)
        runs = {r.day: (r.status, r.error_summary) for r in s.scalars(select(CrawlRun))}
    assert runs == {DAY: ("failed", closed[0].detail),
                    DAY - dt.timedelta(days=1): ("running", None)}  # not this day's job's
    assert unfinished(db_url, "daily", DAY) == [DAY]  # the service resumes it
    again = claim(db_url, DAY, "daily", owner="b")
    assert again and (again.attempt, again.resumed) == (2, True)


@pytest.mark.parametrize("step", ["crawl", "monitor"])
def test_claim_closes_a_dead_holder_itself_and_waits_for_a_live_one(db_url: str,
                                                                    step: str) -> None:
    """``shopwatch run`` of a day whose holder died: taken at once (no exit 2). A holder on
    another host is alive until its heartbeats stop for the lease time. A day that died after
    its crawl step leaves the crawl runs alone (its crawl had ended)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    _running_day(db_url, "elsewhere:1:1", now - dt.timedelta(seconds=40), step)
    with pytest.raises(DayBusy, match="being run by elsewhere:1:1"):
        claim(db_url, DAY, "daily", owner="b")
    with session_scope(db_url) as s:
        s.execute(update(JobRun).values(heartbeat_at=now - LEASE))
    taken = claim(db_url, DAY, "daily", owner="b")
    assert taken and taken.attempt == 2
    with session_scope(db_url) as s:
        statuses = {r.status for r in s.scalars(select(CrawlRun).where(CrawlRun.day == DAY))}
    assert statuses == ({"failed"} if step == "crawl" else {"running"})


# -- job references stored by the release before the monitor/ split ----------------------

OLD_DAILY, OLD_WEEKLY = "monitor.scheduler:daily_job", "monitor.scheduler:weekly_job"


def _stored_refs(db_url: str) -> dict[str, str]:
    """Each stored job's function reference, as APScheduler pickled it into the job store."""
    with session_scope(db_url) as s:
        rows = s.execute(select(column("id"), column("job_state"))
                         .select_from(table("apscheduler_jobs"))).all()
    return {job_id: pickle.loads(state)["func"] for job_id, state in rows}


def test_jobs_stored_with_the_pre_split_references_load_and_are_rewritten_on_start(
        db_url: str, tmp_path: Path, service: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Expected: a database whose job store holds the references of the release before the
    split (``monitor.scheduler:…``: the daily and weekly jobs and a pending resume job) starts
    without an error; the daily and weekly jobs are stored again with the new references (their
    triggers unchanged), and the pending resume job still loads through the shim and calls the
    same function."""
    from apscheduler.triggers.date import DateTrigger
    from apscheduler.util import ref_to_obj

    path = _config(tmp_path, db_url, schedule={"timezone": "UTC"})
    config = load_config(path)
    upgrade(db_url)
    zone = config.schedule.timezone
    daily = scheduler._cron(config.schedule.time, zone)
    weekly = scheduler._cron(config.schedule.weekly_time, zone, config.schedule.weekly_day)
    later = DateTrigger(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    old = scheduler.build_scheduler(config)  # the job store as the earlier release left it
    old.start(paused=True)
    old.add_job(OLD_DAILY, daily, id=scheduler.DAILY, args=[str(path)])
    old.add_job(OLD_WEEKLY, weekly, id=scheduler.WEEKLY, args=[str(path)])
    old.add_job(OLD_DAILY, later, id=f"resume-{DAY}", args=[str(path), DAY.isoformat()])
    old.shutdown()
    assert _stored_refs(db_url) == {scheduler.DAILY: OLD_DAILY, scheduler.WEEKLY: OLD_WEEKLY,
                                    f"resume-{DAY}": OLD_DAILY}

    with caplog.at_level("WARNING"):
        service(path)
        time.sleep(1)
    assert [r.getMessage() for r in caplog.records
            if r.name.startswith("apscheduler") and r.levelno >= logging.WARNING] == []
    assert _stored_refs(db_url) == {
        scheduler.DAILY: "monitor.service.scheduler:daily_job",
        scheduler.WEEKLY: "monitor.service.scheduler:weekly_job",
        f"resume-{DAY}": OLD_DAILY}
    assert ref_to_obj(OLD_DAILY) is scheduler.daily_job
    assert ref_to_obj(OLD_WEEKLY) is scheduler.weekly_job
