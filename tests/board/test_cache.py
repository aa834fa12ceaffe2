"""The board keeps crawl-derived reads until the next crawl run (board/cache.py): a crawl
that starts, ends or is run again shows at once; alerts and acknowledgements are never kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from board.cache import ReadCache, data_version
from config import Config
from db import repo
from db.models import Alert
from db.session import session_scope
from tests.board.conftest import client
from tests.board.history import DAY, SITE, _snapshot


def test_a_read_is_computed_once_per_version_and_again_after_its_time() -> None:
    calls: list[tuple[Any, ...]] = []

    def read(a: int, *, b: int = 0) -> int:
        calls.append((a, b))
        return a + b

    cache = ReadCache(ttl_s=3600)
    assert cache.get(("v1",), read, 1, b=2) == 3 and cache.get(("v1",), read, 1, b=2) == 3
    assert calls == [(1, 2)]
    assert cache.get(("v1",), read, 2) == 2 and len(calls) == 2  # other arguments
    assert cache.get(("v2",), read, 1, b=2) == 3 and len(calls) == 3  # a new version
    stale = ReadCache(ttl_s=0)
    stale.get(("v1",), read, 5)
    stale.get(("v1",), read, 5)
    assert calls[-2:] == [(5, 0), (5, 0)]  # older than its time: read again


def test_the_version_moves_when_a_run_starts_ends_or_is_run_again(history: Config) -> None:
    url = history.database_url
    with session_scope(url) as s:
        before = data_version(s)
        site_id = repo.ensure_site(s, SITE, "generic", "http://127.0.0.1:9")
    with session_scope(url) as s:
        run_id, _attempt = repo.begin_run(s, site_id, "ranks", DAY)  # a rerun of the day
    with session_scope(url) as s:
        started = data_version(s)
        repo.finish_run(s, run_id, "ok", items=1, pages=1, errors=0, error_summary=None)
    with session_scope(url) as s:
        finished = data_version(s)
    assert len({before, started, finished}) == 3


def test_a_product_crawled_after_a_page_was_read_shows_on_the_next_request(
        history: Config) -> None:
    web = client(history)
    path = f"/products?date={DAY.isoformat()}"
    assert "Brand-new gadget" not in web.get(path).text
    assert "Brand-new gadget" not in web.get(path).text  # kept
    with session_scope(history.database_url) as s:
        site_id = repo.ensure_site(s, SITE, "generic", "http://127.0.0.1:9")
        ids = repo.upsert_products(s, site_id, [{
            "external_id": "N", "title": "Brand-new gadget", "shop": "对手店", "is_own": False,
            "role": "competitor", "group": "清洁", "url": None}])
        run_id, attempt = repo.begin_run(s, site_id, "listings", DAY)
        repo.upsert_snapshots(s, [{"crawl_run_id": run_id, "product_id": ids["N"],
                                   "attempt": attempt, **_snapshot("C1", DAY)}])
        repo.finish_run(s, run_id, "ok", items=1, pages=1, errors=0, error_summary=None)
    assert "Brand-new gadget" in web.get(path).text


def test_an_acknowledgement_shows_at_once(history: Config) -> None:
    """Alerts are read every time: what a colleague acknowledged shows on the next request."""
    web = client(history)
    with session_scope(history.database_url) as s:
        alert_id = s.scalar(select(Alert.id).where(Alert.kind == "rank_drop"))
    before = web.get(f"/alerts/{alert_id}").text
    with session_scope(history.database_url) as s:
        repo.acknowledge_alert(s, alert_id, "colleague")
    after = web.get(f"/alerts/{alert_id}").text
    assert 'id="acked"' not in before and 'id="acked"' in after and "colleague" in after
