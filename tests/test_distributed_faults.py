"""The fleet under faults and limits, on real Redis servers and PostgreSQL: Redis restarted
mid-day (a private redis-server, never the shared one), the shared per-site rate limit
measured by the site itself, and the ledger's bounded retries of a worker that keeps dying."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import scrapy
from sqlalchemy import select

from config import load_config
from crawlers.distributed.components import ledger_for
from crawlers.distributed.coordinator import crawl_distributed, finish_runs, record_given_up
from crawlers.distributed.serial import RequestSerializer
from db.models import CrawlRun
from db.session import session_scope, upgrade
from demoshop.server import Handler, ShopServer
from tests.support import demo_config, pg_schema_url, write_config
from tests.support.fleet import (
    REDIS_URL,
    day_data,
    fleet_section,
    free_port,
    key_prefix,
    private_redis,
    start_redis,
    start_worker,
    stop,
    wait_for,
)

DAY = dt.date(2026, 11, 24)


@pytest.fixture
def pg_url() -> Iterator[str]:
    for url in pg_schema_url():
        upgrade(url)
        yield url


def _runs(url: str) -> list[CrawlRun]:
    with session_scope(url) as s:
        runs = list(s.scalars(select(CrawlRun).where(CrawlRun.day == DAY)))
        s.expunge_all()
        return runs


def test_redis_restarted_mid_day_fails_the_day_with_a_reason_then_a_rerun_completes(
        pg_url: str, tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    shop = ShopServer().start_background()
    shop.state.slow_seconds = 0.3
    shop.set(slow=0.5)
    with private_redis(port) as first, key_prefix(url) as prefix:
        path = write_config(tmp_path / "shopwatch.toml", demo_config(
            shop.url, pg_url, distributed=fleet_section(prefix, url, idle="wait"),
            site={"concurrency": 2}))
        fleet = [start_worker(path, tmp_path / f"worker{i}.log") for i in range(2)]
        outcome: dict[str, Any] = {}
        config = load_config(path)
        coordinator = threading.Thread(target=lambda: outcome.update(
            result=crawl_distributed(config, DAY, timeout_s=120)))
        try:
            coordinator.start()
            server = redis.Redis.from_url(url)

            def some_pages_counted() -> bool:
                try:
                    counts = [server.hgetall(key) for key in
                              server.scan_iter(match=f"{prefix}:{DAY}:*:counts")]
                except redis.RedisError:
                    return False
                return sum(int(v) for found in counts for k, v in found.items()
                           if k.endswith(b"/pages")) >= 3
            wait_for(some_pages_counted, 60, "pages counted in Redis")
            first.kill()
            first.wait()
            second = start_redis(port)  # empty: no persistence, as configured
            try:
                coordinator.join(120)
                assert not coordinator.is_alive()
                failed = _runs(pg_url)
                # the workers lived through it: the same fleet runs the day again
                shop.set(slow=0.0)
                again = crawl_distributed(config, DAY, timeout_s=120)
            finally:
                codes = stop(fleet)
                second.kill()
                second.wait()
        finally:
            stop(fleet)  # a failure before the restart leaves no worker behind
            shop.shutdown()
            shop.server_close()
    result = outcome["result"]
    assert result.returncode == 1 and "Redis lost the day's queues" in result.stderr_tail
    assert failed and {r.status for r in failed} == {"failed"}
    for run in failed:  # nothing half-counted: the counts of a failed day are not written
        assert "Redis lost the day's queues" in (run.error_summary or "")
        assert (run.items_count, run.pages_count) == (0, 0)
    assert again.returncode == 0, again.stderr_tail
    rerun = _runs(pg_url)
    assert {r.status for r in rerun} == {"ok"} and {r.attempt for r in rerun} == {2}
    stored = day_data(pg_url, DAY)
    keys = [(r[0], r[1], r[2]) for r in stored["snapshots"]]
    assert len(keys) == len(set(keys)) and stored["ranks"]  # a rerun duplicates nothing
    assert codes == [0, 0]


class CountingHandler(Handler):
    """The demo shop, counting the requests it is answering at once (each takes 50 ms)."""

    def do_GET(self) -> None:
        server: Any = self.server
        with server.count_lock:
            server.in_flight += 1
            server.peak = max(server.peak, server.in_flight)
            server.answered += 1
        try:
            time.sleep(0.05)
            super().do_GET()
        finally:
            with server.count_lock:
                server.in_flight -= 1


def test_three_workers_hold_a_sites_concurrency_together(pg_url: str, tmp_path: Path) -> None:
    shop: Any = ShopServer()
    shop.RequestHandlerClass = CountingHandler
    shop.count_lock, shop.in_flight, shop.peak, shop.answered = threading.Lock(), 0, 0, 0
    shop.start_background()
    try:
        with key_prefix() as prefix:
            path = write_config(tmp_path / "shopwatch.toml", demo_config(
                shop.url, pg_url, distributed=fleet_section(prefix, idle="wait"),
                site={"concurrency": 2}))
            fleet = [start_worker(path, tmp_path / f"worker{i}.log") for i in range(3)]
            try:
                result = crawl_distributed(load_config(path), DAY, timeout_s=180)
            finally:
                stop(fleet)
    finally:
        shop.shutdown()
        shop.server_close()
    assert result.returncode == 0, result.stderr_tail
    assert shop.answered > 50
    assert shop.peak == 2  # reached, never passed, by three workers of concurrency 2 each


def test_a_request_whose_workers_keep_dying_is_given_up_after_max_attempts(
        pg_url: str, tmp_path: Path) -> None:
    """The ledger on the real Redis: a dead worker's request goes back to its queue, at most
    max_attempts times; then it is an error of its run, with the reason."""
    with key_prefix() as prefix:
        path = write_config(tmp_path / "shopwatch.toml", demo_config(
            "http://127.0.0.1:9", pg_url, distributed=fleet_section(prefix, max_attempts=2)))
        config = load_config(path)
        ledger = ledger_for(config, DAY, "e1")
        serializer = RequestSerializer(config)
        site = config.sites[0]
        request = scrapy.Request(site.base_url + "/item/1", meta={"site": "demo",
                                                                  "page_type": "product"})
        raw = serializer.dumps(request.to_dict())
        ledger.set_runs({})
        ledger.push("listings", "demo", [raw])
        given_up: list[str] = []

        def site_of(data: bytes) -> str:
            return str(serializer.loads(data)["meta"]["site"])

        def give_up(spider: str, data: bytes) -> None:
            given_up.append(spider)
            record_given_up(ledger, spider, serializer.loads(data), 2)

        for attempt in (1, 2):
            assert ledger.take("listings", "demo", f"ghost:{attempt}") == raw
            assert ledger.outstanding() == 1  # in a worker's hands: not done
            assert ledger.queued() == {"listings": 0, "ranks": 0, "suggest": 0}
            ledger.recover(lambda _w: False, 2, site_of, give_up)
        assert given_up == ["listings"] and ledger.outstanding() == 0
        assert ledger.counts() == {"demo/listings/product/errors": 1}
        assert ledger.reasons("demo", "listings") == [
            f"not crawled: its worker died 2 times on {site.base_url}/item/1"]
        # a live worker's requests stay with it
        ledger.push("listings", "demo", [raw])
        ledger.take("listings", "demo", "alive:1")
        assert ledger.recover(lambda _w: True, 2, site_of, give_up) == 0
        assert ledger.outstanding() == 1
        # closing the day's runs reads the shared counts: the given-up page is an error
        with session_scope(config.database_url) as s:
            from db import repo

            site_id = repo.ensure_site(s, "demo", "demoshop", site.base_url)
            run_id, attempt = repo.begin_run(s, site_id, "listings", DAY)
        ledger.set_runs({"demo/listings": f"{run_id}:{attempt}:{site_id}"})
        finish_runs(config, ledger)
        run = _runs(pg_url)[0]
        assert run.status == "failed" and run.errors_count == 1
        assert "its worker died 2 times" in (run.error_summary or "")
    assert REDIS_URL  # the shared server was used, under a prefix of this test only


def test_the_fleets_rate_limit_and_shared_back_off() -> None:
    """Two workers' limiters on one Redis: concurrency and delay hold for both together, and
    a block seen by one pauses the site for the other, doubling with each block in a row."""
    from crawlers.distributed.keys import FleetKeys
    from crawlers.distributed.ratelimit import FleetLimiter

    with key_prefix() as prefix:
        one = FleetLimiter(redis.Redis.from_url(REDIS_URL), FleetKeys(prefix))
        two = FleetLimiter(redis.Redis.from_url(REDIS_URL), FleetKeys(prefix))
        assert one.try_acquire("shop", "a", 2, 0.0) == 0.0
        assert two.try_acquire("shop", "b", 2, 0.0) == 0.0
        assert two.try_acquire("shop", "c", 2, 0.0) > 0  # two in flight: the third waits
        assert one.in_flight("shop") == 2
        one.release("shop", "a")
        assert two.try_acquire("shop", "c", 2, 0.0) == 0.0
        # a delay of 0.5 s between any two requests to the site, whoever sends them
        assert one.try_acquire("slow", "d", 4, 0.5) == 0.0
        assert 0.3 < two.try_acquire("slow", "e", 4, 0.5) <= 0.5
        # blocks: 1 s, then 2 s, for every worker
        assert one.blocked("shop", 1.0) == 1.0
        assert two.blocked("shop", 1.0) == 2.0
        assert 1.5 < one.try_acquire("shop", "f", 5, 0.0) <= 2.0


def test_ctrl_c_while_run_waits_for_the_workers_fails_the_day_with_a_reason(
        pg_url: str, tmp_path: Path) -> None:
    """``shopwatch run`` in distributed mode, Ctrl-C while it waits (no worker is running):
    the day's runs are closed as failed with the reason, and the day is no longer offered
    to the workers; a rerun of the day starts from there."""
    import os
    import signal
    import subprocess
    import sys

    from crawlers.distributed.keys import FleetKeys

    shop = ShopServer().start_background()
    try:
        with key_prefix() as prefix:
            path = write_config(tmp_path / "shopwatch.toml", demo_config(
                shop.url, pg_url, distributed=fleet_section(prefix)))
            env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPWATCH_")}
            run = subprocess.Popen([sys.executable, "-m", "monitor.cli", "run", "--config",
                                    str(path), "--date", DAY.isoformat()], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            server = redis.Redis.from_url(REDIS_URL)
            active = FleetKeys(prefix).active
            try:
                wait_for(lambda: server.get(active) is not None, 60, "the day seeded")
                run.send_signal(signal.SIGINT)
                out, err = run.communicate(timeout=60)
            finally:
                if run.poll() is None:
                    run.kill()
            still_active = server.get(active)
    finally:
        shop.shutdown()
        shop.server_close()
    assert run.returncode == 130, out + err
    assert "interrupted" in out + err and "Traceback" not in err
    runs = _runs(pg_url)
    assert runs and {r.status for r in runs} == {"failed"}
    assert all("interrupted while the workers crawled" in (r.error_summary or "") for r in runs)
    assert still_active is None  # the workers are not handed the day any more
