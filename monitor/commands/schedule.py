"""``shopwatch schedule``: the long-running service that runs the daily job every day."""

from __future__ import annotations

import argparse

from config import find_config_path
from monitor.cliutil import _config, console
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from monitor.service.scheduler import serve

    config = _config(args)
    path = str(find_config_path(args.config))
    schedule = config.schedule
    console.print(f"ShopWatch scheduler: the daily run at {schedule.time} {schedule.timezone}, "
                  f"the keyword rebuild on {schedule.weekly_day} at {schedule.weekly_time}; "
                  f"logs in {args.logfile}; Ctrl-C or SIGTERM stops it after the step in progress")
    return serve(path, config)


def register(cli: Cli) -> None:
    cli.add("schedule", run, "run the daily job every day (a long-running service)", db=True,
            service_log="console")
