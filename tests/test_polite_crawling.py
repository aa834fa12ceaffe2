"""Crawling politely: robots.txt per site, backoff, user agent, cookies, blocks, unknown prices."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from sqlalchemy import select

from config import SiteConfig
from crawlers.blocks import check_blocked
from crawlers.errors import PageBlocked
from crawlers.runner import crawl_in_child
from db.models import CrawlRun
from db.session import session_scope, upgrade
from demoshop import catalog
from demoshop.server import ShopServer
from tests.support import (
    REALPAGES,
    config_dict,
    demo_config,
    realpages,
    serve_directory,
    write_config,
)

DAY = dt.date(2026, 11, 24)


def _crawl(tmp_path: Path, shop: ShopServer, **site: object) -> CrawlRun:
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    config = write_config(tmp_path / "c.toml",
                          demo_config(shop.url, url, listing_paths=(), site=site))
    upgrade(url)
    result = crawl_in_child(str(config), DAY, ["ranks"], timeout_s=120)
    assert result.returncode == 0, result.stderr_tail
    with session_scope(url) as s:
        return s.scalars(select(CrawlRun)).one()


def test_robots_txt_is_obeyed_unless_the_site_says_otherwise(shop: ShopServer,
                                                              tmp_path: Path) -> None:
    shop.state.robots_disallow = ["/search"]
    run = _crawl(tmp_path / "a", shop)
    assert run.status == "failed"
    assert "robots.txt" in (run.error_summary or "")
    run = _crawl(tmp_path / "b", shop, obey_robots_txt=False)
    results = [slot for page in (1, 2, 3) for slot in catalog.result_page("扫地机器人", page, 1)[0]]
    assert (run.status, run.items_count) == ("ok", len(results))


def test_retries_back_off_exponentially(shop: ShopServer, tmp_path: Path) -> None:
    shop.set(error=1.0)
    run = _crawl(tmp_path, shop, retry_backoff_s=0.3)
    assert run.status == "failed" and "HTTP 503" in (run.error_summary or "")
    times = [t for t, path, _h in shop.state.seen if path.startswith("/search")]
    assert len(times) == 4  # the first try and three retries
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for gap, wanted in zip(gaps, (0.3, 0.6, 1.2), strict=True):
        assert gap >= wanted * 0.9, gaps


def test_user_agent_cookies_and_storage_state_reach_the_site(shop: ShopServer,
                                                             tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"cookies": [
        {"name": "session", "value": "s3cret", "domain": "127.0.0.1", "path": "/"},
        {"name": "other", "value": "x", "domain": "example.com", "path": "/"}],
        "origins": []}), "utf-8")
    run = _crawl(tmp_path, shop, user_agent="TestAgent/1.0", cookies={"lang": "zh"},
                 storage_state=str(state))
    assert run.status == "ok"
    searches = [h for _t, path, h in shop.state.seen if path.startswith("/search")]
    assert {h.get("User-Agent") for h in searches} == {"TestAgent/1.0"}
    cookie = searches[0].get("Cookie", "")
    assert "lang=zh" in cookie and "session=s3cret" in cookie and "other=" not in cookie
    assert "s3cret" not in (run.error_summary or "")


def test_a_storage_state_that_is_not_one_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("[1, 2]", "utf-8")
    with pytest.raises(ValueError, match="not a Playwright storage state"):
        SiteConfig(name="x", base_url="http://x", storage_state=str(bad))


SITE = SiteConfig(name="x", base_url="http://x")


def _page(body: str, url: str = "http://x/page") -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8")


ROBOT_CHECKS = REALPAGES / "amazon_search_wayback" / "blocked_robot_check"


@pytest.mark.parametrize("path", sorted(ROBOT_CHECKS.glob("*.html")) or [None])
def test_real_robot_check_pages_are_blocked(path: Path | None) -> None:
    if path is None:
        realpages("amazon_search_wayback/blocked_robot_check")
        return
    response = HtmlResponse("http://x/s?k=a", body=path.read_bytes())
    with pytest.raises(PageBlocked):
        check_blocked(response)


@pytest.mark.parametrize(("body", "url", "reason"), [
    ("<title>访问验证</title><body>请完成验证</body>", "http://x/s", "captcha"),
    ("<title>x</title><body><div id='nc_1_wrapper'>请按住滑块，拖动到最右边</div></body>",
     "http://x/s", "captcha"),
    ("<title>x</title><body><h2>Verify you are human</h2></body>", "http://x/s", "captcha"),
    ("<title>登录</title><body>请登录后查看<form><input type=password></form></body>",
     "http://x/s", "login required"),
    ("<title>x</title><body>ok</body>", "https://passport.jd.com/new/login.aspx", "login"),
])
def test_block_markers(body: str, url: str, reason: str) -> None:
    with pytest.raises(PageBlocked, match=reason):
        check_blocked(_page(body, url))


def test_a_normal_page_mentioning_captcha_in_scripts_is_not_blocked() -> None:
    body = ("<title>Robot vacuum</title><body><script>var captcha = 1;</script>"
            + "<p>product text</p>" * 800 + "</body>")
    check_blocked(_page(body))


def test_a_short_page_mentioning_a_verification_code_in_a_notice_is_not_blocked() -> None:
    body = ("<title>扫地机器人 - 商城</title><body><h1>扫地机器人 X10</h1><p>¥ 2999.00</p>"
            "<p>安全提示：不要向任何人提供银行卡、密码、手机验证码！</p></body>")
    check_blocked(_page(body))


def test_every_saved_search_page_passes_block_detection() -> None:
    folders = ["aliexpress_search_wayback", "ebay_search_wayback", "etsy_search_wayback",
               "jd_search_wayback", "amazon_search_wayback"]
    checked = dict.fromkeys(folders, 0)
    for folder in folders:
        for path in sorted(realpages(folder).glob("*.htm*")):
            check_blocked(HtmlResponse("http://x/search", body=path.read_bytes()))
            checked[folder] += 1
    assert checked == {"aliexpress_search_wayback": 10, "ebay_search_wayback": 5,
                       "etsy_search_wayback": 9, "jd_search_wayback": 15,
                       "amazon_search_wayback": 13}


def test_an_unreadable_price_is_stored_as_unknown_and_counted(tmp_path: Path) -> None:
    from db.models import ProductSnapshot

    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "lamps").write_text(
        "<html><title>lamps</title><body><ul>"
        "<li class='p'><a href='/p/1'>Desk lamp</a><b>£5.00</b></li>"
        "<li class='p'><a href='/p/2'>Floor lamp</a><b>price on request</b></li>"
        "</ul></body></html>", "utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with serve_directory(site_dir) as base:
        config = write_config(tmp_path / "c.toml", config_dict(
            url, {"name": "lamps", "adapter": "generic", "base_url": base,
                  "search_path": "/{keyword}", "currency": "GBP", "download_delay": 0.0,
                  "search": {"item": "li.p", "link": "a::attr(href)",
                             "id_pattern": r"/p/(\d+)", "title": "a", "price": "b"}},
            keywords=[{"term": "lamps"}]))
        upgrade(url)
        assert crawl_in_child(str(config), DAY, ["ranks"], timeout_s=60).returncode == 0
    with session_scope(url) as s:
        run = s.scalars(select(CrawlRun)).one()
        prices = {snap.price_raw: snap.price for snap in s.scalars(select(ProductSnapshot))}
    assert run.status == "ok" and run.unknown_prices == 1
    assert prices == {"£5.00": Decimal("5.00"), "price on request": None}


def test_validation_makes_impossible_values_unknown() -> None:
    from crawlers.items import Money, ProductItem
    from crawlers.validate import clean_product

    item = clean_product(ProductItem("x", " 7 ", title="  a\n  lamp ",
                                     price=Money(Decimal(-3), "GBP", "-£3"),
                                     rating=Decimal(42), sales_count=-1, stock_count=5))
    assert (item.external_id, item.title, item.rating, item.sales_count, item.stock_count) == (
        "7", "a lamp", None, None, 5)
    assert item.price == Money(None, "GBP", "-£3")
    with pytest.raises(DropItem):
        clean_product(ProductItem("x", "  "))
