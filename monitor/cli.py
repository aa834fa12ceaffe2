"""The ``shopwatch`` command line: the dispatcher.

It builds the parser from the command modules (``monitor/commands/``, one per command), then
prepares what the chosen command declared: the service log (``run``, ``schedule``) and the
database brought to the latest schema (every command that reads or writes it), once, before
the command runs; no command migrates by itself. User errors and database errors print one
clear line and exit 2, no traceback (a database error's traceback goes to the log).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence

from rich.markup import escape

from config import Config, ConfigError, find_config_path
from monitor.cliutil import (
    EXIT_USER_ERROR,
    UserError,
    _config,
    _date,
    console,
    db_error_line,
    inert,
)
from monitor.commands import (
    alerts,
    check_config,
    crawl,
    db,
    demo,
    demo_shop,
    extract,
    init,
    keywords,
    login,
    monitor,
    notify,
    products,
    report,
    run,
    schedule,
    serve,
    users,
    worker,
    workers,
)
from monitor.commands.base import Cli

# In the order ``shopwatch --help`` lists them.
COMMANDS = (init, check_config, db, crawl, monitor, notify, keywords, alerts, report, products,
            run, schedule, worker, workers, serve, users, demo, extract, login, demo_shop)
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="configuration file (default: $SHOPWATCH_CONFIG or ./shopwatch.toml)")
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--date", type=_date, default=dt.date.today(), metavar="YYYY-MM-DD",
                       help="the day to stamp or read observations with (default: today)")
    parser = argparse.ArgumentParser(
        prog="shopwatch", parents=[common],
        description="Competitor and keyword monitoring for e-commerce operators.")
    cli = Cli(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"), common,
              dated)
    for command in COMMANDS:
        command.register(cli)
    return parser


class _DatabaseUnusable(Exception):
    """The database could not be opened for a reason outside SQLAlchemy (an ``OSError``)."""


def _prepare(args: argparse.Namespace) -> None:
    """What the command declared: the service log next to the config (``args.logfile``), then
    its database at the latest schema. The only place the CLI migrates."""
    if getattr(args, "service_log", None):
        from monitor.service.scheduler import log_to_file

        args.logfile = log_to_file(_config(args), str(find_config_path(args.config)),
                                   console=args.service_log == "console")
    if getattr(args, "needs_db", False):
        from db.session import upgrade

        try:
            upgrade(_config(args).database_url)
        except (OSError, ImportError) as exc:  # a SQLite folder that cannot be made, a
            raise _DatabaseUnusable(exc) from exc  # database driver that is not installed


def _database_error(args: argparse.Namespace, exc: Exception) -> int:
    config: Config | None = getattr(args, "loaded_config", None)
    cause = exc.__cause__ if isinstance(exc, _DatabaseUnusable) and exc.__cause__ else exc
    # With a service log (run, schedule) the traceback goes to its file; otherwise only to a
    # debug log someone set up: stderr keeps one line.
    level = logging.ERROR if logging.getLogger().handlers else logging.DEBUG
    log.log(level, "database error", exc_info=cause)
    line = db_error_line(cause, config.database_url if config else None)
    console.print(f"[red]error:[/red] {escape(inert(line))}", markup=True, soft_wrap=True)
    return EXIT_USER_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "config"):
        args.config = None
    try:
        _prepare(args)
        code: int = args.func(args)
        return code
    except (ConfigError, UserError) as exc:
        # a config error may list several fields, a line each; what a line quotes is inert
        message = "\n".join(inert(line) for line in str(exc).split("\n"))
        console.print(f"[red]error:[/red] {escape(message)}", markup=True, soft_wrap=True)
        return EXIT_USER_ERROR
    except (SQLAlchemyError, _DatabaseUnusable) as exc:
        return _database_error(args, exc)
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130
    except BrokenPipeError:
        # the reader of the output went away (`shopwatch alerts --json | head`): not an
        # error; stdout is pointed at /dev/null so Python's exit flush stays quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
