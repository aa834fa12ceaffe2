"""Wire history, rules and storage: detect, decide, store. Sending is the notifier's job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Config
from db import repo
from db.models import Alert
from monitor import history
from monitor.rules import AlertDraft, crawl_alerts, listing_alerts, rank_alerts, sort_alerts


def detect(session: Session, config: Config, day: dt.date) -> list[AlertDraft]:
    """All alerts for ``day``. A site whose crawl was not complete yields only crawl alerts."""
    alerts = crawl_alerts(day, history.runs_of_day(session, day))
    for site in config.sites:
        today = history.good_run(session, site.name, "ranks", day)
        before = history.good_run(session, site.name, "ranks", day, before=True)
        if today and before:
            alerts += rank_alerts(day, history.rank_points(session, before),
                                  history.rank_points(session, today), config.thresholds)
        listings_before = history.good_run(session, site.name, "listings", day, before=True)
        if listings_before:
            alerts += listing_alerts(day, history.listing_points(session, listings_before),
                                     history.listing_points_partial(session, site.name, day),
                                     config.thresholds)
    return sort_alerts(alerts)


def store(session: Session, alerts: list[AlertDraft]) -> int:
    """Insert new alerts; a rerun of the day refreshes them instead of adding duplicates."""
    rows = [{"day": a.day, "kind": a.kind, "severity": a.severity, "site": a.site,
             "product_external_id": a.product_id, "keyword": a.keyword, "subject": a.subject,
             "before": a.before, "after": a.after, "url": a.url, "dedup_key": a.dedup_key}
            for a in alerts]
    repo.upsert(session, Alert, rows, ["dedup_key"],
                ["severity", "subject", "before", "after", "url"])
    return len(rows)


def run_monitor(session: Session, config: Config, day: dt.date) -> list[AlertDraft]:
    alerts = detect(session, config, day)
    store(session, alerts)
    return alerts


def alerts_of_day(session: Session, day: dt.date) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.day == day).order_by(Alert.id)))

