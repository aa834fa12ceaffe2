"""Run crawls: in this process (one reactor, once) or in a child process with a time limit.

Twisted's reactor cannot be restarted in one process, so everything that crawls more than once
(the demo, ``shopwatch run``, the scheduler) starts each crawl with ``crawl_in_child``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from dataclasses import dataclass

from config import Config, load_config
from crawlers.settings import build_settings
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
                   database_url: str | None = None) -> ChildResult:
    """Crawl in a child process; a crash or timeout leaves the day's running runs failed."""
    command = [sys.executable, "-m", "crawlers.runner", "--config", config_path,
               "--date", day.isoformat()]
    for spider in spiders or SPIDERS:
        command += ["--spider", spider]
    for site in sites or []:
        command += ["--site", site]
    timed_out = False
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
        returncode: int | None = done.returncode
        stderr = done.stderr
    except subprocess.TimeoutExpired as exc:
        timed_out, returncode = True, None
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    if timed_out or returncode != 0:
        reason = (f"crawl process timed out after {timeout_s:.0f}s" if timed_out
                  else f"crawl process exited with status {returncode}")
        url = database_url or load_config(config_path).database_url
        with session_scope(url) as session:
            repo.fail_unfinished_runs(session, reason, day)
    return ChildResult(returncode, timed_out, stderr[-4000:])


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
    crawl_in_process(config, args.date, args.spider, args.site, args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
