"""``shopwatch worker``: a crawl worker of a fleet on shared Redis queues (the config's
[distributed] section, or ``$SHOPWATCH_REDIS_URL``); it crawls what ``shopwatch run`` or the
scheduler seeded, on any machine with the same config and database."""

from __future__ import annotations

import argparse
import signal

from config import find_config_path
from monitor.cliutil import UserError, _config, console
from monitor.commands.base import Cli


def _sites(text: str) -> list[str]:
    sites = [s.strip() for s in text.split(",") if s.strip()]
    if not sites:
        raise argparse.ArgumentTypeError("--sites needs at least one site name")
    return sites


def run(args: argparse.Namespace) -> int:
    import redis

    from crawlers.distributed.worker import Worker

    _config(args)  # a config error is reported before anything starts
    try:
        worker = Worker(str(find_config_path(args.config)), args.sites, args.once,
                        args.log_level)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    signal.signal(signal.SIGTERM, worker.request_stop)
    signal.signal(signal.SIGINT, worker.request_stop)
    try:
        worker.server.ping()
    except redis.RedisError as exc:
        raise UserError(f"Redis at {worker.settings.redis_url} cannot be reached: {exc} "
                        "(check [distributed] redis_url or $SHOPWATCH_REDIS_URL)") from None
    mode = "until the queues are drained" if worker.stop_when_drained else "until stopped"
    console.print(f"worker {worker.id} ({', '.join(args.sites or ['all sites'])}) on "
                  f"{worker.settings.redis_url}, {mode}")
    return worker.run()


def register(cli: Cli) -> None:
    p = cli.add("worker", run, "crawl the day's work from the shared Redis queues "
                "(many machines)")
    p.add_argument("--sites", type=_sites, metavar="A,B",
                   help="only these sites (comma-separated), e.g. the browser sites")
    p.add_argument("--once", action="store_true",
                   help="stop when the queues are drained (as idle = \"stop\")")
    p.add_argument("--log-level", default="WARNING",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"])
