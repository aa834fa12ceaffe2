"""The import rules of docs/architecture.md, read from the code with ``ast`` (function-level
imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "db", "crawlers", "keywords", "monitor", "demoshop", "board")
ALLOWED = {
    "config": set(),
    "db": set(),
    "crawlers": {"config", "db"},
    "keywords": {"config", "db"},
    "monitor": {"config", "db", "crawlers", "keywords", "demoshop", "board"},
    "demoshop": set(),
    "board": {"config", "db", "keywords", "monitor", "crawlers"},
}
# The board reads the store: of monitor only what reads history or words an alert, of the
# crawlers only page text; only its own commands import it.
BOARD_MAY_IMPORT = ("monitor.history", "monitor.detect", "monitor.rules",
                    "monitor.notify.explain", "crawlers.pagetext",
                    "crawlers.distributed.fleetview")
BOARD_COMMANDS = ("monitor/commands/serve.py", "monitor/commands/users.py")


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Every absolute module a file imports, at any level of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_what_the_architecture_allows(package: str) -> None:
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for path in _modules(package) for name in _imports(path)
             if name.split(".")[0] in PACKAGES and name.split(".")[0] != package
             and name.split(".")[0] not in ALLOWED[package]}
    assert not wrong, sorted(wrong)


def test_pagetext_stands_alone() -> None:
    """Every command imports crawlers.pagetext cheaply: it reaches nothing else of ours."""
    wrong = {f"{path.name} imports {name}" for path in _modules("crawlers/pagetext")
             for name in _imports(path)
             if name.split(".")[0] in PACKAGES and not name.startswith("crawlers.pagetext")}
    assert not wrong, sorted(wrong)


def test_notify_runs_no_detection() -> None:
    """monitor.notify acts on stored alerts: it never imports the detection or its runner."""
    notify = ROOT / "monitor" / "notify"
    assert notify.is_dir(), "monitor/notify/ is the notifying room (docs/architecture.md)"
    wrong = {f"{path.name} imports {name}" for path in sorted(notify.rglob("*.py"))
             for name in _imports(path)
             if name.startswith(("monitor.detect", "monitor.runner", "monitor.service"))}
    assert not wrong, sorted(wrong)


def test_the_commands_are_imported_by_the_dispatcher_only() -> None:
    """One module per command under monitor/commands/; nothing but the dispatcher
    (monitor/cli.py) and the commands themselves import them, and every command module is
    registered."""
    commands = ROOT / "monitor" / "commands"
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for package in PACKAGES for path in _modules(package)
             for name in _imports(path)
             if name.startswith("monitor.commands") and commands not in path.parents
             and path != ROOT / "monitor" / "cli.py"}
    assert not wrong, sorted(wrong)
    from monitor.cli import COMMANDS

    registered = {module.__name__.rsplit(".", 1)[1] for module in COMMANDS}
    helpers = {"__init__", "base", "pagefile"}  # not commands: the registry, extract's input
    on_disk = {path.stem for path in commands.glob("*.py")} - helpers
    assert registered == on_disk



def test_the_board_reads_and_only_its_commands_import_it() -> None:
    wrong = {f"{path.relative_to(ROOT)} imports {name}" for path in _modules("board")
             for name in _imports(path)
             if name.split(".")[0] in ("monitor", "crawlers")
             and not name.startswith(BOARD_MAY_IMPORT)}
    wrong |= {f"{path.relative_to(ROOT)} imports {name}" for package in PACKAGES
              if package != "board" for path in _modules(package) for name in _imports(path)
              if name.split(".")[0] == "board"
              and str(path.relative_to(ROOT)) not in BOARD_COMMANDS}
    assert not wrong, sorted(wrong)
