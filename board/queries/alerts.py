"""The alert inbox: a day's alerts with their acknowledgements and mutes, by kind, severity,
group and site; one alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from config.schema import SEVERITIES
from db import repo
from db.models import Alert, AlertAck, Product, Site

FILTERS = ("kind", "severity", "group", "site")


@dataclass(frozen=True)
class InboxRow:
    alert: Alert
    acked_by: str | None
    acked_at: dt.datetime | None
    muted: bool  # its product or keyword is muted on its day: recorded, not sent


def inbox(session: Session, day: dt.date, *, kind: str = "", severity: str = "",
          group: str = "", site: str = "", open_only: bool = False) -> list[InboxRow]:
    """The day's alerts, most severe first, filtered; ``open_only``: not acknowledged."""
    statement = (select(Alert, AlertAck.user, AlertAck.at)
                 .outerjoin(AlertAck, AlertAck.alert_id == Alert.id).where(Alert.day == day))
    for column, value in ((Alert.kind, kind), (Alert.severity, severity),
                          (Alert.group, group), (Alert.site, site)):
        if value:
            statement = statement.where(column == value)
    if open_only:
        statement = statement.where(AlertAck.alert_id.is_(None))
    mutes = repo.active_mutes(session, day)
    rows = [InboxRow(alert, user, at, mutes.silences(alert))
            for alert, user, at in session.execute(statement.order_by(Alert.id))]
    order = {name: i for i, name in enumerate(SEVERITIES)}
    rows.sort(key=lambda r: (order.get(r.alert.severity, len(order)), r.alert.kind,
                             r.alert.id))
    return rows


def facets(session: Session, day: dt.date) -> dict[str, list[str]]:
    """The kinds, severities, groups and sites of the day's alerts (the filter menus)."""
    columns = {"kind": Alert.kind, "severity": Alert.severity, "group": Alert.group,
               "site": Alert.site}
    return {name: sorted(v for v in session.scalars(
        select(column).distinct().where(Alert.day == day)) if v)
        for name, column in columns.items()}


def alert_row(session: Session, alert_id: int) -> InboxRow | None:
    found = session.execute(select(Alert, AlertAck.user, AlertAck.at)
                            .outerjoin(AlertAck, AlertAck.alert_id == Alert.id)
                            .where(Alert.id == alert_id)).one_or_none()
    if found is None:
        return None
    alert, user, at = found
    return InboxRow(alert, user, at, repo.active_mutes(session, alert.day).silences(alert))


def alert_days(session: Session, until: dt.date, limit: int = 14) -> list[tuple[dt.date, int]]:
    """The latest days with alerts up to ``until`` and how many each has (the day menu)."""
    rows = session.execute(select(Alert.day, func.count()).where(Alert.day <= until)
                           .group_by(Alert.day).order_by(Alert.day.desc()).limit(limit))
    return [(day, int(n)) for day, n in rows]


def product_titles(session: Session, alerts: Iterable[Any]) -> dict[tuple[str, str], str]:
    """(site, product id) -> the stored title, for the alerts' products."""
    keys = sorted({(a.site, a.product_external_id) for a in alerts
                   if a.site and a.product_external_id})
    if not keys:
        return {}
    rows = session.execute(select(Site.name, Product.external_id, Product.title)
                           .join(Site, Site.id == Product.site_id)
                           .where(tuple_(Site.name, Product.external_id).in_(keys)))
    return {(site, pid): title for site, pid, title in rows if title}
