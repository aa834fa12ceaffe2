"""``shopwatch monitor``: compare a day with the history and record its alerts."""

from __future__ import annotations

import argparse

from monitor.cliutil import _config, inert
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from monitor.runner import run_monitor
    from monitor.service.daylock import close_dead

    config = _config(args)
    # a day left running by a process that died: its crawl runs are failed, not "in progress"
    close_dead(config.database_url, day=args.date)
    with session_scope(config.database_url) as session:
        alerts = run_monitor(session, config, args.date)
    for alert in alerts:
        print(inert(f"[{alert.severity}] {alert.kind}: {alert.subject}"))
    print(f"{len(alerts)} alert(s) for {args.date}")
    return 0


def register(cli: Cli) -> None:
    cli.add("monitor", run, "compare a day with history and record alerts", dated=True, db=True)
