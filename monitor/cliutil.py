"""What every command shares: the console, user errors, dates, loading the config."""

from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console

from config import Config, load_config

console = Console(stderr=True, highlight=False)


class UserError(Exception):
    """A mistake in how ShopWatch was called: shown as a message, exit status 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _config(args: argparse.Namespace, upgrade_db: bool = False) -> Config:
    """The validated config; with ``upgrade_db``, its database brought to the latest schema."""
    config = load_config(args.config)
    if upgrade_db:
        from db.session import upgrade

        upgrade(config.database_url)
    return config


def _step(message: str) -> None:
    console.print(f"[dim]{dt.datetime.now():%H:%M:%S}[/dim] {message}")


# -- commands ------------------------------------------------------------------------------
