"""`shopwatch --help` and each command's help: the options it promises, every command listed."""

from __future__ import annotations

import argparse

import pytest

from monitor.cli import build_parser, main

# What each command's help promises: its usage line, every option with its argument
# (whitespace as on one line). A changed option breaks this on purpose: update the README too.
USAGE = {
    "init": "[--force]",
    "check-config": "",
    "db upgrade": "",
    "crawl": "[--date YYYY-MM-DD] [--spider {listings,ranks,suggest}] [--site SITE]",
    "monitor": "[--date YYYY-MM-DD]",
    "notify": "[--date YYYY-MM-DD] [--dry-run DIR]",
    "keywords build": "[--date YYYY-MM-DD] [--workers N]",
    "keywords show": "[--group GROUP] [--hot | --new | --fading] [--date DATE] "
                     "[--limit LIMIT] [--json]",
    "keywords export": "[--group GROUP] [--format {csv,xlsx}] --out PATH [--date DATE]",
    "alerts": "[--since YYYY-MM-DD] [--json]",
    "report": "--date YYYY-MM-DD --out FILE.html",
    "products import": "[--dry-run] FILE.csv|FILE.xlsx",
    "products list": "[--json]",
    "run": "[--date YYYY-MM-DD]",
    "schedule": "",
    "demo": "[--out DIR]",
    "extract": "[--url ORIGINAL_URL] [--json] [--site NAME] "
               "[--page {search,listing,product,suggest}] [--timeout SECONDS] [--max-size MB] "
               "PATH_OR_URL",
    "login": "--storage-state FILE SITE",
    "demo-shop": "[--host HOST] [--port PORT] [--day DAY] [--seed SEED] [--size SIZE] "
                 "[--slow RATE] [--error RATE] [--captcha RATE]",
}


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", USAGE)
def test_a_commands_help_shows_its_options(command: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(command.split(), capsys)
    usage = " ".join(out.partition("\n\n")[0].split())
    assert usage == " ".join(f"usage: shopwatch {command} [-h] [--config PATH] "
                             f"{USAGE[command]}".split())


def test_the_help_lists_every_command_with_what_it_does(
        capsys: pytest.CaptureFixture[str]) -> None:
    """From the parser: each command (and each subcommand in its group's help) is listed
    with its one-line help."""
    def check(argv: list[str], parser: argparse.ArgumentParser) -> None:
        out = " ".join(_help(argv, capsys).split())
        (group,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for listed in group._choices_actions:
            assert f"{listed.dest} {' '.join(str(listed.help).split())}" in out, argv
            sub = group.choices[listed.dest]
            if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                check([*argv, listed.dest], sub)

    check([], build_parser())
