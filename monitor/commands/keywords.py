"""``shopwatch keywords build|show|export|...``: the keyword library's commands (they live in
``monitor/keywords_cli.py`` while the keyword work of roadmap step 13 changes them)."""

from __future__ import annotations

from monitor import keywords_cli
from monitor.commands.base import Cli


def register(cli: Cli) -> None:
    keywords_cli.register(cli.sub, cli.common, cli.dated)
