"""``shopwatch notify``: queue the day's digests and send every queued message now."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from monitor.cliutil import _config, console, inert
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from monitor.notify.chat import CHAT_PREFIX
    from monitor.notify.send import notify
    from monitor.runner import visibility_of_day

    config = _config(args)
    dry_dir = Path(args.dry_run) if args.dry_run else None
    # a person's notify means now: every queued message goes, whatever its back-off
    result = notify(config, args.date, visibility_of_day(config, args.date), dry_dir,
                    dry_run=dry_dir is not None, paced=False)
    for path in result.files.values():
        print(f"wrote {path}")
    delivery = result.delivery
    if delivery is None:
        return 0
    queued = f"{result.queued} digest(s)" + (
        f" and {result.chat_queued} chat message(s)" if result.chat_queued else "")
    print(inert(f"{queued} queued for {args.date}; sent: {', '.join(delivery.sent) or 'none'}"))
    if delivery.busy:
        print(f"{delivery.busy} message(s) being sent by another process right now")
    if delivery.error:
        # recipients are addresses or ``chat:NAME``; the error names the channel that failed
        what = "message not sent" if any(r.startswith(CHAT_PREFIX) for r in delivery.failed) \
            else "e-mail not sent"
        console.print(f"[red]{what}[/red]: {escape(inert(delivery.error))}; "
                      f"{len(delivery.failed) + delivery.waiting} message(s) stay queued and "
                      "go with the next run or notify", markup=True, soft_wrap=True)
        return 1  # README: notify's exit statuses
    return 0


def register(cli: Cli) -> None:
    p = cli.add("notify", run, "send the day's digest e-mail", dated=True, db=True)
    p.add_argument("--dry-run", metavar="DIR", help="write the digest as .eml into DIR instead")
