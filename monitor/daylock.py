"""The database lock of a day's job: one scheduler or ``shopwatch run`` at a time, on any
number of machines sharing the database.

A row per (day, job) in ``job_runs``. Taking it is an INSERT (the unique key decides between
two at once) or a compare-and-set UPDATE of a row that is done, failed, interrupted, or held by
a process that stopped sending heartbeats (it died: its lease is over). Portable SQL, no
advisory locks: the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from db.models import JobRun, utcnow
from db.session import session_scope

HEARTBEAT = dt.timedelta(seconds=30)
LEASE = dt.timedelta(minutes=10)  # no heartbeat for this long: the holder is gone


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
    with session_scope(url) as session:
        row = session.scalars(select(JobRun).where(JobRun.day == day, JobRun.job == job)).one()
        if row.status == "done" and not rerun_done:
            return None
        if row.status == "running" and now - row.heartbeat_at < LEASE:
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


MAX_ATTEMPTS = 3  # a day that failed this often waits for an operator (shopwatch run)


def unfinished(url: str, job: str, since: dt.date) -> list[dt.date]:
    """Days since ``since`` to run again when the service starts: interrupted ones, and failed
    ones that have not failed ``MAX_ATTEMPTS`` times yet."""
    with session_scope(url) as session:
        return list(session.scalars(select(JobRun.day).where(
            JobRun.job == job, JobRun.day >= since,
            (JobRun.status == "interrupted")
            | ((JobRun.status == "failed") & (JobRun.attempt < MAX_ATTEMPTS)))
            .order_by(JobRun.day)))
