"""``shopwatch crawl``: crawl listings, ranks and suggestions for one day (in a child process)."""

from __future__ import annotations

import argparse

from rich.markup import escape

from config import find_config_path
from monitor.cliutil import EXIT_STEP_FAILED, _config, _step, console, inert, print_runs
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from crawlers.runner import SPIDERS, crawl_in_child

    config = _config(args)
    _step(f"crawling {args.date} ({', '.join(args.spider or SPIDERS)})")
    result = crawl_in_child(str(find_config_path(args.config)), args.date, args.spider,
                            args.site, config.schedule.crawl_timeout_s, config.database_url)
    statuses = print_runs(config, args.date, args.spider, args.site)
    if result.returncode != 0:
        console.print(f"[red]crawl failed[/red]: {escape(inert(result.stderr_tail[-1000:]))}")
        return 1
    # like `run`: 4 when a crawl of this command failed or was blocked (partial is not: one
    # page that failed says nothing about the others)
    return EXIT_STEP_FAILED if {"failed", "blocked"} & set(statuses) else 0


def register(cli: Cli) -> None:
    p = cli.add("crawl", run, "crawl listings and ranks for one day", dated=True, db=True)
    p.add_argument("--spider", action="append", choices=["listings", "ranks", "suggest"])
    p.add_argument("--site", action="append", help="only this site (repeatable)")
