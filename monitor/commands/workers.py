"""``shopwatch workers``: the live crawl workers (their heartbeats in Redis) and the work
queued for them."""

from __future__ import annotations

import argparse
import json

from monitor.cliutil import UserError, _config, inert
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    import redis

    from crawlers.distributed.fleetview import fleet_status

    config = _config(args)
    try:
        status = fleet_status(config)
    except redis.RedisError as exc:
        raise UserError(f"Redis cannot be reached: {exc} (check [distributed] redis_url or "
                        "$SHOPWATCH_REDIS_URL)") from None
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    day = status["day"]
    if day:
        queued = ", ".join(f"{k} {v}" for k, v in status["queued"].items())
        print(f"day {day}: {status['outstanding']} request(s) not done ({queued} queued)")
    else:
        print("no day is being crawled")
    if not status["workers"]:
        print("no live workers")
    for w in status["workers"]:
        line = (f"  {w['id']}: {w['state']}, sites {w['sites']}, {w['pages']} pages, "
                f"seen {w['seen_at']} UTC")
        if w.get("last_error"):
            line += f", last error: {w['last_error']}"
        print(inert(line))
    return 0


def register(cli: Cli) -> None:
    p = cli.add("workers", run, "list the live crawl workers and the queued work")
    p.add_argument("--json", action="store_true", help="as JSON")
