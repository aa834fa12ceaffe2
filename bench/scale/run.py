"""Scale benchmark of the distributed crawl (roadmap step 14): one generated day crawled by
1, 2 and 4 ``shopwatch worker`` processes on PostgreSQL and Redis, next to the single-process
crawl on SQLite and on PostgreSQL.

    python bench/scale/run.py [--size 1000] [--keywords 100] [--workers 1 2 4]

The day: the demo shop's catalogue at ``--size`` products per category (7 categories), every
product watched by id, ``--keywords`` terms x 3 result pages, their suggestions; rendered once
by the demo shop, then served from memory by ``--servers`` processes on one port. Measures
pages per second, database rows written per second, the peak RSS of each worker's crawl
child, and Redis memory per million queued requests. Writes bench/scale/results.json. Not a
test: the numbers depend on the machine (they share its cores with the target and the
databases).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import tomli_w  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.scale.site import keywords, render, serve  # noqa: E402
from config import load_config  # noqa: E402
from crawlers.distributed.components import ledger_for  # noqa: E402
from crawlers.distributed.coordinator import crawl_distributed  # noqa: E402
from crawlers.distributed.serial import RequestSerializer  # noqa: E402
from crawlers.runner import crawl_in_child  # noqa: E402
from db.models import (  # noqa: E402
    CrawlRun,
    ProductSnapshot,
    RankObservation,
    SuggestionObservation,
)
from db.session import get_engine, session_scope, upgrade  # noqa: E402

PG = os.environ.get("SHOPWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SHOPWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DAY = dt.date(2026, 12, 1)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_schema() -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema, f"{PG}?options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    get_engine.cache_clear()
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def write_config(path: Path, url: str, db: str, size: int, terms: list[str],
                 concurrency: int, prefix: str | None) -> Path:
    from demoshop import catalog

    data: dict[str, Any] = {
        "database_url": db, "export_dir": str(path.parent / "exports"),
        "sites": [{"name": "bench", "adapter": "demoshop", "base_url": url,
                   "concurrency": concurrency, "download_delay": 0.0, "autothrottle": False,
                   "obey_robots_txt": False, "search_pages": 3}],
        "keywords": [{"term": t, "sites": ["bench"]} for t in terms],
        "products": [{"site": "bench", "id": p.id, "url": f"{url}/item/{p.id}.html"}
                     for p in catalog.catalogue(1, 7, size)],
    }
    if prefix:
        data["distributed"] = {"redis_url": REDIS, "key_prefix": prefix, "idle": "stop",
                               "poll_s": 0.5, "heartbeat_s": 2.0}
    path.write_text(tomli_w.dumps(data), "utf-8")
    return path


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


class RssSampler(threading.Thread):
    """Peak RSS of each worker's crawl child (the largest process under it) and of itself."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = {pid: 0.0 for pid in pids}
        self.parent_peak = {pid: 0.0 for pid in pids}
        self.cpu: dict[int, float] = {}  # crawl child -> CPU seconds last seen
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for pid in self.pids:
                self.parent_peak[pid] = max(self.parent_peak[pid], rss_mb(pid))
                for child in children(pid):
                    self.peak[pid] = max(self.peak[pid], rss_mb(child))
                    self.cpu[child] = max(self.cpu.get(child, 0.0), cpu_s(child))


def rows_of_day(db: str) -> tuple[int, int]:
    with session_scope(db) as s:
        runs = select(CrawlRun.id).where(CrawlRun.day == DAY)
        written = sum(int(s.scalar(select(func.count()).select_from(m)
                                   .where(m.crawl_run_id.in_(runs))) or 0)
                      for m in (ProductSnapshot, RankObservation, SuggestionObservation))
        pages = int(s.scalar(select(func.sum(CrawlRun.pages_count))
                             .where(CrawlRun.day == DAY)) or 0)
    return written, pages


def single(tmp: Path, url: str, db: str, args: argparse.Namespace, terms: list[str],
           kind: str) -> dict[str, Any]:
    path = write_config(tmp / f"single-{kind}.toml", url, db, args.size, terms,
                        args.concurrency, None)
    upgrade(db)
    start = time.monotonic()
    result = crawl_in_child(str(path), DAY, timeout_s=3600, database_url=db)
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stderr_tail
    written, pages = rows_of_day(db)
    return {"mode": f"1 process, {kind}", "workers": 1, "pages": pages, "seconds": seconds,
            "pages_s": pages / seconds, "rows_s": written / seconds, "rows": written}


def fleet(tmp: Path, url: str, args: argparse.Namespace, terms: list[str], n: int
          ) -> dict[str, Any]:
    schema, db = pg_schema()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        path = write_config(tmp / f"fleet-{n}.toml", url, db, args.size, terms,
                            args.concurrency, prefix)
        upgrade(db)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPWATCH_")}
        workers = [subprocess.Popen([sys.executable, "-m", "monitor.cli", "worker", "--config",
                                     str(path), "--once"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for _ in range(n)]
        sampler = RssSampler([w.pid for w in workers])
        sampler.start()
        time.sleep(3)  # the workers are up (a worker already running is the normal case)
        start = time.monotonic()
        result = crawl_distributed(load_config(path), DAY, timeout_s=3600)
        seconds = time.monotonic() - start
        time.sleep(1)  # the children's last CPU figures, before they exit
        sampler.stopped.set()
        for w in workers:
            w.wait(60)
        assert result.returncode == 0, result.stderr_tail
        written, pages = rows_of_day(db)
        return {"mode": f"{n} worker(s), PostgreSQL", "workers": n, "pages": pages,
                "seconds": seconds, "pages_s": pages / seconds, "rows_s": written / seconds,
                "rows": written, "peak_rss_mb": max(sampler.peak.values()),
                "crawl_cpu_ms_per_page": 1000 * sum(sampler.cpu.values()) / max(1, pages),
                "load_average": os.getloadavg()[0],
                "worker_parent_rss_mb": max(sampler.parent_peak.values())}
    finally:
        server = redis.Redis.from_url(REDIS)
        keys = list(server.scan_iter(match=f"{prefix}:*"))
        if keys:
            server.delete(*keys)
        drop_schema(schema)


def redis_memory(tmp: Path, url: str, args: argparse.Namespace, terms: list[str],
                 count: int) -> dict[str, Any]:
    """Bytes of Redis memory per queued product request (the seeding's own encoding)."""
    import scrapy

    schema, db = pg_schema()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    server = redis.Redis.from_url(REDIS)
    try:
        path = write_config(tmp / "mem.toml", url, db, 1, terms[:1], args.concurrency, prefix)
        config = load_config(path)
        ledger = ledger_for(config, DAY, "mem", server)
        serializer = RequestSerializer(config)
        site = config.sites[0]

        class Listings(scrapy.Spider):
            name = "listings"

            def parse_product(self, response: Any) -> None:
                pass

        spider = Listings()
        raws = [serializer.dumps(scrapy.Request(
            f"{url}/item/{100000 + i}.html", callback=spider.parse_product,
            meta={"site": "bench", "page_type": "product"},
            cb_kwargs={"site": site}).to_dict(spider=spider)) for i in range(count)]
        before = int(server.info("memory")["used_memory"])
        for start in range(0, count, 10000):
            ledger.push("listings", "bench", raws[start:start + 10000])
        after = int(server.info("memory")["used_memory"])
        return {"queued": count, "bytes_per_request": (after - before) / count,
                "mb_per_million": (after - before) / count * 1e6 / 2**20,
                "encoded_bytes": sum(len(r) for r in raws) / count}
    finally:
        keys = list(server.scan_iter(match=f"{prefix}:*"))
        if keys:
            server.delete(*keys)
        drop_schema(schema)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--keywords", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--queued", type=int, default=100_000)
    parser.add_argument("--skip-single", action="store_true",
                        help="only the workers (and Redis memory)")
    parser.add_argument("--out", help="results file name in bench/scale (default results.json, "
                                      "or results-workers.json with --skip-single)")
    args = parser.parse_args()
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="shopwatch-scale-"))
    terms = keywords(args.keywords)
    pages_file = tmp / "pages.pickle"
    t = time.monotonic()
    rendered = render(args.size, terms, 3, pages_file)
    print(f"rendered {rendered} pages in {time.monotonic() - t:.0f}s", flush=True)
    port = free_port()
    servers = serve(pages_file, port, args.servers)
    url = f"http://127.0.0.1:{port}"
    time.sleep(1)
    results = []
    try:
        if not args.skip_single:
            results.append(single(tmp, url, f"sqlite:///{tmp / 'single.db'}", args, terms,
                                  "SQLite"))
            print(results[-1], flush=True)
            schema, db = pg_schema()
            try:
                results.append(single(tmp, url, db, args, terms, "PostgreSQL"))
            finally:
                drop_schema(schema)
            print(results[-1], flush=True)
        for n in args.workers:
            results.append(fleet(tmp, url, args, terms, n))
            print(results[-1], flush=True)
        memory = redis_memory(tmp, url, args, terms, args.queued)
        print(memory, flush=True)
    finally:
        for pid in servers:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    report = {"measured": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version()},
              "day": {"products": 7 * args.size, "keywords": len(terms), "result_pages": 3,
                      "pages_rendered": rendered, "servers": args.servers,
                      "concurrency": args.concurrency},
              "runs": results, "redis": memory}
    out = HERE / (args.out or ("results-workers.json" if args.skip_single else "results.json"))
    out.write_text(json.dumps(report, indent=2), "utf-8")
    print("| mode | pages | seconds | pages/s | rows/s | peak RSS MB (crawl child) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['mode']} | {r['pages']} | {r['seconds']:.1f} | {r['pages_s']:.1f} | "
              f"{r['rows_s']:.0f} | {r.get('peak_rss_mb', 0):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
