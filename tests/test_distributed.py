"""Many workers on shared Redis queues (roadmap step 14, issue 20), as an operator runs them:
``shopwatch worker`` processes on the local Redis and PostgreSQL, the day seeded and awaited by
the coordinator of ``shopwatch run``, the demo shop as the site. No mocks.

The reference is a single-process crawl of the same shop days into another schema: two and
three workers store the same rows, counts, statuses and alerts; a worker SIGKILLed halfway
costs retries, not data. ``shopwatch workers`` lists the live workers from their heartbeats.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from config import load_config
from crawlers.distributed.components import ledger_for
from crawlers.distributed.coordinator import crawl_distributed
from crawlers.distributed.keys import SEEDING, FleetKeys
from crawlers.runner import crawl_in_child
from db.session import session_scope, upgrade
from demoshop.server import ShopServer
from monitor.runner import run_monitor
from tests.support import demo_config, pg_schema_url, running_shop, write_config
from tests.support.fleet import (
    REDIS_URL,
    ROOT,
    day_data,
    fleet_section,
    key_prefix,
    start_worker,
    stop,
    wait_for,
)

DAYS = (dt.date(2026, 11, 23), dt.date(2026, 11, 24))


def crawl_days(config_path: Path, shop: ShopServer, days: tuple[dt.date, ...],
               distributed: bool) -> dict[dt.date, dict[str, Any]]:
    """Crawl and monitor each day (the shop showing its day 1, 2, ...); the stored data."""
    config = load_config(config_path)
    found = {}
    for number, day in enumerate(days, start=1):
        shop.set(day=number)
        if distributed:
            result = crawl_distributed(config, day, timeout_s=120)
        else:
            result = crawl_in_child(str(config_path), day, timeout_s=120,
                                    database_url=config.database_url)
        assert result.returncode == 0, result.stderr_tail
        with session_scope(config.database_url) as session:
            run_monitor(session, config, day)
        found[day] = day_data(config.database_url, day)
    return found


@pytest.fixture(scope="module")
def module_shop() -> Iterator[ShopServer]:
    with running_shop() as server:
        yield server


@pytest.fixture(scope="module")
def reference(module_shop: ShopServer, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[dict[dt.date, dict[str, Any]]]:
    """The two days crawled by one process, as without a [distributed] section."""
    for url in pg_schema_url():
        path = write_config(tmp_path_factory.mktemp("single") / "shopwatch.toml",
                            demo_config(module_shop.url, url))
        upgrade(url)
        yield crawl_days(path, module_shop, DAYS, distributed=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    for url in pg_schema_url():
        upgrade(url)  # by `shopwatch run` or `db upgrade` once; workers never migrate
        yield url


def test_reference_day_is_a_real_crawl(reference: dict[dt.date, dict[str, Any]]) -> None:
    """The comparison below means something: both days stored pages, day 2 has alerts."""
    first, second = reference[DAYS[0]], reference[DAYS[1]]
    assert {status for status, *_ in first["runs"].values()} == {"ok"}
    assert len(first["snapshots"]) > 50 and len(first["ranks"]) > 20
    assert first["suggestions"] and second["alerts"]


def test_three_workers_store_two_days_as_one_process_does(
        module_shop: ShopServer, reference: dict[dt.date, dict[str, Any]], pg_url: str,
        tmp_path: Path) -> None:
    """Three waiting workers, two days: the same rows, counts, statuses and alerts as one
    process (two workers: the next test, through `shopwatch run`)."""
    workers = 3
    with key_prefix() as prefix:
        path = write_config(tmp_path / "shopwatch.toml", demo_config(
            module_shop.url, pg_url, distributed=fleet_section(prefix, idle="wait")))
        fleet = [start_worker(path, tmp_path / f"worker{i}.log") for i in range(workers)]
        try:
            days = DAYS  # alerts need two days
            found = crawl_days(path, module_shop, days, distributed=True)
            listed = _workers_json(path)
        finally:
            codes = stop(fleet)
        logs = "\n".join(p.read_text("utf-8", "replace") for p in tmp_path.glob("worker*.log"))
        assert codes == [0] * workers, logs[-3000:]
        assert "Traceback" not in logs, logs[-3000:]
    for day in days:
        assert found[day] == reference[day]  # rows, counts, statuses, alerts
    # the work was shared, and `shopwatch workers` saw every live worker and its pages
    assert len(listed["workers"]) == workers
    pages = [w["pages"] for w in listed["workers"]]
    assert sum(1 for n in pages if n > 0) >= 2, pages
    day_pages = sum(run[2] for d in days for run in found[d]["runs"].values())
    assert sum(pages) == day_pages
    assert {w["pid"] for w in listed["workers"]} == {str(p.pid) for p in fleet}


def _workers_json(path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "monitor.cli", "workers", "--json",
                          "--config", str(path)], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def test_workers_once_stop_when_drained_and_run_seeds_once(
        module_shop: ShopServer, reference: dict[dt.date, dict[str, Any]], pg_url: str,
        tmp_path: Path) -> None:
    """The user's path with two workers: started with --once, then `shopwatch run`; the day is
    seeded and done once, the workers stop by themselves, `run` exits 0, and the stored day
    (rows, counts, statuses) is the single process's."""
    module_shop.set(day=1)
    with key_prefix() as prefix:
        path = write_config(tmp_path / "shopwatch.toml", demo_config(
            module_shop.url, pg_url, distributed=fleet_section(prefix)))
        fleet = [start_worker(path, tmp_path / f"worker{i}.log", "--once") for i in range(2)]
        try:
            run = subprocess.run([sys.executable, "-m", "monitor.cli", "run", "--config",
                                  str(path), "--date", DAYS[0].isoformat()], cwd=ROOT,
                                 capture_output=True, text=True, timeout=240)
            for process in fleet:
                process.wait(60)
        finally:
            stop(fleet)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "request(s) queued for the workers" in run.stderr
        assert [p.returncode for p in fleet] == [0, 0]
        server = redis.Redis.from_url(REDIS_URL)
        states = list(server.scan_iter(match=f"{prefix}:{DAYS[0]}:*:state"))
        assert [server.get(key) for key in states] == [b"done"]  # seeded once
    found = day_data(pg_url, DAYS[0])
    assert {k: v for k, v in found.items() if k != "alerts"} == \
        {k: v for k, v in reference[DAYS[0]].items() if k != "alerts"}


def test_a_once_worker_waits_while_the_day_is_still_being_seeded(tmp_path: Path) -> None:
    """A day's work is queued in chunks: a `--once` worker that finds the day active and its
    queues empty while the coordinator is still seeding waits for the rest; it stops once the
    day is seeded and drained."""
    with key_prefix() as prefix:
        path = write_config(tmp_path / "shopwatch.toml", demo_config(
            "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'shopwatch.db'}",
            distributed=fleet_section(prefix)))
        server = redis.Redis.from_url(REDIS_URL)
        ledger = ledger_for(load_config(path), DAYS[0], "seeding", server)
        server.set(ledger.keys.state, SEEDING)
        server.set(FleetKeys(prefix).active, ledger.keys.active)
        worker = start_worker(path, tmp_path / "worker.log", "--once")
        try:
            wait_for(lambda: any(server.scan_iter(match=f"{prefix}:worker:*")), 60,
                     "the worker's first heartbeat")
            time.sleep(1.0)  # five looks (poll_s 0.2) at an active day with empty queues
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            server.set(ledger.keys.state, "crawling")  # seeded, and nothing left
            assert worker.wait(30) == 0
        finally:
            stop([worker])


def test_a_worker_killed_halfway_costs_retries_not_data(
        module_shop: ShopServer, reference: dict[dt.date, dict[str, Any]], pg_url: str,
        tmp_path: Path) -> None:
    module_shop.set(day=1)
    with key_prefix() as prefix:
        path = write_config(tmp_path / "shopwatch.toml", demo_config(
            module_shop.url, pg_url, distributed=fleet_section(prefix, idle="wait"),
            site={"concurrency": 2}))
        server = redis.Redis.from_url(REDIS_URL)
        victim = start_worker(path, tmp_path / "victim.log")
        survivor = start_worker(path, tmp_path / "survivor.log")
        module_shop.state.slow_seconds = 0.3
        module_shop.set(slow=0.5)  # half the pages take a while: the kill lands mid-page
        try:
            import threading

            outcome: dict[str, Any] = {}
            config = load_config(path)
            coordinator = threading.Thread(target=lambda: outcome.update(
                result=crawl_distributed(config, DAYS[0], timeout_s=180)))
            coordinator.start()
            doing = f"{prefix}:{DAYS[0]}:*:doing:*:{victim.pid}"

            def victim_busy() -> bool:
                keys = list(server.scan_iter(match=doing))
                return sum(int(server.llen(k)) for k in keys) > 0 and \
                    int(server.hget(f"{prefix}:worker:{_host()}:{victim.pid}", "pages")
                        or 0) >= 2
            wait_for(victim_busy, 150, "the victim worker in the middle of its pages")
            victim.kill()  # SIGKILL: no goodbye; its crawl child sees the pipe close
            coordinator.join(180)
            assert not coordinator.is_alive()
        finally:
            module_shop.set(slow=0.0)
            stop([victim, survivor])
        attempts = [server.hgetall(key) for key in
                    server.scan_iter(match=f"{prefix}:{DAYS[0]}:*:attempts")]
    assert outcome["result"].returncode == 0, outcome["result"].stderr_tail
    assert attempts and attempts[0], "the victim had requests in hand: they were put back"
    found = day_data(pg_url, DAYS[0])
    expected = reference[DAYS[0]]
    for part in ("snapshots", "ranks", "suggestions"):
        assert found[part] == expected[part], part
    # every run completed ok; a page the victim parsed but had not stored is counted again
    # when retried, so counts are at least the single process's
    for key, (status, items, pages, *_rest) in found["runs"].items():
        assert status == "ok"
        assert items >= expected["runs"][key][1] and pages >= expected["runs"][key][2]


def _host() -> str:
    import socket

    return socket.gethostname()
