"""Saved real pages (../shared/realpages) and the site configs documented in docs/sites.md."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS_SITES = ROOT / "docs" / "sites.md"


def _realpages_root() -> Path:
    """$SHOPWATCH_REALPAGES, else ../shared/realpages beside the checkout."""
    if os.environ.get("SHOPWATCH_REALPAGES"):
        return Path(os.environ["SHOPWATCH_REALPAGES"])
    return ROOT.parent / "shared" / "realpages"


REALPAGES = _realpages_root()


def realpages(folder: str) -> Path:
    """A folder of ../shared/realpages, or skip the test with a clear message."""
    path = REALPAGES / folder
    if not path.exists():
        pytest.skip(f"saved real pages not found at {path} (../shared/realpages is absent)")
    return path


def documented_site(name: str) -> str:
    """The TOML block of docs/sites.md marked ``# site: NAME`` (the docs are the config)."""
    for block in re.findall(r"```toml\n(.*?)```", DOCS_SITES.read_text("utf-8"), re.S):
        if block.startswith(f"# site: {name}\n"):
            return str(block)
    raise LookupError(f"no TOML block for site {name!r} in {DOCS_SITES}")
