"""Platform adapters (JD, Taobao / Tmall, Amazon) on the real saved pages of ../shared/realpages.

Expected values come from reading the pages, not from the parsers: counts and first ids in
``tests/fixtures/platforms/expected.json`` were taken with regular expressions over the raw
HTML, titles and prices from the dataset curators' ``pages.json`` (see the fixture README).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from price_parser import Price
from scrapy.http import HtmlResponse, TextResponse

from config import SiteConfig
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.fields import parse_count
from crawlers.items import ProductItem, SearchPage
from crawlers.sites import amazon, jd, taobao
from monitor.cli import main
from tests.support import (
    config_dict,
    keyword,
    realpages,
    serve_directory,
    site_block,
    write_config,
)

EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "platforms" / "expected.json")
                      .read_text("utf-8"))
JD = SiteConfig(name="jd", adapter="jd", base_url="https://search.jd.com")
AMAZON = SiteConfig(name="amazon", adapter="amazon", base_url="https://www.amazon.com")
TAOBAO = SiteConfig(name="taobao", adapter="taobao", base_url="https://s.taobao.com")


def _squash(text: str | None) -> str:
    return "".join((text or "").split())


def _same_title(ours: str | None, theirs: str) -> bool:
    """The curators' sample may append promotion words or cut the title short."""
    a, b = _squash(ours), _squash(theirs)
    return bool(a) and (a in b or b[:40] in a)


def _organic_positions(page: SearchPage) -> list[int]:
    organic, positions = 0, []
    for _item, sponsored in page.products:
        if not sponsored:
            organic += 1
            positions.append(organic)
    return positions


@pytest.mark.parametrize("name", sorted(EXPECTED["jd"]))
def test_jd_search_pages_of_every_layout(name: str) -> None:
    expected = EXPECTED["jd"][name]
    path = realpages("jd_search_wayback") / name
    page = jd.parse_search(HtmlResponse("https://search.jd.com/Search?keyword=x",
                                        body=path.read_bytes()), JD)
    assert len(page.products) == expected["count"]
    assert sum(sponsored for _, sponsored in page.products) == expected["sponsored"]
    if not expected["count"]:
        return  # a "no results" notice: an empty result, not a layout change
    first, _ = page.products[0]
    assert first.external_id == expected["first_id"]
    assert _same_title(first.title, expected["first"]["title"])
    assert first.price is not None and first.price.currency == "CNY"
    if expected["first"]["price"] is None:  # 2013: an image, or filled in by JavaScript
        assert first.price.amount is None
        assert first.price.raw in (jd.PRICE_IMAGE, jd.PRICE_SCRIPT)
    else:
        assert first.price.amount == Decimal(expected["first"]["price"])
    assert all(item.external_id.isdigit() and item.title for item, _ in page.products)
    assert _organic_positions(page) == list(range(1, expected["count"] + 1))


def test_jd_prices_not_in_the_html_are_unknown_with_the_reason_and_completed_by_the_service(
) -> None:
    path = realpages("jd_search_wayback") / "20130515024523_jd.html"
    page = jd.parse_search(HtmlResponse("https://search.jd.com/search?keyword=x",
                                        body=path.read_bytes()), JD)
    assert {item.price.raw for item, _ in page.products if item.price} == {jd.PRICE_IMAGE}
    skus = jd.unknown_price_skus(page)
    assert len(skus) == 36 and skus[0] == "135642"
    url = jd.price_service_url(skus[:2])
    assert url == "https://p.3.cn/prices/mgets?type=1&skuIds=J_135642,J_386713"
    answer = json.dumps([{"id": "J_135642", "p": "599.00", "m": "799.00"},
                         {"id": "J_386713", "p": "-1.00", "m": "0.00"}])
    jd.apply_prices(page, jd.parse_price_service(answer))
    first, second = page.products[0][0], page.products[1][0]
    assert first.price is not None and first.price.amount == Decimal("599.00")
    assert first.list_price is not None and first.list_price.amount == Decimal("799.00")
    assert second.price is not None and second.price.amount is None  # off sale: still unknown
    with pytest.raises(LayoutChanged):
        jd.parse_price_service("<html>busy</html>")


def test_jd_ads_are_told_apart_and_unknown_layouts_raise() -> None:
    path = realpages("jd_search_wayback") / "20171112174728_jd-qing-shang.html"
    html = path.read_text("utf-8").replace(
        '<li data-sku="10796064" class="gl-item">\n\t<div class="gl-i-wrap">',
        '<li data-sku="10796064" class="gl-item">\n\t<div class="gl-i-wrap">'
        '<span class="p-promo-flag">广告</span>', 1)
    page = jd.parse_search(HtmlResponse("https://search.jd.com/Search?keyword=x",
                                        body=html.encode("utf-8")), JD)
    flags = [sponsored for _, sponsored in page.products]
    assert flags[:3] == [False, True, False] and sum(flags) == 1
    assert _organic_positions(page) == list(range(1, 30))
    with pytest.raises(LayoutChanged):
        jd.parse_search(HtmlResponse("https://search.jd.com/Search?keyword=x",
                                     body="<html><body><div id='J_searchWrap'>新版</div>"
                                          "</body></html>".encode()), JD)


def test_jd_expired_login_is_a_block_not_an_empty_result() -> None:
    response = HtmlResponse("https://passport.jd.com/new/login.aspx?ReturnUrl=https%3A%2F%2F"
                            "search.jd.com", body=b"<html><title>JD login</title></html>")
    with pytest.raises(PageBlocked, match="login required"):
        jd.parse_search(response, JD)


def test_jd_suggestions_json_and_jsonp() -> None:
    body = '[{"key": "扫地机器人", "qre": 1}, {"key": "扫地机器人 拖地"}, {"version": "x"}]'
    for text in (body, f"jQuery123({body})"):
        response = TextResponse("https://dd-search.jd.com/?key=x", body=text.encode(),
                                encoding="utf-8")
        assert jd.parse_suggestions(response, JD) == ["扫地机器人", "扫地机器人 拖地"]


@pytest.mark.parametrize("name", sorted(EXPECTED["amazon"]))
def test_amazon_search_pages_of_seven_countries(name: str) -> None:
    expected = EXPECTED["amazon"][name]
    folder = "amazon_in_search_2025" if name.startswith("amazon.in") else "amazon_search_wayback"
    path = realpages(folder) / name
    page = amazon.parse_search(HtmlResponse(expected["url"], body=path.read_bytes()), AMAZON)
    assert len(page.products) == expected["count"]
    assert sum(sponsored for _, sponsored in page.products) == expected["sponsored"]
    first, _ = page.products[0]
    assert first.external_id == expected["first_id"]
    country, _separator = amazon.market(expected["url"], AMAZON)
    currency = amazon.market_currency(country, AMAZON)
    priced = [item.price for item, _ in page.products if item.price and item.price.amount]
    assert {price.currency for price in priced} == {currency}
    if expected["first"]:
        assert _same_title(first.title, expected["first"]["title"])
        shown = expected["first"].get("price")
        if shown:
            assert first.price is not None
            assert first.price.amount == Price.fromstring(
                shown, decimal_separator="," if currency in ("EUR", "BRL") else ".").amount
    assert all(len(item.external_id) == 10 and item.title for item, _ in page.products)


@pytest.mark.parametrize(
    ("url", "text", "amount", "currency"),
    [
        ("https://www.amazon.de/s?k=x", "1.299,00 €", "1299.00", "EUR"),
        ("https://www.amazon.co.jp/s?k=x", "￥1,299", "1299", "JPY"),
        ("https://www.amazon.com.br/s?k=x", "R$ 1.299,00", "1299.00", "BRL"),
        ("https://www.amazon.in/s?k=x", "₹1,499", "1499", "INR"),
        ("https://www.amazon.ca/s?k=x", "$420.73", "420.73", "CAD"),
    ],
)
def test_amazon_prices_in_each_sites_own_format(url: str, text: str, amount: str,
                                                currency: str) -> None:
    html = (f"<html><body><div data-component-type='s-search-result' data-asin='B000000001'>"
            f"<h2><a href='/dp/B000000001'><span>Thing</span></a></h2><span class='a-price'>"
            f"<span class='a-offscreen'>{text}</span></span></div></body></html>")
    page = amazon.parse_search(HtmlResponse(url, body=html.encode("utf-8")), AMAZON)
    price = page.products[0][0].price
    assert price is not None and (price.amount, price.currency) == (Decimal(amount), currency)


def test_amazon_robot_check_pages_are_blocked() -> None:
    folder = realpages("amazon_search_wayback") / "blocked_robot_check"
    pages = sorted(folder.glob("*.html"))
    assert len(pages) == 4
    for path in pages:
        with pytest.raises(PageBlocked):
            amazon.parse_search(HtmlResponse("https://www.amazon.com/s?k=x",
                                             body=path.read_bytes()), AMAZON)


def _taobao_truth() -> list[dict[str, str]]:
    folder = realpages("taobao_search_rendered_2018")
    items: list[dict[str, str]] = json.loads((folder / "pages.json").read_text("utf-8"))["items"]
    return items


def _check_taobao(products: list[tuple[ProductItem, bool]], truth: list[dict[str, str]]) -> None:
    assert len(products) == len(truth)
    for (item, sponsored), expected in zip(products, truth, strict=True):
        assert not sponsored
        assert item.external_id == expected["nid"]
        assert _squash(item.title) == _squash(expected["title"])
        assert item.price is not None and item.price.amount == Decimal(expected["price"])
        assert item.sales_count == parse_count(expected["sales"])
        assert item.shop == expected["shop"]


def test_taobao_rendered_search_page() -> None:
    folder = realpages("taobao_search_rendered_2018")
    response = HtmlResponse("https://s.taobao.com/search?q=ipad",
                            body=(folder / "s.taobao.com_search_q-ipad.html").read_bytes())
    _check_taobao(taobao.parse_search(response, TAOBAO).products, _taobao_truth())


def test_taobao_embedded_g_page_config() -> None:
    folder = realpages("taobao_search_rendered_2018")
    body = (folder / "s.taobao.com_search_q-ipad.g_page_config.json").read_text("utf-8")
    # as a plain HTTP client received it: the object inside the page's script
    html = f"<html><head><script>g_page_config = {body};\ng_srp_loadCss();</script></head></html>"
    page = taobao.parse_search(HtmlResponse("https://s.taobao.com/search?q=ipad",
                                            body=html.encode("utf-8")), TAOBAO)
    _check_taobao(page.products, _taobao_truth()[:36])
    assert parse_count("51601人付款") == 51601 and parse_count("1.2万人付款") == 12000


@pytest.mark.parametrize("name", ["taobao_search_utf8.html", "taobao_search_utf16le_as_saved.html"])
def test_taobao_2026_shell_needs_a_browser_session(name: str) -> None:
    path = realpages("taobao_search_shell_2026") / name
    with pytest.raises(PageBlocked, match="needs a browser session"):
        taobao.parse_search(HtmlResponse("https://s.taobao.com/search?q=x",
                                         body=path.read_bytes()), TAOBAO)


# item id -> (price, struck-through list price, in stock, stock count) of the saved item data
TMALL_ITEMS = {
    583789686010: (Decimal(146), Decimal(258), True, 131764),
    581871359784: (Decimal("124.2"), Decimal(230), True, 100),
    567898584368: (Decimal(178), Decimal(396), True, 34),
    577342018417: (Decimal(1299), Decimal(1399), True, 180),
}


def test_tmall_item_data_with_price_ranges_and_promotion_prices() -> None:
    folder = realpages("tmall_h5_detail_json_2019")
    pages = json.loads((folder / "pages.json").read_text("utf-8"))
    assert len(pages) == 4
    for expected in pages:
        detail = (folder / f"{expected['item_id']}.DATA_Detail.json").read_text("utf-8")
        mdskip = (folder / f"{expected['item_id']}.DATA_Mdskip.json").read_text("utf-8")
        # the two objects as a Tmall mobile item page embeds them
        html = f"<script>var _DATA_Detail = {detail};\nvar _DATA_Mdskip = {mdskip};</script>"
        item = taobao.parse_product(HtmlResponse(
            f"https://detail.m.tmall.com/item.htm?id={expected['item_id']}",
            body=html.encode("utf-8")), TAOBAO)
        assert item.external_id == str(expected["item_id"])
        assert item.title == expected["title"] and item.shop == expected["shop"]
        low = Decimal(expected["price_text"].split("-")[0])
        # the curators noted the price shown first: the promotion price, or (577342018417)
        # the struck-through one next to a 淘抢购 promotion
        assert item.price is not None and item.list_price is not None
        assert low in (item.price.amount, item.list_price.amount)
        assert (item.price.amount, item.list_price.amount, item.in_stock,
                item.stock_count) == TMALL_ITEMS[expected["item_id"]]
    ranged = taobao.item_from_tmall_data(
        json.loads((folder / "577342018417.DATA_Detail.json").read_text("utf-8")),
        json.loads((folder / "577342018417.DATA_Mdskip.json").read_text("utf-8")), TAOBAO)
    # 淘抢购 promotion 1299-1499 is what buyers pay; 1399-1699 is the struck-through price
    assert ranged.price is not None and ranged.price_high is not None
    assert (ranged.price.amount, ranged.price_high.amount) == (Decimal(1299), Decimal(1499))
    assert ranged.list_price is not None and ranged.list_price_high is not None
    assert (ranged.list_price.amount, ranged.list_price_high.amount) == (Decimal(1399),
                                                                         Decimal(1699))
    assert ranged.stock_count == 180


def test_taobao_item_jsonp() -> None:
    path = (realpages("taobao_item_detailskip_jsonp")
            / "detailskip.taobao.com_sib_itemId-587803803792.jsonp")
    item = taobao.parse_product(TextResponse(
        "https://detailskip.taobao.com/service/getData/1/p1/item/detail/sib.htm?"
        "itemId=587803803792", body=path.read_bytes(), encoding="utf-8"), TAOBAO)
    assert item.external_id == "587803803792"
    assert item.price is not None and item.price.amount == Decimal("99.20")
    assert (item.stock_count, item.in_stock, item.sales_count) == (970, True, 23)


def test_extract_site_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = realpages("amazon_search_wayback") / "20210317080154_amazon-pillow-fsa.html"
    code = main(["extract", str(path), "--site", "amazon", "--page", "search", "--json",
                 "--url", "https://www.amazon.com/s?k=pillow+fsa"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["status"] == "ok"
    assert (result["count"], result["sponsored"]) == (60, 12)
    first = result["items"][0]
    assert {"position", "organic_position", "sponsored", "id", "title", "price",
            "currency"} <= set(first)
    assert (first["position"], first["id"], first["price"], first["currency"]) == (
        1, "B0014WXD9I", "27.81", "USD")
    organic = [i["organic_position"] for i in result["items"] if not i["sponsored"]]
    assert organic == list(range(1, 49))


def test_extract_site_reports_blocked_pages(capsys: pytest.CaptureFixture[str]) -> None:
    path = realpages("taobao_search_shell_2026") / "taobao_search_utf8.html"
    code = main(["extract", str(path), "--site", "taobao", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 3 and result["status"] == "blocked"
    assert "needs a browser session" in result["reason"]
    assert main(["extract", str(path), "--site", "nosuchsite"]) == 2


def _jd_crawl(tmp_path: Path, price_service: str | None) -> tuple[Any, list[Any]]:
    import datetime as dt

    from sqlalchemy import select

    from crawlers.runner import crawl_in_child
    from db.models import CrawlRun, Product, ProductSnapshot, RankObservation
    from db.session import session_scope, upgrade

    page = realpages("jd_search_wayback") / "20130515024523_jd.html"
    answer = tmp_path / "mgets.json"
    answer.write_text(json.dumps([{"id": "J_135642", "p": "599.00", "m": "799.00"},
                                  {"id": "J_386713", "p": "-1.00", "m": "-1.00"}]), "utf-8")
    db_url = f"sqlite:///{tmp_path / 'jd.db'}"
    with serve_directory(tmp_path, {"/Search": page, "/prices/mgets": answer}) as url:
        config = write_config(tmp_path / "jd.toml", config_dict(
            db_url, site_block("jd", url, adapter="jd",
                               search_path="/Search?keyword={keyword}&page={page}",
                               search_pages=1, download_delay=0.0, autothrottle=False,
                               price_service=price_service or url + "/prices/mgets"),
            keywords=[keyword("创新", "audio")]))
        upgrade(db_url)
        result = crawl_in_child(str(config), dt.date(2026, 11, 24), ["ranks"], timeout_s=300)
    assert result.returncode == 0, result.stderr_tail
    statement = (select(RankObservation.position, Product.external_id, ProductSnapshot)
                 .join(Product, Product.id == RankObservation.product_id)
                 .join(ProductSnapshot, (ProductSnapshot.product_id == Product.id)
                       & (ProductSnapshot.crawl_run_id == RankObservation.crawl_run_id))
                 .order_by(RankObservation.position))
    with session_scope(db_url) as session:
        run = session.scalars(select(CrawlRun)).one()
        rows = [(p, sku, snap.price, snap.list_price, snap.price_raw)
                for p, sku, snap in session.execute(statement)]
        session.expunge(run)
    return run, rows


def test_jd_crawl_completes_image_prices_from_the_price_service(tmp_path: Path) -> None:
    run, rows = _jd_crawl(tmp_path, None)
    assert run.status == "ok", run.error_summary
    assert [r[0] for r in rows] == list(range(1, 37))
    assert rows[0][1:4] == ("135642", Decimal("599.00"), Decimal("799.00"))
    assert rows[1][1:3] == ("386713", None)  # "-1.00": off sale, still unknown
    assert all(r[2] is None and r[4] == jd.PRICE_IMAGE for r in rows[2:])


def test_jd_crawl_goes_on_when_the_price_service_is_down(tmp_path: Path) -> None:
    run, rows = _jd_crawl(tmp_path, "http://127.0.0.1:9/prices/mgets")
    assert len(rows) == 36 and all(r[2] is None for r in rows)  # unknown, never 0
    assert "127.0.0.1:9" in (run.error_summary or "")


def test_login_validates_and_keeps_a_session_without_printing_secrets(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import time

    from config import load_config

    config = write_config(tmp_path / "shopwatch.toml", config_dict(
        f"sqlite:///{tmp_path / 'x.db'}", site_block("jd", "https://search.jd.com", adapter="jd")))
    future, past = time.time() + 30 * 86400, time.time() - 86400
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"cookies": [
        {"name": "thor", "value": "SECRET-TOKEN-1", "domain": ".jd.com", "path": "/",
         "expires": future},
        {"name": "other", "value": "x", "domain": ".example.com", "path": "/", "expires": -1},
    ], "origins": []}), "utf-8")
    assert main(["login", "jd", "--storage-state", str(state), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "1 cookies for jd.com" in out and "SECRET-TOKEN-1" not in out
    stored = tmp_path / "sessions" / "jd.json"
    assert oct(os.stat(stored).st_mode & 0o777) == "0o600"
    assert load_config(config).sites[0].storage_state == str(stored)

    expired = tmp_path / "expired.json"
    expired.write_text(json.dumps({"cookies": [{"name": "thor", "value": "SECRET-TOKEN-2",
                                                "domain": ".jd.com", "expires": past}]}))
    assert main(["login", "jd", "--storage-state", str(expired), "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert "expired" in captured.out + captured.err
    assert "SECRET-TOKEN-2" not in captured.out + captured.err

    cookies_txt = tmp_path / "cookies.txt"
    cookies_txt.write_text("# Netscape HTTP Cookie File\n"
                           f".jd.com\tTRUE\t/\tTRUE\t{int(future)}\tpin\tSECRET-3\n", "utf-8")
    assert main(["login", "jd", "--storage-state", str(cookies_txt), "--config", str(config)]) == 0
    assert "SECRET-3" not in capsys.readouterr().out
    assert main(["login", "nosuch", "--storage-state", str(state), "--config", str(config)]) == 2
