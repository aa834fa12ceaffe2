"""``shopwatch db upgrade``: bring the database to the latest schema (the dispatcher does it
before every command that uses the database; this command only says where it stands)."""

from __future__ import annotations

import argparse

from monitor.cliutil import _config
from monitor.commands.base import Cli


def upgrade(args: argparse.Namespace) -> int:
    from db.session import current_revision

    config = _config(args)
    print(f"database at revision {current_revision(config.database_url)}")
    return 0


def register(cli: Cli) -> None:
    group = cli.group("db", "database schema", dest="db_command")
    group.add("upgrade", upgrade, "apply migrations (idempotent)", db=True)
