"""What a command module registers with: ``Cli.add`` for a command, ``Cli.group`` for a
command with sub-commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Command = Callable[[argparse.Namespace], int]


@dataclass
class Cli:
    """Where a command module registers: the sub-parsers and the shared options (``common``:
    ``--config``; ``dated``: ``--date``, default today)."""

    sub: Any  # argparse's _SubParsersAction, private in typeshed
    common: argparse.ArgumentParser
    dated: argparse.ArgumentParser

    def add(self, name: str, func: Command, help_text: str, *, dated: bool = False,
            db: bool = False, service_log: str | None = None, description: str | None = None,
            parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
        """A command; ``db``: it reads or writes the database (migrated before it runs);
        ``service_log``: "file" or "console" (the service's log; see ``monitor.cli``)."""
        shared = [self.common, *([self.dated] if dated else []), *parents]
        parser: argparse.ArgumentParser = self.sub.add_parser(
            name, parents=shared, help=help_text, description=description or help_text)
        parser.set_defaults(func=func, needs_db=db, service_log=service_log)
        return parser

    def group(self, name: str, help_text: str, dest: str) -> Cli:
        """A command with sub-commands (``shopwatch keywords build``); ``dest`` names the
        attribute the chosen sub-command is stored in."""
        parser = self.sub.add_parser(name, help=help_text, description=help_text)
        actions = parser.add_subparsers(dest=dest, required=True, metavar="COMMAND")
        return Cli(actions, self.common, self.dated)
