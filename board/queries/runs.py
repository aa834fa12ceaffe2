"""Runs: the crawl runs per site and day, a run's kept blocked page, the day lock (job runs)
and the outbox queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import BlockedPage, CrawlRun, JobRun, OutboxMessage, Site


@dataclass(frozen=True)
class RunRow:
    id: int
    site: str
    spider: str
    day: dt.date
    status: str
    attempt: int
    items: int
    pages: int
    errors: int
    unknown_prices: int
    summary: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    kept_page: bool  # a blocked or unreadable page was kept


@dataclass(frozen=True)
class OutboxRow:
    id: int
    day: dt.date
    channel: str  # email or chat
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    sent_at: dt.datetime | None


def crawl_runs(session: Session, day: dt.date, days: int = 7) -> list[RunRow]:
    """The crawl runs of the ``days`` days up to ``day``, newest day first."""
    rows = session.execute(
        select(CrawlRun, Site.name, BlockedPage.id)
        .join(Site, Site.id == CrawlRun.site_id)
        .outerjoin(BlockedPage, BlockedPage.run_id == CrawlRun.id)
        .where(CrawlRun.day.between(day - dt.timedelta(days=days - 1), day))
        .order_by(CrawlRun.day.desc(), Site.name, CrawlRun.spider))
    return [RunRow(r.id, site, r.spider, r.day, r.status, r.attempt, r.items_count,
                   r.pages_count, r.errors_count, r.unknown_prices, r.error_summary,
                   r.started_at, r.finished_at, kept is not None)
            for r, site, kept in rows]


def blocked_page(session: Session, run_id: int) -> tuple[BlockedPage, str, str, dt.date] | None:
    """A run's kept page with the run's site, spider and day."""
    found = session.execute(
        select(BlockedPage, Site.name, CrawlRun.spider, CrawlRun.day)
        .join(CrawlRun, CrawlRun.id == BlockedPage.run_id)
        .join(Site, Site.id == CrawlRun.site_id)
        .where(BlockedPage.run_id == run_id)).one_or_none()
    return None if found is None else (found[0], found[1], found[2], found[3])


def job_runs(session: Session, day: dt.date, days: int = 14) -> list[JobRun]:
    """The day lock's rows (the daily job, the weekly keyword rebuild) of recent days."""
    return list(session.scalars(
        select(JobRun).where(JobRun.day.between(day - dt.timedelta(days=days - 1), day))
        .order_by(JobRun.day.desc(), JobRun.job)))


def outbox(session: Session, limit: int = 30) -> tuple[dict[str, int], list[OutboxRow]]:
    """The outbox's messages per status, and the newest ``limit`` (their bodies left out)."""
    counts = {status: int(n) for status, n in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.day, OutboxMessage.channel,
               OutboxMessage.recipient,
               OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts,
               OutboxMessage.next_attempt_at, OutboxMessage.last_error, OutboxMessage.sent_at)
        .order_by(OutboxMessage.id.desc()).limit(limit))
    return counts, [OutboxRow(**row._asdict()) for row in rows]
