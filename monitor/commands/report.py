"""``shopwatch report``: a day's digest, charts embedded, as one HTML file."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.cliutil import UserError, _config, _date
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from db.repo import alerts_of_day
    from db.session import session_scope
    from monitor.detect import visibility
    from monitor.history import runs_of_day
    from monitor.notify.charts import charts_for
    from monitor.notify.digest import ordered, report_html
    from monitor.notify.send import speech

    config = _config(args)
    with session_scope(config.database_url) as session:
        alerts = ordered(alerts_of_day(session, args.date))
        runs = runs_of_day(session, args.date)
        if not alerts and not runs:
            raise UserError(f"nothing recorded for {args.date} (run `shopwatch run --date "
                            f"{args.date}` or `shopwatch monitor --date {args.date}` first)")
        html = report_html(args.date, alerts, runs,
                           charts_for(session, alerts, args.date, language=config.language),
                           visibility(session, config, args.date),
                           speech=speech(session, config, alerts))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, "utf-8")
    print(f"wrote {out} ({len(alerts)} alert(s))")
    return 0


def register(cli: Cli) -> None:
    p = cli.add("report", run, "render a day's digest to an HTML file", db=True,
                description="render a day's digest (charts embedded) to an HTML file")
    p.add_argument("--date", type=_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", required=True, metavar="FILE.html")
