"""The alert inbox comes in pages (``PER_PAGE``), its filters kept from page to page."""

from __future__ import annotations

from board.pages.alerts import PER_PAGE
from config import Config
from db.models import Alert
from db.session import session_scope
from tests.board.conftest import client
from tests.board.history import DAY, SITE


def test_a_busy_day_is_paged_and_the_filters_follow(history: Config) -> None:
    with session_scope(history.database_url) as s:
        s.add_all([Alert(day=DAY, kind="price_move", severity="info", site=SITE,
                         product_external_id=f"P{n}", subject=f"P{n} price moved",
                         before="¥10.00", after="¥12.00", dedup_key=f"bulk{n}", group="清洁")
                   for n in range(2 * PER_PAGE + 17)])
    web = client(history)
    first = web.get(f"/alerts?date={DAY.isoformat()}").text
    assert first.count('class="alert-row') == PER_PAGE and 'id="pager"' in first
    third = web.get(f"/alerts?date={DAY.isoformat()}&page=3").text
    assert third.count('class="alert-row') == 20  # 2 pages + 17, and the history's 3
    kind = web.get(f"/alerts?date={DAY.isoformat()}&kind=price_move&page=3").text
    assert kind.count('class="alert-row') == 18  # and the history's price move
    assert "kind=price_move" in kind and "page=2" in kind  # the pager keeps the filter
    assert web.get(f"/alerts?date={DAY.isoformat()}&kind=stock_out").text.count(
        'class="alert-row') == 1
