"""``shopwatch demo``: the daily job on the bundled demo shop, day 1 and day 2."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from monitor.cliutil import _step
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    summary = run_demo(Path(args.out), _step)
    counts = summary["counts"]
    print(f"\nShopWatch demo: days {' and '.join(summary['days'])}")
    print(f"  {counts['products']} products, {counts['snapshots']} snapshots, "
          f"{counts['rank_observations']} rank observations, {counts['crawl_runs']} crawl runs")
    for crawl in summary["crawl_runs"]:
        print(f"  crawl {crawl['date']} {crawl['site']}/{crawl['spider']}: {crawl['status']}, "
              f"{crawl['items']} items")
    print(f"  {counts['alerts']} alerts: "
          + ", ".join(f"{n} {k}" for k, n in counts["alerts_by_kind"].items()))
    for alert in summary["alerts"][:15]:
        print(f"    [{alert['severity']}] {alert['kind']} on {alert['site']}: {alert['subject']} "
              f"({alert['before'] or '-'} -> {alert['after'] or '-'})")
    if len(summary["alerts"]) > 15:
        print(f"    ... and {len(summary['alerts']) - 15} more in summary.json")
    print("  files:")
    for path in summary["files"].values():
        print(f"    {path}")
    config = Path(args.out) / "shopwatch.toml"
    print("\nOpen the board of these two days (http://127.0.0.1:8000/):")
    print(f"    shopwatch serve --config {shlex.quote(str(config))}")
    return 0


def register(cli: Cli) -> None:
    p = cli.add("demo", run, "run the daily job on the bundled demo shop (day 1 and day 2)")
    p.add_argument("--out", default="demo-out", metavar="DIR", help="output folder")
