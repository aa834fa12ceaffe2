"""The board's read queries, one module per page; each function takes a ``Session`` and
returns plain rows (dataclasses), so that a benchmark or a test can call it directly.

Detection stays in ``monitor/`` and the keyword library in ``keywords/``: these only read.
Portable SQL (SQLite and PostgreSQL) through SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Alert, CrawlRun, Site

BAD_RUNS = ("blocked", "failed")  # a run whose results say nothing (gaps, not "not ranked")


def newest_day(session: Session) -> dt.date | None:
    """The newest day with a crawl run or an alert: the board's default day."""
    days = [session.scalar(select(func.max(CrawlRun.day))),
            session.scalar(select(func.max(Alert.day)))]
    known = [d for d in days if d is not None]
    return max(known) if known else None


def bad_rank_days(session: Session, since: dt.date, until: dt.date) -> set[tuple[str, dt.date]]:
    """(site, day) of the ranks crawls that were blocked or failed: days the ranks are unknown."""
    rows = session.execute(
        select(Site.name, CrawlRun.day).join(Site, Site.id == CrawlRun.site_id)
        .where(CrawlRun.spider == "ranks", CrawlRun.status.in_(BAD_RUNS),
               CrawlRun.day.between(since, until)))
    return {(site, day) for site, day in rows}


def days_between(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
