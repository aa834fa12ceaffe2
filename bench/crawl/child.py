"""One measured crawl in its own process (Twisted's reactor runs once per process).

Modes: ``pipeline`` (ShopWatch's listings spider with validation and the batched database
pipeline), ``bare`` (the same spider and parsers, items discarded: no pipeline).
Writes a JSON line with pages, items, seconds, peak RSS and RSS samples over the crawl.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import threading
import time
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from config import load_config
from crawlers.settings import build_settings
from db.session import upgrade


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--mode", choices=["pipeline", "bare"], required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    config = load_config(args.config)
    upgrade(config.database_url)
    settings = build_settings(config, dt.date(2026, 11, 24), log_level="ERROR")
    settings.set("CONCURRENT_REQUESTS", args.concurrency, priority="cmdline")
    settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", args.concurrency, priority="cmdline")
    if args.mode == "bare":
        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("listings")
    marks: dict[str, float] = {}
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            samples.append((time.perf_counter(), rss_mb()))

    def opened() -> None:
        marks.setdefault("start", time.perf_counter())

    def idle() -> None:
        marks["end"] = time.perf_counter()  # the last idle is the end of the crawl

    crawler.signals.connect(opened, signals.spider_opened)  # kept alive: signals are weak refs
    crawler.signals.connect(idle, signals.spider_idle)
    threading.Thread(target=sample, daemon=True).start()
    process.crawl(crawler)
    process.start()
    done.set()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    seconds = marks.get("end", time.perf_counter()) - marks["start"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = usage.ru_utime + usage.ru_stime
    during = [mb for t, mb in samples if marks["start"] <= t <= marks.get("end", t)]
    quarter = max(1, len(during) // 4)
    result = {
        "mode": args.mode, "concurrency": args.concurrency,
        "pages": stats.get("response_received_count", 0),
        "items": stats.get("item_scraped_count", 0),
        "seconds": round(seconds, 3),
        "pages_per_s": round(stats.get("response_received_count", 0) / seconds, 1),
        "crawler_cpu_s": round(cpu_s, 2),
        "crawler_cpu_ms_per_page": round(1000 * cpu_s / max(1, stats.get(
            "response_received_count", 0)), 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "rss_mb_first_quarter": round(max(during[:quarter] or [0]), 1),
        "rss_mb_last_quarter": round(max(during[-quarter:] or [0]), 1),
    }
    Path(args.out).write_text(json.dumps(result), "utf-8")


if __name__ == "__main__":
    main()
