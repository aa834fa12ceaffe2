"""Run crawls: in this process (one reactor, once) or in a child process with a time limit.

Twisted's reactor cannot be restarted in one process, so everything that crawls more than once
(the demo, ``shopwatch run``, the scheduler) starts each crawl with ``crawl_in_child``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from config import Config, load_config
from crawlers.settings import build_settings
from crawlers.watch import with_watchlist
from db import repo
from db.session import session_scope, upgrade

SPIDERS = ("listings", "ranks", "suggest")


def crawl_in_process(config: Config, day: dt.date, spiders: list[str] | None = None,
                     sites: list[str] | None = None, log_level: str = "WARNING") -> None:
    """Run the spiders together in this process's (new) reactor; returns when all finish."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(build_settings(config, day, sites, log_level))
    for spider in spiders or SPIDERS:
        process.crawl(spider)
    process.start()


@dataclass
class ChildResult:
    returncode: int | None
    timed_out: bool
    stderr_tail: str


def crawl_in_child(config_path: str, day: dt.date, spiders: list[str] | None = None,
                   sites: list[str] | None = None, timeout_s: float = 3600,
                   database_url: str | None = None,
                   on_start: Callable[[subprocess.Popen[str]], object] | None = None,
                   ) -> ChildResult:
    """Crawl in a child process; a crash, a kill or a timeout leaves the day's running runs
    failed with the reason.

    The child runs in its own session: a Ctrl-C meant for the scheduler does not cut the
    crawl short (the scheduler stops after the step in progress). ``on_start`` gets the child
    (the scheduler keeps it, to kill it on a second Ctrl-C)."""
    command = [sys.executable, "-m", "crawlers.runner", "--config", config_path,
               "--date", day.isoformat()]
    for spider in spiders or SPIDERS:
        command += ["--spider", spider]
    for site in sites or []:
        command += ["--site", site]
    timed_out = False
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as child:
        if on_start is not None:
            on_start(child)
        try:
            _out, stderr = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            child.kill()
            _out, stderr = child.communicate()
        returncode = None if timed_out else child.returncode
    if timed_out or returncode != 0:
        if timed_out:
            reason = f"crawl process timed out after {timeout_s:.0f}s and was killed"
        elif returncode is not None and returncode < 0:
            reason = f"crawl process killed by signal {signal.Signals(-returncode).name}"
        else:
            reason = f"crawl process exited with status {returncode}"
        url = database_url or load_config(config_path).database_url
        with session_scope(url) as session:
            repo.fail_unfinished_runs(session, reason, day)
    return ChildResult(returncode, timed_out, (stderr or "")[-4000:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.runner")
    parser.add_argument("--config", required=True)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--spider", action="append", choices=SPIDERS)
    parser.add_argument("--site", action="append")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    upgrade(config.database_url)
    with session_scope(config.database_url) as session:
        config = with_watchlist(config, session)  # imported products are crawled too
    crawl_in_process(config, args.date, args.spider, args.site, args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
