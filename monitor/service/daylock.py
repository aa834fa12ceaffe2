"""The database lock of a day's job: one scheduler or ``shopwatch run`` at a time, on any
number of machines sharing the database.

A row per (day, job) in ``job_runs``. Taking it is an INSERT (the unique key decides between
two at once) or a compare-and-set UPDATE of a row that is done, failed or interrupted. A row
left running by a process that died (SIGKILL, a crash, a machine that went down) is first
closed as failed, "process died": on this host as soon as its pid is gone, from another host
when its heartbeats stopped for the lease time (``db.repo.holder_alive``). Every command that
takes a day does it; the service does it for recent days when it starts, then resumes them as
it resumes failed days. Portable SQL, no advisory locks: the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from db.models import JobRun, utcnow
from db.repo import ClosedDay, close_dead_jobs
from db.session import session_scope

HEARTBEAT = dt.timedelta(seconds=30)
log = logging.getLogger(__name__)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class DayBusy(Exception):
    """Another process is running this day's job right now."""


@dataclass(frozen=True)
class Claim:
    day: dt.date
    job: str
    owner: str
    attempt: int
    resumed: bool  # the day had been started before (failed, interrupted, or re-run)


def claim(url: str, day: dt.date, job: str, *, rerun_done: bool = False,
          owner: str | None = None) -> Claim | None:
    """Take the lock of ``day``'s ``job``. None when the day is done (and ``rerun_done`` is
    not set); ``DayBusy`` when a live process holds it."""
    owner = owner or owner_name()
    now = utcnow()
    try:
        with session_scope(url) as session:
            session.add(JobRun(day=day, job=job, status="running", owner=owner, attempt=1,
                               started_at=now, heartbeat_at=now))
        return Claim(day, job, owner, 1, False)
    except IntegrityError:
        pass
    close_dead(url, day=day)
    with session_scope(url) as session:
        row = session.scalars(select(JobRun).where(JobRun.day == day, JobRun.job == job)).one()
        if row.status == "done" and not rerun_done:
            return None
        if row.status == "running":  # alive: a dead holder's row was closed just above
            raise DayBusy(f"{job} of {day} is being run by {row.owner} (step "
                          f"{row.step or 'starting'}, since {row.started_at:%Y-%m-%d %H:%M} UTC)")
        attempt = row.attempt + 1  # (the UPDATE below refreshes ``row``)
        taken = session.execute(
            update(JobRun).where(JobRun.id == row.id, JobRun.status == row.status,
                                 JobRun.owner == row.owner, JobRun.attempt == row.attempt)
            .values(status="running", owner=owner, attempt=attempt, started_at=now,
                    heartbeat_at=now, finished_at=None, detail=None))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise DayBusy(f"{job} of {day} was just taken by another process")
        return Claim(day, job, owner, attempt, True)


def _touch(url: str, held: Claim, **values: object) -> None:
    with session_scope(url) as session:
        session.execute(update(JobRun).where(
            JobRun.day == held.day, JobRun.job == held.job, JobRun.owner == held.owner,
            JobRun.attempt == held.attempt).values(heartbeat_at=utcnow(), **values))


def release(url: str, held: Claim, status: str, detail: str | None = None) -> None:
    _touch(url, held, status=status, finished_at=utcnow(), detail=detail)


@contextmanager
def lease(url: str, held: Claim) -> Iterator[Callable[[str], None]]:
    """Keep the lock alive while the job works (a heartbeat every 30 s from a thread); yields
    ``step(name)``, which records the step in progress."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT.total_seconds()):
            _touch(url, held)

    thread = threading.Thread(target=beat, name="shopwatch-heartbeat", daemon=True)
    thread.start()
    try:
        yield lambda name: _touch(url, held, step=name)
    finally:
        stop.set()
        thread.join(5)


def close_dead(url: str, *, day: dt.date | None = None,
               since: dt.date | None = None) -> list[ClosedDay]:
    """Close the days (``day``, or all from ``since`` on) left running by a process that died,
    as failed "process died: ...", with their crawl runs still running; log each one."""
    with session_scope(url) as session:
        closed = close_dead_jobs(session, day=day, since=since)
    for row in closed:
        log.warning("day closed: %s", row.detail, extra={
            "day": row.day.isoformat(), "job": row.job, "detail": row.detail,
            "crawl_runs_closed": row.crawl_runs})
    return closed


MAX_ATTEMPTS = 3  # a day that failed this often waits for an operator (shopwatch run)


def unfinished(url: str, job: str, since: dt.date) -> list[dt.date]:
    """Days since ``since`` to run again when the service starts: interrupted ones, and failed
    ones (a process that died included, see ``close_dead``) that have not been tried
    ``MAX_ATTEMPTS`` times yet: a day that kills its process each time does not restart the
    service for ever."""
    with session_scope(url) as session:
        return list(session.scalars(select(JobRun.day).where(
            JobRun.job == job, JobRun.day >= since,
            (JobRun.status == "interrupted")
            | ((JobRun.status == "failed") & (JobRun.attempt < MAX_ATTEMPTS)))
            .order_by(JobRun.day)))
