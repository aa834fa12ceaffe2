"""Wire history, rules and storage: detect, decide, store. Sending is the notifier's job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from config import Config, Thresholds
from crawlers.watch import with_watchlist
from db import repo
from db.models import Alert, AlertDelivery
from db.session import session_scope
from monitor import detect as detection
from monitor import history
from monitor.rules import (
    AlertDraft,
    Visibility,
    crawl_alerts,
    listing_alerts,
    rank_alerts,
    sort_alerts,
    undercut_alerts,
    visibility_alerts,
)


def thresholds_for(config: Config) -> Callable[..., Thresholds]:
    """(group, product=id, keyword=term) -> the thresholds that apply: global, then the
    group's, then the keyword's, then the product's overrides."""
    t = config.thresholds
    products = {p.id: p.thresholds for p in config.products if p.thresholds}
    keywords = {k.term: k.thresholds for k in config.keywords if k.thresholds}

    @cache
    def resolve(group: str, product: str | None = None, keyword: str | None = None
                ) -> Thresholds:
        return t.resolve(t.groups.get(group), keywords.get(keyword or ""),
                         products.get(product or ""))

    return resolve


def detect(session: Session, config: Config, day: dt.date) -> list[AlertDraft]:
    """All alerts for ``day``: SQL over the history finds what moved, the rules apply the
    thresholds, repeats within ``repeat_days`` that did not get worse are dropped. A site whose
    crawl was not complete yields only crawl alerts. Imported watch-list rows count as
    ``[[products]]`` (their groups, roles and ``compare_to`` pairs)."""
    config = with_watchlist(config, session)
    resolve = thresholds_for(config)
    alerts = crawl_alerts(day, history.runs_of_day(session, day),
                          detection.usual_items(session, day),
                          config.thresholds.min_items_ratio)
    alerts += rank_alerts(day, detection.rank_rows(session, config, day), resolve)
    alerts += listing_alerts(day, detection.listing_rows(session, config, day), resolve)
    alerts += undercut_alerts(day, detection.price_pairs(session, config, day))
    alerts += visibility_alerts(day, detection.visibility(session, config, day), resolve)
    return sort_alerts(suppress_repeats(session, alerts, config.thresholds.repeat_days))


def _repeat_key(alert: AlertDraft | Alert) -> tuple[Any, ...]:
    pid = alert.product_id if isinstance(alert, AlertDraft) else alert.product_external_id
    scope = alert.scope if isinstance(alert, AlertDraft) else alert.dedup_key.split("|")[-1]
    return alert.kind, alert.site, pid, alert.keyword, scope or "None"


def suppress_repeats(session: Session, alerts: list[AlertDraft], days: int
                     ) -> list[AlertDraft]:
    """Drop an alert raised already in the ``days`` before with the same outcome or one at
    least as bad: a change that flips back and forth is not re-alerted every day."""
    if not alerts:
        return alerts
    day = alerts[0].day
    earlier: dict[tuple[Any, ...], list[Alert]] = {}
    for old in session.scalars(select(Alert).where(
            Alert.day < day, Alert.day >= day - dt.timedelta(days=days),
            Alert.kind.in_({a.kind for a in alerts}))):
        earlier.setdefault(_repeat_key(old), []).append(old)
    kept = []
    for alert in alerts:
        if alert.kind.startswith("crawl_"):  # each day's crawl is news of its own
            kept.append(alert)
            continue
        before = earlier.get(_repeat_key(alert), [])
        repeated = any(old.after == alert.after or (
            old.magnitude is not None and alert.magnitude is not None
            and abs(old.magnitude) >= abs(alert.magnitude)) for old in before)
        if not repeated:
            kept.append(alert)
    return kept


def _worse(old: Alert, new: AlertDraft) -> bool:
    return (old.after != new.after and old.magnitude is not None and new.magnitude is not None
            and abs(new.magnitude) > abs(old.magnitude))


def _worst(old: Alert | None, new: AlertDraft) -> float | None:
    """The worst magnitude seen today: what a later "got worse" is measured against."""
    if old is None or old.magnitude is None or new.magnitude is None:
        return new.magnitude
    return old.magnitude if abs(old.magnitude) > abs(new.magnitude) else new.magnitude


def store(session: Session, alerts: list[AlertDraft]) -> int:
    """Insert new alerts; a rerun of the day refreshes them instead of adding duplicates.

    An alert that was e-mailed already and got worse since (a rerun of the day finds #15
    where the morning found #9) loses its deliveries, so that the next digest carries it again;
    one that did not get worse is never sent twice (the row keeps the worst magnitude of the
    day, its text the latest)."""
    stored = {a.dedup_key: a for a in session.scalars(select(Alert).where(
        Alert.dedup_key.in_([a.dedup_key for a in alerts])))} if alerts else {}
    worse = [stored[a.dedup_key].id for a in alerts
             if a.dedup_key in stored and _worse(stored[a.dedup_key], a)]
    if worse:
        session.execute(delete(AlertDelivery).where(AlertDelivery.alert_id.in_(worse)))
        session.execute(update(Alert).where(Alert.id.in_(worse)).values(notified_at=None))
    rows = [{"day": a.day, "kind": a.kind, "severity": a.severity, "site": a.site,
             "product_external_id": a.product_id, "keyword": a.keyword, "subject": a.subject,
             "before": a.before, "after": a.after, "url": a.url, "dedup_key": a.dedup_key,
             "magnitude": _worst(stored.get(a.dedup_key), a), "group": a.group}
            for a in alerts]
    repo.upsert(session, Alert, rows, ["dedup_key"],
                ["severity", "subject", "before", "after", "url", "magnitude", "group"])
    return len(rows)


def run_monitor(session: Session, config: Config, day: dt.date) -> list[AlertDraft]:
    alerts = detect(session, config, day)
    store(session, alerts)
    return alerts


def visibility_of_day(config: Config, day: dt.date) -> list[Visibility]:
    """The week's visibility per keyword group, for the digest: its callers (the daily job,
    ``shopwatch notify``) hand it to the notifier, which runs no detection."""
    with session_scope(config.database_url) as session:
        return detection.visibility(session, config, day)

