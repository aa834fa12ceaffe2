"""Crawl benchmark on the demo shop: ShopWatch's pipeline against a bare Scrapy spider.

    python bench/crawl/run.py [--size 3000] [--repeat 2] [--browser-pages 120]

Starts the demo shop (7 x ``size`` products) in its own process, then crawls every shop's
listings and product pages, alternating ``bare`` and ``pipeline`` runs; then renders
``--browser-pages`` product pages through Playwright at concurrency 1, 4 and 8. Prints a
table and writes bench/crawl/results.json. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHOPS = ("zhixiang", "dreame", "roborock", "ecovacs", "xiaomi", "narwal", "dyson", "midea",
         "philips", "deli", "tmallgenie")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_shop(size: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    shop = subprocess.Popen([sys.executable, "-m", "monitor.cli", "demo-shop", "--port",
                             str(port), "--size", str(size)], cwd=ROOT,
                            stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/item/100001.html", timeout=30).read()
            return shop, url
        except OSError:
            time.sleep(0.2)
    shop.kill()
    raise RuntimeError("demo shop did not start")


def write_config(directory: Path, url: str, concurrency: int, browser_ids: list[str]) -> Path:
    listings = json.dumps([f"/shop/{key}" for key in SHOPS]) if not browser_ids else "[]"
    products = "".join(f'[[products]]\nsite = "bench"\nid = "{i}"\n' for i in browser_ids)
    render = '[sites.product]\nrender = "browser"\nwait_for = "h1.title"\n' if browser_ids else ""
    path = directory / f"bench-{len(browser_ids)}-{concurrency}.toml"
    db = directory / f"bench-{time.monotonic_ns()}.db"
    path.write_text(f"""database_url = "sqlite:///{db}"
[[sites]]
name = "bench"
base_url = "{url}"
listing_paths = {listings}
download_delay = 0.0
autothrottle = false
concurrency = {concurrency}
{render}
{products}""", "utf-8")
    return path


def crawl(config: Path, mode: str, concurrency: int, directory: Path) -> dict[str, object]:
    out = directory / f"result-{time.monotonic_ns()}.json"
    subprocess.run([sys.executable, str(HERE / "child.py"), "--config", str(config),
                    "--mode", mode, "--concurrency", str(concurrency), "--out", str(out)],
                   cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    result: dict[str, object] = json.loads(out.read_text("utf-8"))
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=3000, help="products per category")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--browser-pages", type=int, default=120)
    args = parser.parse_args()
    shop, url = start_shop(args.size)
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "products": 7 * args.size,
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            config = write_config(directory, url, args.concurrency, [])
            runs: dict[str, list[dict[str, object]]] = {"bare": [], "pipeline": []}
            for _ in range(args.repeat):
                for mode in ("bare", "pipeline"):
                    fresh = write_config(directory, url, args.concurrency, [])
                    runs[mode].append(crawl(fresh, mode, args.concurrency, directory))
            rate = {mode: statistics.median(float(str(r["pages_per_s"])) for r in rs)
                    for mode, rs in runs.items()}
            results["crawl"] = runs
            results["crawl_ratio"] = round(rate["pipeline"] / rate["bare"], 2)
            cpu = {mode: statistics.median(float(str(r["crawler_cpu_ms_per_page"])) for r in rs)
                   for mode, rs in runs.items()}
            results["cpu_ratio"] = round(cpu["bare"] / cpu["pipeline"], 2)
            ids = [str(100001 + i * 7) for i in range(args.browser_pages)]
            browser = []
            for concurrency in (1, 4, 8):
                config = write_config(directory, url, concurrency, ids)
                browser.append(crawl(config, "pipeline", concurrency, directory))
            results["browser"] = browser
    finally:
        shop.terminate()
        shop.wait()
    (HERE / "results.json").write_text(json.dumps(results, indent=2), "utf-8")
    print(f"\nmachine: {results['machine']}")
    for mode, rs in runs.items():
        print(f"{mode:9s} pages/s (median of {len(rs)}): {rate[mode]:.1f}; "
              f"peak RSS {max(float(str(r['peak_rss_mb'])) for r in rs):.0f} MB")
    print(f"crawl ratio (pipeline / bare): {results['crawl_ratio']:.2f}")
    print(f"crawler CPU per page, bare / pipeline: {results['cpu_ratio']:.2f}")
    for r in browser:
        print(f"browser concurrency {r['concurrency']}: {r['pages_per_s']} pages/s")


if __name__ == "__main__":
    main()
