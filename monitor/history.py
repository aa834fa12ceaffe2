"""The health of a day's crawl runs (the rest of detection is SQL in ``monitor.detect``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CrawlRun, Site
from monitor.rules import RunHealth


def runs_of_day(session: Session, day: dt.date) -> list[RunHealth]:
    statement = (select(Site.name, CrawlRun.spider, CrawlRun.status, CrawlRun.items_count,
                        CrawlRun.error_summary)
                 .join(Site, Site.id == CrawlRun.site_id).where(CrawlRun.day == day)
                 .order_by(Site.name, CrawlRun.spider))
    return [RunHealth(*row) for row in session.execute(statement)]
