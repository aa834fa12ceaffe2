"""``shopwatch run``: the whole daily job once (crawl, monitor, notify, keywords), under the
day's lock; exit statuses for cron: 3 the digest is not sent (queued), 4 a step failed."""

from __future__ import annotations

import argparse

from rich.markup import escape

from config import find_config_path
from monitor.cliutil import (
    EXIT_MAIL_QUEUED,
    EXIT_STEP_FAILED,
    UserError,
    _config,
    _step,
    console,
    inert,
    print_runs,
)
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from monitor.service.daylock import DayBusy
    from monitor.service.job import Interrupted
    from monitor.service.scheduler import run_locked

    config = _config(args)
    path = str(find_config_path(args.config))
    try:
        result = run_locked(path, config, args.date, rerun_done=True, step=_step)
    except DayBusy as busy:
        raise UserError(str(busy)) from None
    except Interrupted as stop:
        console.print(f"interrupted: {stop}")
        return 130
    assert result is not None  # rerun_done: a day done already runs again
    print_runs(config, args.date)
    print(f"{len(result.alerts)} alert(s)")
    for written in result.files.values():
        print(f"wrote {written}")
    # 3 first: the digest would have told of the crawl
    if result.crawl_error:
        last = (result.crawl_error.strip().splitlines() or ["crawl process failed"])[-1]
        console.print(f"[red]crawl step failed[/red]: {escape(inert(last))}", markup=True,
                      soft_wrap=True)
    if result.mail_error:
        console.print(f"[red]e-mail not sent[/red]: {escape(inert(result.mail_error))} "
                      "(queued for the next run or notify)", markup=True, soft_wrap=True)
        return EXIT_MAIL_QUEUED
    return EXIT_STEP_FAILED if result.crawl_error else 0


def register(cli: Cli) -> None:
    cli.add("run", run, "run the whole daily job once", dated=True, db=True, service_log="file")
