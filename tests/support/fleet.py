"""Helpers of the distributed tests (tests/test_distributed*.py): a fleet's config, workers as
child processes, a private Redis key prefix cleaned up afterwards, and one day's stored data
in a comparable form."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select

from db.models import (
    Alert,
    CrawlRun,
    Keyword,
    Product,
    ProductSnapshot,
    RankObservation,
    Site,
    SuggestionObservation,
)
from db.session import session_scope

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("SHOPWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def fleet_section(prefix: str, redis_url: str = REDIS_URL, **values: Any) -> dict[str, Any]:
    """A fast [distributed] section: workers notice a dead one within 3 s."""
    return {"redis_url": redis_url, "key_prefix": prefix, "heartbeat_s": 1.0, "poll_s": 0.2,
            **values}


@contextmanager
def key_prefix(url: str = REDIS_URL) -> Iterator[str]:
    """A prefix no other test run uses; its keys are deleted at the end."""
    prefix = f"swtest-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        server = redis.Redis.from_url(url)
        try:
            keys = list(server.scan_iter(match=f"{prefix}:*", count=1000))
            if keys:
                server.delete(*keys)
        except redis.RedisError:
            pass  # a private server that is gone already
        server.close()


def start_worker(config: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """``shopwatch worker`` in a child process, its output in ``log``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SHOPWATCH_REDIS_URL", "SHOPWATCH_DATABASE_URL", "SHOPWATCH_CONFIG")}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "monitor.cli", "worker", "--config",
                                 str(config), *args], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env=env)


def stop(processes: list[subprocess.Popen[bytes]], timeout: float = 30) -> list[int | None]:
    """SIGTERM (a worker finishes what it has in hand), then SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout))
        except subprocess.TimeoutExpired:
            process.kill()
            codes.append(process.wait())
    return codes


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_redis(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A redis-server of the test's own (no persistence): it may be killed and restarted."""
    process = start_redis(port)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is needed by this test"
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    wait_for(up, 10, f"redis-server on port {port}")
    return process


def day_data(url: str, day: dt.date) -> dict[str, Any]:
    """What a day's crawl stored, without ids and times: runs (status and counts), snapshots,
    ranks, suggestions and alerts, sorted."""
    with session_scope(url) as s:
        runs = {(site, r.spider): (r.status, r.items_count, r.pages_count, r.errors_count,
                                   r.unknown_prices, r.page_counts)
                for r, site in s.execute(select(CrawlRun, Site.name).join(Site)
                                         .where(CrawlRun.day == day))}
        snapshots = sorted(
            (site, spider, ext, str(p.price), str(p.list_price), p.currency, p.in_stock,
             p.stock_state, p.from_page, p.sales_count, str(p.rating), p.review_count, p.title)
            for p, site, spider, ext in s.execute(
                select(ProductSnapshot, Site.name, CrawlRun.spider, Product.external_id)
                .join(CrawlRun, ProductSnapshot.crawl_run_id == CrawlRun.id)
                .join(Site, CrawlRun.site_id == Site.id)
                .join(Product, ProductSnapshot.product_id == Product.id)
                .where(CrawlRun.day == day)))
        ranks = sorted(
            (site, term, r.position, r.organic_position, r.page, r.sponsored, ext)
            for r, site, term, ext in s.execute(
                select(RankObservation, Site.name, Keyword.term, Product.external_id)
                .join(CrawlRun, RankObservation.crawl_run_id == CrawlRun.id)
                .join(Site, CrawlRun.site_id == Site.id)
                .join(Keyword, RankObservation.keyword_id == Keyword.id)
                .join(Product, RankObservation.product_id == Product.id)
                .where(CrawlRun.day == day)))
        suggestions = sorted(
            (o.seed, term, o.position) for o, term in s.execute(
                select(SuggestionObservation, Keyword.term)
                .join(CrawlRun, SuggestionObservation.crawl_run_id == CrawlRun.id)
                .join(Keyword, SuggestionObservation.keyword_id == Keyword.id)
                .where(CrawlRun.day == day)))
        alerts = sorted((a.kind, a.severity, a.site or "", a.product_external_id or "",
                         a.keyword or "", a.subject, a.before or "", a.after or "")
                        for a in s.scalars(select(Alert).where(Alert.day == day)))
    return {"runs": runs, "snapshots": snapshots, "ranks": ranks, "suggestions": suggestions,
            "alerts": alerts}
