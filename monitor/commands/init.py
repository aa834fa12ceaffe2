"""``shopwatch init``: write a commented example configuration."""

from __future__ import annotations

import argparse
from importlib import resources

from config import find_config_path
from monitor.cliutil import UserError, console
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    path = find_config_path(args.config)
    if path.exists() and not args.force:
        raise UserError(f"{path} exists already (use --force to overwrite)")
    text = resources.files("config").joinpath("example.toml").read_text("utf-8")
    path.write_text(text, "utf-8")
    console.print(f"wrote {path}; edit it, then run `shopwatch check-config`")
    return 0


def register(cli: Cli) -> None:
    p = cli.add("init", run, "write a commented example configuration")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
