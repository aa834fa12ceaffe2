"""The demo shop adapter's pure parsers, on pages the shop serves, against the shop's own truth."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from scrapy.http import HtmlResponse

from config import SiteConfig
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.items import Money
from crawlers.sites import demoshop
from demoshop import catalog
from demoshop.server import ShopServer

SITE = SiteConfig(name="demo", base_url="http://127.0.0.1")


def fetch(shop: ShopServer, path: str) -> HtmlResponse:
    url = shop.url + path
    with urllib.request.urlopen(url) as response:
        body = response.read()
    return HtmlResponse(url=url, body=body, encoding="utf-8")


def search_path(query: str, page: int = 1) -> str:
    return "/search?" + urllib.parse.urlencode({"q": query, "page": page})


@pytest.mark.parametrize(("query", "page"), [("扫地机器人", 1), ("扫地机器人", 2),
                                             ("加湿器", 3), ("静音 加湿器", 1)])
def test_search_page_matches_the_shop(shop: ShopServer, query: str, page: int) -> None:
    result = demoshop.parse_search(fetch(shop, search_path(query, page)), SITE)
    slots, has_next = catalog.result_page(query, page, day=1)
    assert [(i.external_id, ad) for i, ad in result.products] == [
        (s.product.id, s.sponsored) for s in slots]
    assert (result.next_url is not None) == has_next
    first, _ = result.products[0]
    truth = slots[0].product
    assert first.title == truth.title
    assert first.price is not None and first.price.amount == truth.price
    assert first.price.currency == "CNY"
    assert first.shop == truth.shop
    assert first.sales_count == truth.sales


def test_no_results_is_an_empty_page_not_an_error(shop: ShopServer) -> None:
    result = demoshop.parse_search(fetch(shop, search_path("不存在的商品")), SITE)
    assert result.products == [] and result.next_url is None


def test_captcha_is_blocked(shop: ShopServer) -> None:
    shop.set(captcha=1.0)
    with pytest.raises(PageBlocked, match="captcha"):
        demoshop.parse_search(fetch(shop, search_path("扫地机器人")), SITE)
    with pytest.raises(PageBlocked):
        demoshop.parse_product(fetch(shop, "/item/100001.html"), SITE)


def test_unknown_layout_is_layout_changed(shop: ShopServer) -> None:
    with pytest.raises(LayoutChanged):
        demoshop.parse_search(fetch(shop, "/"), SITE)


def test_js_search_shell_has_no_results_over_plain_http(shop: ShopServer) -> None:
    with pytest.raises(LayoutChanged):
        demoshop.parse_search(fetch(shop, "/h5/search?q=%E5%8A%A0%E6%B9%BF%E5%99%A8"), SITE)


@pytest.mark.parametrize("day", [1, 2])
def test_product_page_reads_json_ld(shop: ShopServer, day: int) -> None:
    shop.set(day=day)
    for truth in catalog.catalogue(day)[::37]:
        item = demoshop.parse_product(fetch(shop, f"/item/{truth.id}.html"), SITE)
        assert item.external_id == truth.id
        assert item.title == truth.title
        assert item.price is not None and item.price.amount == truth.price
        assert item.in_stock is truth.in_stock
        assert item.sales_count == truth.sales
        assert item.rating == truth.rating
        assert item.review_count == truth.reviews
        assert item.brand == truth.brand and item.shop == truth.shop
        if truth.list_price > truth.price:
            assert item.list_price is not None and item.list_price.amount == truth.list_price


def test_unreadable_price_is_unknown_not_zero() -> None:
    body = ('<html><head><title>x</title></head><body><ul class="result-list">'
            '<li class="item" data-id="9"><a class="title" href="/item/9.html">t</a>'
            '<span class="price">价格待定</span></li></ul></body></html>').encode()
    result = demoshop.parse_search(HtmlResponse("http://x/search", body=body, encoding="utf-8"),
                                   SITE)
    item, _ = result.products[0]
    assert item.price == Money(None, "CNY", "价格待定")  # unknown, never 0


def test_listing_and_suggestions(shop: ShopServer) -> None:
    listing = demoshop.parse_listing(fetch(shop, "/shop/zhixiang"), SITE)
    own = catalog.shop_products("zhixiang", 1)
    assert [u.rsplit("/", 1)[-1] for u in listing.product_urls] == [
        f"{p.id}.html" for p in own[:12]]
    assert listing.next_url == f"{shop.url}/shop/zhixiang?page=2"
    words = demoshop.parse_suggestions(fetch(shop, "/suggest?q=%E5%8A%A0%E6%B9%BF"), SITE)
    assert words == catalog.suggestions("加湿") == [
        "加湿器", "加湿器 5L大容量", "加湿器 无雾", "加湿器 家用", "加湿器 卧室", "加湿器 纯净型",
        "加湿器 上加水", "加湿器 除菌", "加湿器 母婴", "加湿器 恒湿"]
