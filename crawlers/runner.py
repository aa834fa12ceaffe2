"""Run crawls: in this process (one reactor, once) or in a child process with a time limit.

Twisted's reactor cannot be restarted in one process, so everything that crawls more than once
(the demo, ``shopwatch run``, the scheduler) starts each crawl with ``crawl_in_child``.

No crawl run stays ``running`` after its process ended: when the child ends (whatever its exit
status, a kill included) its runs still running are closed as failed with the reason; a child
whose parent died (a SIGKILLed ``shopwatch run``) closes them itself and stops, so that it never
crawls the day alongside the next run of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
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
    runs_closed: int = 0  # runs the child left running, closed as failed after it ended


def crawl_in_child(config_path: str, day: dt.date, spiders: list[str] | None = None,
                   sites: list[str] | None = None, timeout_s: float = 3600,
                   database_url: str | None = None,
                   on_start: Callable[[subprocess.Popen[str]], object] | None = None,
                   ) -> ChildResult:
    """Crawl in a child process; a crash, a kill, a timeout or an exit that left runs open
    leaves the child's runs still running failed with the reason.

    The child runs in its own session: a Ctrl-C meant for the scheduler does not cut the
    crawl short (the scheduler stops after the step in progress). It holds the read end of a
    pipe whose write end only this process has: when this process dies, the child stops.
    ``on_start`` gets the child (the scheduler keeps it, to kill it on a second Ctrl-C)."""
    spiders = list(spiders or SPIDERS)
    parent_fd, keep_fd = os.pipe()  # both not inherited by other children (close-on-exec)
    command = [sys.executable, "-m", "crawlers.runner", "--config", config_path,
               "--date", day.isoformat(), "--parent-fd", str(parent_fd)]
    for spider in spiders:
        command += ["--spider", spider]
    for site in sites or []:
        command += ["--site", site]
    timed_out = False
    try:
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, start_new_session=True,
                              pass_fds=(parent_fd,)) as child:
            os.close(parent_fd)
            if on_start is not None:
                on_start(child)
            try:
                _out, stderr = child.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                child.kill()
                _out, stderr = child.communicate()
            returncode = None if timed_out else child.returncode
    finally:
        os.close(keep_fd)
    reason = _ended(returncode, timeout_s)
    url = database_url or load_config(config_path).database_url
    with session_scope(url) as session:
        closed = repo.fail_unfinished_runs(session, reason, day, spiders=spiders, sites=sites)
    return ChildResult(returncode, timed_out, (stderr or "")[-4000:], closed)


def _ended(returncode: int | None, timeout_s: float) -> str:
    """Why the runs a crawl child left running are failed."""
    if returncode is None:
        return f"crawl process timed out after {timeout_s:.0f}s and was killed"
    if returncode < 0:
        return f"crawl process died (signal {signal.Signals(-returncode).name})"
    if returncode == 0:
        return "crawl process ended without closing the run"
    return f"crawl process exited with status {returncode}"


ORPHANED = 3  # the child's exit status when it stopped because its parent died


def _stop_with_parent(fd: int, url: str, day: dt.date, spiders: Sequence[str],
                      sites: Sequence[str] | None) -> None:
    """In the child: when the pipe from the parent reads end-of-file (the parent is gone,
    however it died), close this crawl's runs still running and stop at once."""

    def watch() -> None:
        while os.read(fd, 1):
            pass
        try:
            with session_scope(url) as session:
                repo.fail_unfinished_runs(
                    session, "crawl process stopped: the process that started it died", day,
                    spiders=spiders, sites=sites)
        finally:
            os._exit(ORPHANED)

    threading.Thread(target=watch, name="shopwatch-parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.runner")
    parser.add_argument("--config", required=True)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--spider", action="append", choices=SPIDERS)
    parser.add_argument("--site", action="append")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--parent-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    upgrade(config.database_url)
    if args.parent_fd is not None:
        _stop_with_parent(args.parent_fd, config.database_url, args.date,
                          args.spider or SPIDERS, args.site)
    with session_scope(config.database_url) as session:
        repo.close_dead_jobs(session, day=args.date)  # a SIGKILLed run of the day: closed
        config = with_watchlist(config, session)  # imported products are crawled too
    crawl_in_process(config, args.date, args.spider, args.site, args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
