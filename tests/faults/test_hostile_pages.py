"""The hostile shop crawled by a generic-adapter config, on SQLite and PostgreSQL.

Expected, page by page (``hostile_shop.PAGES``):

- plain, drip: stored as served (the drip-fed page does not hold the crawl up);
- surrogate, nul: stored, the lone surrogate and the NUL replaced by U+FFFD; control
  characters of the brand and seller removed;
- long: stored, the title cut to ``crawlers.validate.MAX_TITLE`` characters;
- angle: the attribute title "<New> Robot X1" stored as text; the 270-character price text
  cut to the column's 128;
- escape: "Red Robot Bell!" (colour, window title, bell and backspace removed);
- gbk: the Chinese title read right although the page is declared UTF-8;
- loop, far: not stored; the run names the redirect loop and the too many redirects;
- binary: not stored; the run names it;
- search ``robot``: every entry ranked; the ``javascript:`` link stored as no URL, escapes
  removed from titles and shops, the 300-character id shortened to fit;
- search ``blocked``: a captcha with HTTP 200: the ranks run is ``blocked``, naming it;
- suggestions: terms stored clean.

And overall: every run finished (none left ``running``), the listings run ``partial`` with its
reasons, the crawl child exits 0 with no traceback, nothing stored holds a control character.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.runner import crawl_in_child
from crawlers.validate import MAX_TITLE
from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation
from db.session import session_scope, upgrade
from tests.faults.hostile_shop import GBK_TITLE, PAGES, HostileShop
from tests.support import config_dict, keyword, site_block, write_config

DAY = dt.date(2026, 11, 24)
WATCHED = sorted(PAGES)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile() -> Iterator[HostileShop]:
    shop = HostileShop().start_background()
    yield shop
    shop.stop()


def _config(path: Path, base_url: str, db_url: str) -> Path:
    site = site_block(
        "hostile", base_url, adapter="generic", search_path="/search?q={keyword}&page={page}",
        search_pages=1, product_path="/p/{id}", suggest_path="/sug?q={keyword}",
        currency="EUR", download_delay=0.0, retry_backoff_s=0, autothrottle=False,
        concurrency=16, obey_robots_txt=False,
        search={"item": "li.item", "id": "::attr(data-id)", "link": "a.title::attr(href)",
                "title": "a.title", "shop": ".shop", "price": ".price"},
        product={"id_pattern": "/p/([a-z-]+)", "title": "h1::attr(data-title)",
                 "price": ".price"})
    return write_config(path, config_dict(
        db_url, site, keywords=[keyword(term, "robots", ["hostile"])
                                for term in ("robot", "blocked")],
        products=[{"site": "hostile", "id": pid} for pid in WATCHED]))


def test_hostile_pages_are_stored_clean_or_reported(db_url: str, hostile: HostileShop,
                                                    tmp_path: Path) -> None:
    config = _config(tmp_path / "hostile.toml", hostile.url, db_url)
    upgrade(db_url)
    started = time.monotonic()
    result = crawl_in_child(str(config), DAY, ["listings", "ranks", "suggest"], timeout_s=120)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr_tail
    assert "Traceback" not in result.stderr_tail, result.stderr_tail
    assert took < 40

    with session_scope(db_url) as s:
        runs = {r.spider: r for r in s.scalars(select(CrawlRun))}
        products = {p.external_id: p for p in s.scalars(select(Product))}
        snapshots = {p.external_id: snap for p, snap in s.execute(
            select(Product, ProductSnapshot).join(ProductSnapshot))}
        ranked = list(s.scalars(select(Product.external_id).join(
            RankObservation, RankObservation.product_id == Product.id)
            .order_by(RankObservation.position)))
        terms = set(s.scalars(select(Keyword.term)))

    # no run left running; each names what went wrong
    assert {k: r.status for k, r in runs.items()} == {
        "listings": "partial", "ranks": "blocked", "suggest": "ok"}, {
        k: r.error_summary for k, r in runs.items()}
    listings = runs["listings"].error_summary or ""
    assert "redirect loop" in listings and "/p/loop" in listings
    assert "too many redirects" in listings and "/p/far" in listings
    assert "/p/binary" in listings
    assert "captcha" in (runs["ranks"].error_summary or "")

    # every clean product stored, as served
    stored = {pid: snapshots[pid].title for pid in snapshots if pid in PAGES}
    assert set(stored) == set(PAGES) - {"loop", "far", "binary"}
    assert stored["plain"] == "Plain Robot Vacuum"
    assert stored["drip"] == "Drip-fed Robot"
    assert stored["surrogate"] == "Robot \ufffd Vacuum"
    assert stored["nul"] == "Nul\ufffdRobot"
    assert stored["long"] is not None and len(stored["long"]) == MAX_TITLE
    assert stored["angle"] == "<New> Robot X1"
    assert stored["escape"] == "Red Robot Bell!"
    assert stored["gbk"] == GBK_TITLE
    assert (products["nul"].brand, products["nul"].shop) == ("\ufffdAcme", "AcmeStore")
    assert products["escape"].brand == "Acme"
    assert snapshots["angle"].price_raw is not None and len(snapshots["angle"].price_raw) == 128

    # the search page: every entry ranked, links only http(s), ids that fit
    assert len(ranked) == 4
    assert ranked[:3] == ["plain", "jslink", "esc"]
    assert len(ranked[3]) <= 128 and ranked[3].startswith("long-999")
    assert products["jslink"].url is None
    assert (products["esc"].shop, snapshots["esc"].title) == ("Shop", "Red Robot")

    # nothing stored holds a control character or a link that is not http(s)
    for product in products.values():
        for text in (product.title, product.shop, product.brand, product.url):
            assert text is None or not CONTROL.search(text), (product.external_id, text)
        assert product.url is None or product.url.startswith(("http://", "https://"))
    assert {"robot\ufffdvacuum", "red robot", "robot\ufffdmop", "robot mop"} <= terms
