"""Cleaning at the boundary (crawlers.validate), the pipeline's row-by-row retry and the run's
end, the generic adapter's text of a selection, and the spider's redirect errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from twisted.python.failure import Failure

from config import load_config
from crawlers.health import SiteHealth
from crawlers.items import Money, ProductItem, RankItem, SuggestionItem
from crawlers.pipelines import DatabasePipeline
from crawlers.settings import build_settings
from crawlers.sites.generic import select_text
from crawlers.spiders.listings import ListingsSpider
from crawlers.validate import (
    MAX_ID,
    MAX_PRICE_RAW,
    MAX_TITLE,
    Fixes,
    clean_id,
    clean_item,
    clean_product,
    clean_text,
    clean_url,
)
from db.models import CrawlRun, ProductSnapshot
from db.session import session_scope, upgrade
from tests.support import demo_config, write_config

DAY = dt.date(2026, 11, 24)
NO_REACTOR = {"TWISTED_REACTOR_ENABLED": False}  # nothing is downloaded here

HOSTILE_TEXT = [  # (scraped, stored)
    ("Robot \ud800 Vacuum", "Robot \ufffd Vacuum"),  # a lone surrogate (JSON "\ud800")
    ("\udfff", "\ufffd"),
    ("\ud83e\udd16 robot", "🤖 robot"),  # a surrogate pair is its character
    ("Nul\x00Robot", "Nul\ufffdRobot"),
    ("\x1b[31mRed\x1b[0m Robot", "Red Robot"),  # colour (CSI)
    ("\x1b[1;38;5;196mBold", "Bold"),
    ("\x1b]0;evil\x07Title", "Title"),  # window title (OSC ... BEL)
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # hyperlink (OSC ... ST)
    ("\x1b]unterminated", "unterminated"),  # an OSC without its end loses its introducer
    ("Bell\x07", "Bell"),
    ("Back\x08\x08space", "Backspace"),
    ("\x9b31mC1 CSI", "C1 CSI"),
    ("\x9d0;evil\x9cC1 OSC", "C1 OSC"),
    ("x\x1b(Bcharset", "xcharset"),
    ("Acme\x7f\x85Store", "AcmeStore"),  # DEL, NEL
    ("a\tb\r\nc  d", "a b c d"),  # whitespace: one space
    ("\x00", "\ufffd"),
    ("\x1b[0m \x07", None),  # nothing left
    ("", None),
    ("<New> Robot X1", "<New> Robot X1"),  # text, not markup
    ("扫地机器人 ¥1999", "扫地机器人 ¥1999"),
    ("Café 🤖 ‏x", "Café 🤖 ‏x"),  # letters, emoji, marks are kept
]


@pytest.mark.parametrize(("scraped", "stored"), HOSTILE_TEXT)
def test_hostile_text_is_stored_inert(scraped: str, stored: str | None) -> None:
    assert clean_text(scraped) == stored


def test_cleaning_counts_what_it_changed() -> None:
    fixes = Fixes()
    assert clean_text("a\ud800", None, fixes) == "a\ufffd"
    assert clean_text("\x1b[31mb", None, fixes) == "b"
    assert clean_text("c" * 20, 10, fixes) == "c" * 10
    assert clean_text("fine", 10, fixes) == "fine"
    assert fixes == Fixes(replaced=1, removed=1, cut=1)


@pytest.mark.parametrize(("scraped", "stored"), [
    ("https://shop.example/p/1", "https://shop.example/p/1"),
    ("HTTP://shop.example/p/1", "HTTP://shop.example/p/1"),
    ("javascript:alert(document.cookie)", None),
    (" JavaScript:alert(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("vbscript:msgbox", None),
    ("file:///etc/passwd", None),
    ("java\x00script:alert(1)", None),
    ("\x1b[31mhttps://shop.example/p/2", "https://shop.example/p/2"),
    ("https://shop.example/?q=" + "x" * 3000, None),  # longer than the column: not a cut link
    (None, None),
])
def test_only_http_links_are_kept(scraped: str | None, stored: str | None) -> None:
    fixes = Fixes()
    assert clean_url(scraped, fixes) == stored
    assert fixes.dropped_links == (1 if scraped and stored is None else 0)


def test_a_long_id_fits_its_column_and_stays_apart() -> None:
    first, second = "long-" + "9" * 300, "long-" + "9" * 299 + "8"
    assert len(clean_id(first)) == len(clean_id(second)) == MAX_ID
    assert clean_id(first) != clean_id(second)
    assert clean_id(first) == clean_id(first) and clean_id(first).startswith("long-999")
    assert clean_id("  100012043978 ") == "100012043978"
    assert clean_id("a\x00b") == "a\ufffdb"


def test_spec_table_rows_are_inert_and_fit_their_columns() -> None:
    item = ProductItem(site="s", external_id="1", attributes=[
        ("品牌", "\x00Acme\x9b1m"), ("型号\x1b[31m", "X1"), ("", "no name"), ("颜色", " "),
        ("N" * 100, "V" * 300)])
    clean_product(item)
    assert item.attributes == [("品牌", "\ufffdAcme"), ("型号", "X1"),
                               ("N" * 64, "V" * 256)]


def test_a_product_is_cut_to_its_columns_and_impossible_values_become_unknown() -> None:
    item = ProductItem(
        site="s", external_id="1", url="javascript:void(0)", title="T" * 100_000,
        shop="\x1b]0;x\x07Shop", brand="B" * 300,
        price=Money(Decimal("19.99"), "EUR", "19,99 € " + "inkl. MwSt. " * 30),
        list_price=Money(Decimal("1e15"), "EURO", "x"), price_high=Money(Decimal(-1), None, None),
        rating=Decimal(10), sales_count=2**40, review_count=-3, stock_count=5)
    fixes = Fixes()
    clean_product(item, fixes)
    assert item.url is None and item.shop == "Shop"
    assert item.title == "T" * MAX_TITLE and item.brand == "B" * 256
    assert item.price is not None and item.price.amount == Decimal("19.99")
    assert item.price.raw is not None and len(item.price.raw) <= MAX_PRICE_RAW
    assert item.list_price == Money(None, None, "x")  # Numeric(14, 2) and ISO codes only
    assert item.price_high == Money(None, None, None)
    assert (item.rating, item.sales_count, item.review_count, item.stock_count) == (
        None, None, None, 5)  # Numeric(3, 2) holds 9.99 at most; Integer 2**31 - 1
    assert fixes == Fixes(removed=1, cut=3, dropped_links=1)
    with pytest.raises(DropItem):
        clean_product(ProductItem(site="s", external_id=" \x00"[:1] + "\x1b[0m"))


def test_every_kind_of_item_is_cleaned() -> None:
    rank = RankItem(site="s", keyword="robot\x00", page=1, position=1, organic_position=1,
                    sponsored=False, product=ProductItem(site="s", external_id="1",
                                                         title="\x1b[31mRed"))
    assert clean_item(rank) == Fixes(replaced=1, removed=1)
    assert (rank.keyword, rank.product.title) == ("robot\ufffd", "Red")
    suggestions = SuggestionItem(site="s", seed="扫地 机器人",
                                 terms=["a\x00b", "\x1b[1mc", "  d  ", "x" * 300])
    clean_item(suggestions)
    assert suggestions.seed == "扫地 机器人"  # a tracked term keeps its spelling
    assert suggestions.terms == ["a\ufffdb", "c", "  d  ", "x" * 256]


# -- the generic adapter: attribute and text values are text ---------------------------------
PAGE = Selector(text='<div><h1 data-title="&lt;New&gt; Robot X1"><b>Robot</b> X1</h1>'
                     '<p>&lt;tag&gt; text</p></div>')


@pytest.mark.parametrize(("selector", "text"), [
    ("h1::attr(data-title)", "<New> Robot X1"),
    ("//h1/@data-title", "<New> Robot X1"),
    ("h1", "Robot X1"),  # an element: all its text
    ("//h1", "Robot X1"),
    ("p::text", "<tag> text"),
    ("//p/text()", "<tag> text"),
    ("h2", None),
])
def test_select_text_reads_markup_only_of_elements(selector: str, text: str | None) -> None:
    assert select_text(PAGE, selector) == text


# -- the spider: redirects that never arrive are errors ---------------------------------------
def test_too_many_redirects_and_redirect_loops_are_errors_of_the_page() -> None:
    spider = ListingsSpider.from_crawler(get_crawler(ListingsSpider, NO_REACTOR))
    last = Request("http://shop/p/far?n=20", meta={
        "site": "s", "page_type": "product", "redirect_times": 20,
        "redirect_urls": ["http://shop/p/far",
                          *(f"http://shop/p/far?n={n}" for n in range(1, 20))]})
    failure = Failure(IgnoreRequest("max redirections reached"))
    failure.request = last  # type: ignore[attr-defined]
    spider.on_error(failure)
    loop = Request("http://shop/p/loop", meta={
        "site": "s", "page_type": "product", "redirect_times": 2,
        "redirect_urls": ["http://shop/p/loop", "http://shop/p/loop-b"]})
    spider.on_dropped(loop)
    spider.on_dropped(Request("http://shop/p/1", meta={"site": "s", "page_type": "product"}))
    spider.on_dropped(Request("http://shop/p/2", meta={  # redirected to a page crawled anyway
        "site": "s", "page_type": "product", "redirect_urls": ["http://shop/p/old-2"]}))
    health = spider.health["s"]
    assert health.by_type["product"]["errors"] == 2
    assert health.reasons == [
        "too many redirects on http://shop/p/far (gave up after 20, at http://shop/p/far?n=20)",
        "redirect loop: http://shop/p/loop → http://shop/p/loop-b → http://shop/p/loop"]


# -- the run: items the database refuses -------------------------------------------------------
def test_items_not_stored_make_the_run_partial_and_say_so() -> None:
    health = SiteHealth()
    health.count("product", "pages", 3)
    health.count("product", "items", 3)
    health.not_stored("product 7: UnicodeEncodeError: surrogates not allowed")
    assert (health.status, health.stored, health.errors) == ("partial", 2, 1)
    assert health.summary == ("1 item could not be stored: product 7: UnicodeEncodeError: "
                              "surrogates not allowed")
    health.not_stored("product 8: DataError: value too long")
    health.not_stored("product 9: DataError: value too long")
    assert health.status == "failed"
    assert health.summary is not None and health.summary.startswith("3 items could not be")


def _pipeline(tmp_path: Path, db_url: str) -> tuple[DatabasePipeline, ListingsSpider]:
    config = write_config(tmp_path / "c.toml", demo_config("http://127.0.0.1:9", db_url))
    upgrade(db_url)
    settings = build_settings(load_config(config), DAY).copy_to_dict()
    settings.update(NO_REACTOR)
    crawler = get_crawler(ListingsSpider, settings)
    spider = ListingsSpider.from_crawler(crawler)
    crawler.spider = spider
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline, spider


def _run(db_url: str) -> tuple[CrawlRun, list[str | None]]:
    with session_scope(db_url) as session:
        titles = list(session.scalars(select(ProductSnapshot.title)
                                      .order_by(ProductSnapshot.title)))
        return session.scalars(select(CrawlRun)).one(), titles


def test_a_row_the_database_refuses_is_reported_and_the_rest_stored(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cleaning switched off: the batch write fails, the batch is split, the rest is stored."""
    monkeypatch.setattr("crawlers.pipelines.clean_item", lambda item: Fixes())
    pipeline, spider = _pipeline(tmp_path, db_url)
    titles = ["ok 1", "ok 2", "bad \ud800", "ok 3", "ok 4"]
    for n, title in enumerate(titles):
        spider.site_health("demo").count("product", "pages")
        spider.counted(spider.target_sites()[0], "product", [None])
        pipeline.process_item(ProductItem(site="demo", external_id=str(n), title=title))
    pipeline.close_spider()
    run, stored = _run(db_url)
    assert stored == ["ok 1", "ok 2", "ok 3", "ok 4"]
    assert (run.status, run.items_count, run.errors_count) == ("partial", 4, 1)
    assert run.error_summary == ("1 item could not be stored: product 2: UnicodeEncodeError: "
                                 "'utf-8' codec can't encode character '\\ud800' in position "
                                 "4: surrogates not allowed")


def test_a_failure_at_the_crawls_end_never_leaves_the_run_running(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline, spider = _pipeline(tmp_path, db_url)
    spider.site_health("demo").count("product", "pages")
    pipeline.process_item(ProductItem(site="demo", external_id="1", title="x"))

    def lost(*_args: object) -> None:
        raise OperationalError("INSERT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(pipeline, "_store", lost)
    with pytest.raises(OperationalError):
        pipeline.close_spider()
    run, _ = _run(db_url)
    assert run.status == "failed"
    assert run.error_summary == ("the last items could not be written: ConnectionError: "
                                 "server closed the connection")
