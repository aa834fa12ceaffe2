"""Board benchmark: every board page under 10 concurrent clients, over the monitor benchmark's year.

    .venv/bin/python bench/board/run.py [--db sqlite|postgresql|both] [--products 10000]
                                        [--keywords 500] [--days 365] [--clients 10]
                                        [--rounds 5] [--reuse]

Loads the history bench/monitor/run.py generates (seed 2026: one site, 10,000 products, 500
keywords, 365 days: 3.65 million snapshots and 3.65 million rank observations), records the
alerts of its last 7 days (``monitor.runner.run_monitor``) and builds the keyword library of
the last week, then serves the board (``shopwatch serve``, one process, as an operator runs it)
and has ``--clients`` threads request every page ``--rounds`` times each, in a shuffled order.
Reported per page: median and p95 of the time from request to the last byte (on 127.0.0.1, so
server time plus well under a millisecond of transport), and the requests per second of the
whole run. Goal (issue 18): p95 under 300 ms for every page on a 2-core machine.

Figures go to bench/README.md; results to bench/board/results-<db>-<N>p.json (N: --server-workers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import tomli_w

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from db.session import session_scope, upgrade  # noqa: E402

_spec = importlib.util.spec_from_file_location("monitor_bench", ROOT / "bench/monitor/run.py")
assert _spec is not None and _spec.loader is not None
monitor_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(monitor_bench)
LAST: dt.date = monitor_bench.LAST
ALERT_DAYS = 7


def prepare(url: str, products: int, keywords: int, days: int, reuse: bool) -> dict[str, Any]:
    """The year of history, the last week's alerts and keyword library."""
    from keywords.library import build_library
    from monitor.runner import run_monitor

    upgrade(url)
    generated = {} if reuse else monitor_bench.generate(url, products, keywords, days)
    config = monitor_bench.bench_config(url)
    start = time.perf_counter()
    alerts = 0
    if not reuse:
        for back in range(ALERT_DAYS - 1, -1, -1):
            with session_scope(url) as session:
                alerts += len(run_monitor(session, config, LAST - dt.timedelta(days=back)))
        with session_scope(url) as session:
            build_library(session, config, LAST)
    return {**generated, "alerts": alerts,
            "monitor_and_library_s": round(time.perf_counter() - start, 1)}


def pages(url: str) -> dict[str, str]:
    """Every kind of board page, named, with a path on the benchmark's data."""
    from sqlalchemy import func, select

    from db.models import Alert, CrawlRun

    with session_scope(url) as session:
        alert_id = session.scalar(select(func.min(Alert.id)).where(Alert.day == LAST))
        run_id = session.scalar(select(func.max(CrawlRun.id)))
    day = LAST.isoformat()
    found = {
        "overview": f"/?date={day}",
        "ranks": f"/ranks?date={day}",
        "rank history 30 d": f"/ranks/{quote('keyword 1')}?date={day}&days=30",
        "rank history 365 d": f"/ranks/{quote('keyword 1')}?date={day}&days=365",
        "competitors": f"/products?date={day}",
        "product 90 d": f"/products/bench/p101?date={day}&days=90",
        "product 365 d": f"/products/bench/p101?date={day}&days=365",
        "alerts": f"/alerts?date={day}",
        "keywords": f"/keywords?date={day}",
        "runs": f"/runs?date={day}",
    }
    if alert_id is not None:
        found["alert"] = f"/alerts/{alert_id}"
    if run_id is not None:
        found["runs of a day"] = f"/runs?date={day}&run={run_id}"
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(url: str, folder: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    """``shopwatch serve`` over the benchmark database, as an operator starts it."""
    config = folder / "shopwatch.toml"
    data = {"database_url": url, "language": "zh-CN",
            "sites": [{"name": "bench", "base_url": "http://x"}],
            "products": [{"site": "bench", "id": f"p{monitor_bench.OWN + i}",
                          "compare_to": f"p{i}"} for i in range(1, monitor_bench.MAPPED + 1)]}
    config.write_text(tomli_w.dumps(data), "utf-8")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "monitor.cli", "serve", "--config",
                               str(config), "--port", str(port), "--workers", str(workers)],
                              cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/static/board.css", timeout=2):
                return server, base
        except (OSError, urllib.error.URLError):
            if server.poll() is not None:
                raise SystemExit(f"shopwatch serve ended: {server.stderr.read().decode()}"
                                 if server.stderr else "shopwatch serve ended") from None
            time.sleep(0.2)
    server.kill()
    raise SystemExit("shopwatch serve did not answer within 60 s")


def _get(base: str, path: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(base + path, timeout=120) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
    return time.perf_counter() - start


def load(base: str, paths: dict[str, str], clients: int, rounds: int) -> dict[str, Any]:
    """``clients`` threads, each requesting every page ``rounds`` times in its own order."""
    # warm up: first queries, templates, the board's kept reads (board/cache.py); the first
    # request of each page is what an operator waits for after a crawl (with --workers N,
    # the other processes meet their own first requests during the run)
    first = {name: round(_get(base, path) * 1000, 1) for name, path in paths.items()}
    times: dict[str, list[float]] = {name: [] for name in paths}
    lock = threading.Lock()
    errors: list[str] = []

    def client(seed: int) -> None:
        order = [name for name in paths for _ in range(rounds)]
        random.Random(seed).shuffle(order)
        for name in order:
            try:
                took = _get(base, paths[name])
            except (OSError, urllib.error.URLError, SystemExit) as exc:
                errors.append(f"{name}: {exc}")
                continue
            with lock:
                times[name].append(took)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    per_page = {name: {"median_ms": round(statistics.median(t) * 1000, 1),
                       "p95_ms": round(statistics.quantiles(t, n=20)[-1] * 1000, 1),
                       "first_ms": first[name], "requests": len(t)}
                for name, t in times.items() if len(t) >= 2}
    return {"clients": clients, "rounds": rounds, "pages": per_page,
            "requests_per_s": round(sum(len(t) for t in times.values()) / wall, 1),
            "errors": errors[:10]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--keywords", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server-workers", type=int, default=1,
                        help="shopwatch serve --workers (server processes)")
    parser.add_argument("--name", help="results file suffix (default: <N>p)")
    parser.add_argument("--sqlite-path", default="/tmp/shopwatch-bench-board.db")
    parser.add_argument("--reuse", action="store_true",
                        help="serve the database a previous run prepared")
    args = parser.parse_args()
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        if db == "sqlite":
            path = Path(args.sqlite_path)
            if not args.reuse:
                path.unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = monitor_bench._pg_schema(fresh=not args.reuse)
        result: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}", "database": db,
            "server_workers": args.server_workers,
            "prepared": prepare(url, args.products, args.keywords, args.days, args.reuse)}
        print(db, "prepared", result["prepared"], flush=True)
        with tempfile.TemporaryDirectory() as folder:
            server, base = serve(url, Path(folder), args.server_workers)
            try:
                result["load"] = load(base, pages(url), args.clients, args.rounds)
            finally:
                server.terminate()
                server.wait(10)
        for name, figures in result["load"]["pages"].items():
            print(f"{db:10s} {name:20s} first {figures['first_ms']:7.1f} ms   "
                  f"median {figures['median_ms']:7.1f} ms   p95 {figures['p95_ms']:7.1f} ms",
                  flush=True)
        print(db, "requests/s", result["load"]["requests_per_s"], "errors",
              result["load"]["errors"], flush=True)
        suffix = args.name or f"{args.server_workers}p"
        out = ROOT / "bench" / "board" / f"results-{db}-{suffix}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
