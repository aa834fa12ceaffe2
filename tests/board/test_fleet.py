"""The Runs page in distributed mode: live workers (their heartbeats in the real Redis) and
queued work; Redis out of reach is said on the page while the rest still shows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from config import Config
from config.schema import DistributedConfig
from crawlers.distributed.keys import FleetKeys
from tests.board.conftest import client

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    name = f"swtest-{uuid.uuid4().hex[:8]}"
    yield name
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(match=f"{name}:*"):
        server.delete(key)


def test_runs_page_lists_live_workers(history: Config, prefix: str) -> None:
    config = history.model_copy(update={"distributed": DistributedConfig(
        redis_url=REDIS_URL, key_prefix=prefix)})
    server = redis.Redis.from_url(REDIS_URL)
    server.hset(FleetKeys(prefix).worker("host-a:4242"), mapping={
        "state": "idle", "sites": "jd,tmall", "pages": "1234",
        "seen_at": "2026-03-10 06:00:00", "last_error": "<b>timeout</b>"})
    web = client(config)
    web.get("/lang/en")
    page = web.get("/runs").text
    assert 'id="fleet"' in page and page.count('class="worker-row"') == 1
    assert "host-a:4242" in page and "jd,tmall" in page and "1,234" in page
    assert "&lt;b&gt;timeout&lt;/b&gt;" in page  # a worker's error is text, never HTML
    assert "No day is being crawled." in page


def test_runs_page_says_when_redis_is_out_of_reach(history: Config) -> None:
    config = history.model_copy(update={"distributed": DistributedConfig(
        redis_url="redis://127.0.0.1:1/0")})
    page = client(config).get("/runs")
    assert page.status_code == 200 and 'id="fleet-error"' in page.text
    assert 'id="run-table"' in page.text  # the rest of the page is still there


def test_runs_page_has_no_fleet_section_without_distributed_mode(history: Config) -> None:
    assert 'id="fleet"' not in client(history).get("/runs").text
