"""``shopwatch demo`` built once for the whole test run and shared by every xdist worker (the
build takes a minute or more: three test modules used to make their own), and copies of it for
tests that change its database."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[2]
STDOUT = "demo-stdout.txt"  # what `shopwatch demo` printed, kept beside its output


def shared_demo(base: Path) -> Path:
    """The output folder of one ``shopwatch demo`` run under ``base`` (the run's temporary
    root, the same for every worker), built by the first worker that asks, under a lock.
    Read it, never change it: copy it with ``copy_demo``."""
    out = base / "shared-demo"
    with FileLock(str(base / "shared-demo.lock")):
        if not (out / STDOUT).is_file():
            shutil.rmtree(out, ignore_errors=True)  # a build that failed half-way
            done = subprocess.run([sys.executable, "-m", "monitor.cli", "demo", "--out",
                                   str(out)], cwd=ROOT, capture_output=True, text=True,
                                  timeout=600, check=False)
            assert done.returncode == 0, done.stderr[-3000:]
            (out / STDOUT).write_text(done.stdout, "utf-8")
    return out


def copy_demo(source: Path, target: Path) -> Path:
    """A copy of a demo output folder whose config points at the copy; its config's path."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    config = target / "shopwatch.toml"
    text = config.read_text("utf-8").replace(str(source.resolve()), str(target.resolve()))
    config.write_text(text, "utf-8")
    return config
