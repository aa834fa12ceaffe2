"""``shopwatch alerts``: the recorded alerts, newest day first (``--json`` for scripts)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from monitor.cliutil import _config, _date, inert, json_text
from monitor.commands.base import Cli


def alert_rows(session: Any, since: dt.date) -> list[dict[str, Any]]:
    """Alerts from ``since`` on, newest day first, most severe first within a day. ``sent``:
    every recipient's message that carries the alert has gone out."""
    from db import repo
    from monitor.notify.digest import ordered

    alerts = repo.alerts_since(session, since)
    statuses = repo.delivery_statuses(session, [a.id for a in alerts])
    days: dict[dt.date, list[Any]] = {}
    for alert in alerts:
        days.setdefault(alert.day, []).append(alert)
    return [{"date": a.day.isoformat(), "kind": a.kind, "severity": a.severity, "site": a.site,
             "product_id": a.product_external_id, "keyword": a.keyword, "before": a.before,
             "after": a.after, "sent": statuses.get(a.id) == {"sent"}, "subject": a.subject,
             "url": a.url}
            for day in sorted(days, reverse=True) for a in ordered(days[day])]


def run(args: argparse.Namespace) -> int:
    from db import repo
    from db.session import session_scope

    config = _config(args)
    with session_scope(config.database_url) as session:
        # the last 7 days that have alerts: up to the newest alert day (a backfill of
        # earlier days is found without --since), never beyond today
        newest = repo.newest_alert_day(session)
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


def register(cli: Cli) -> None:
    p = cli.add("alerts", run, "list recorded alerts", db=True,
                description="list recorded alerts, newest day first")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                   help="from this day on (default: the 7 days up to the newest alert day)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
