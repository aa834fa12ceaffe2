"""``shopwatch alerts`` and ``shopwatch report``: the recorded alerts and the digest as a file."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from monitor.cliutil import UserError, _config, _date, inert, json_text


def alert_rows(session: Any, since: dt.date) -> list[dict[str, Any]]:
    """Alerts from ``since`` on, newest day first, most severe first within a day. ``sent``:
    every recipient's message that carries the alert has gone out."""
    from sqlalchemy import select

    from db.models import Alert, AlertDelivery, OutboxMessage
    from monitor.notify.digest import ordered

    alerts = list(session.scalars(select(Alert).where(Alert.day >= since)
                                  .order_by(Alert.day.desc(), Alert.id)))
    statuses: dict[int, set[str]] = {}
    for alert_id, status in session.execute(
            select(AlertDelivery.alert_id, OutboxMessage.status)
            .join(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_id)
            .where(AlertDelivery.alert_id.in_([a.id for a in alerts]))):
        statuses.setdefault(alert_id, set()).add(status)
    days: dict[dt.date, list[Any]] = {}
    for alert in alerts:
        days.setdefault(alert.day, []).append(alert)
    return [{"date": a.day.isoformat(), "kind": a.kind, "severity": a.severity, "site": a.site,
             "product_id": a.product_external_id, "keyword": a.keyword, "before": a.before,
             "after": a.after, "sent": statuses.get(a.id) == {"sent"}, "subject": a.subject,
             "url": a.url}
            for day in sorted(days, reverse=True) for a in ordered(days[day])]


def cmd_alerts(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from db.models import Alert
    from db.session import session_scope

    config = _config(args)
    with session_scope(config.database_url) as session:
        # the last 7 days that have alerts: up to the newest alert day (a backfill of
        # earlier days is found without --since), never beyond today
        newest = session.scalar(select(func.max(Alert.day)))
        last = min(newest, dt.date.today()) if newest else dt.date.today()
        since = args.since or last - dt.timedelta(days=6)
        rows = alert_rows(session, since)
    if args.json:
        print(json_text(rows))  # the text as stored, its control characters escaped
        return 0
    for row in rows:
        change = f"  ({row['before'] or '-'} -> {row['after'] or '-'})" \
            if row["before"] or row["after"] else ""
        sent = "sent" if row["sent"] else "not sent"
        print(inert(f"{row['date']} [{row['severity']}] {row['kind']}: {row['subject']}"
                    f"{change}  [{sent}]"))
    print(f"{len(rows)} alert(s) since {since}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from db.repo import alerts_of_day
    from db.session import session_scope
    from monitor.detect import visibility
    from monitor.history import runs_of_day
    from monitor.notify.charts import charts_for
    from monitor.notify.digest import ordered, report_html

    config = _config(args)
    with session_scope(config.database_url) as session:
        alerts = ordered(alerts_of_day(session, args.date))
        runs = runs_of_day(session, args.date)
        if not alerts and not runs:
            raise UserError(f"nothing recorded for {args.date} (run `shopwatch run --date "
                            f"{args.date}` or `shopwatch monitor --date {args.date}` first)")
        html = report_html(args.date, alerts, runs, charts_for(session, alerts, args.date),
                           visibility(session, config, args.date))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, "utf-8")
    print(f"wrote {out} ({len(alerts)} alert(s))")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``alerts`` and ``report`` (``needs_db``: the dispatcher migrates first)."""
    p = sub.add_parser("alerts", parents=[common], help="list recorded alerts",
                       description="list recorded alerts, newest day first")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                   help="from this day on (default: the 7 days up to the newest alert day)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_alerts, needs_db=True)
    p = sub.add_parser("report", parents=[common], help="render a day's digest to an HTML file",
                       description="render a day's digest (charts embedded) to an HTML file")
    p.add_argument("--date", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", required=True, metavar="FILE.html")
    p.set_defaults(func=cmd_report, needs_db=True)
