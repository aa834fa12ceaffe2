"""JD (search.jd.com): search results of every layout from 2013 to 2018, suggestions, prices.

Pure functions of a response. Two result-list generations are known:

* 2013-2015: ``#plist li[sku]`` (``li[bookid]`` in the book channel), price in
  ``strong[data-price]`` or, in 2013, only as an image (``jprice.360buyimg.com/price/gp<sku>``);
* 2015-2018: ``#J_goodsList li.gl-item[data-sku]``, price in ``.p-price strong i`` (empty in
  the served HTML where JavaScript fills it in), comments in ``.p-commit``, shop in
  ``.p-shop`` / ``.p-shopnum``.

A price JD does not put in the HTML is recorded as unknown with the reason, and
``price_service_url`` / ``parse_price_service`` complete it from JD's batch price service.
Ads carry JD's 广告 label. JD requires a logged-in session for search now: the redirect to
passport.jd.com raises PageBlocked("login required").
"""

from __future__ import annotations

import json
import re

from parsel import Selector
from scrapy.http import TextResponse

from config import SiteConfig
from crawlers import blocks
from crawlers.errors import LayoutChanged
from crawlers.fields import parse_count, parse_json
from crawlers.items import ListingPage, Money, ProductItem, SearchPage
from crawlers.pagetext.decode import response_text
from crawlers.pagetext.stock import StockState, read_stock
from crawlers.pagetext.text import visible_text

# JD's page numbers count half-pages (1, 3, 5, ...); the spider follows the page's own next link.
SEARCH_PATH = "https://search.jd.com/Search?keyword={keyword}&enc=utf-8&page={page}"
PRODUCT_PATH = "https://item.jd.com/{id}.html"
SUGGEST_PATH = "https://dd-search.jd.com/?terminal=pc&newjson=1&key={keyword}"
PRICE_SERVICE = "https://p.3.cn/prices/mgets?type=1&skuIds={ids}"

NO_RESULTS = ("抱歉，没有找到", "没有找到与", "抱歉，图书分类下没有找到")
AD_LABELS = ("广告",)
PRICE_IMAGE = "price shown as an image"
PRICE_SCRIPT = "price filled in by JavaScript"


def _doc(response: TextResponse) -> Selector:
    """The page decoded strictly (GBK pages, pages whose meta charset lies)."""
    return Selector(text=response_text(response))


def _text(node: Selector | None) -> str:
    return visible_text(node) if node is not None else ""


def _price(node: Selector) -> Money:
    """The price as the served HTML shows it, else unknown with the reason."""
    box = node.css(".p-price")
    strong = box.css("strong")
    data_price = strong.attrib.get("data-price") if strong else None
    if data_price and data_price not in ("0", "0.00", "-1"):
        return Money.parse(data_price, "CNY", structured=True) or Money(None, "CNY", data_price)
    text = _text(box.css("strong i")[0]) if box.css("strong i") else ""
    if not text and strong:
        text = _text(strong[0])
    parsed = Money.parse(text, "CNY") if re.search(r"\d", text) else None
    if parsed is not None and parsed.amount is not None and parsed.amount > 0:
        return parsed
    if box.css("img"):
        return Money(None, "CNY", PRICE_IMAGE)
    return Money(None, "CNY", PRICE_SCRIPT)


def _title(node: Selector) -> str | None:
    link = node.css(".p-name a")
    if not link:
        return None
    em = link.css("em")
    source = em[0] if em else link[0]
    # the 2015 book channel prefixes a "推荐>>" tag; ad words are an empty placeholder
    parts = source.xpath(".//text()[not(ancestor::*[contains(@class, 'p-promo-tag')])]"
                         "[not(ancestor::*[contains(@class, 'promo-words')])]").getall()
    title = " ".join("".join(parts).split())  # highlighted keywords are separate text nodes
    return title or (link.attrib.get("title") or "").strip() or None


def _shop(node: Selector) -> str | None:
    for selector in (".p-shop a", ".p-shop span", ".p-shopnum a", ".p-shopnum .curr-shop",
                     ".p-shopnum span"):
        found = node.css(selector)
        if found and _text(found[0]):
            return _text(found[0])
    return None


def _stock(node: Selector) -> tuple[StockState, int | None]:
    text = _text(node.css(".p-stock, .stocklist")[0]) if node.css(".p-stock, .stocklist") else ""
    if text.startswith("海外"):
        return StockState.UNKNOWN, None  # "海外无货": told a viewer abroad, not the stock at home
    return read_stock(text)


def _sponsored(node: Selector) -> bool:
    labels = node.css(".p-promo-flag, .p-ad, .ad-tag")
    return any(label in _text(x) for x in labels for label in AD_LABELS)


def _items(doc: Selector) -> list[tuple[Selector, str]]:
    """(node, sku) of every result slot, in page order, whichever layout the page has."""
    found = [(n, n.attrib["data-sku"]) for n in doc.css("#J_goodsList li.gl-item[data-sku]")]
    if not found:
        found = [(n, n.attrib.get("sku") or n.attrib.get("bookid") or "")
                 for n in doc.css("#plist li[sku], #plist li[bookid]")]
    return [(node, sku) for node, sku in found if sku.isdigit()]


def parse_search(response: TextResponse, site: SiteConfig) -> SearchPage:
    """Slots of one JD search result page in page order, with the sponsored flag."""
    blocks.check_blocked(response, site.block_markers)
    doc = _doc(response)
    slots = _items(doc)
    if not slots:
        notices = doc.css(".notice-search, .notice-filter-noresult, .ns-content, .check-error")
        notice = _text(notices[0]) if notices else ""
        if any(marker in notice for marker in NO_RESULTS):
            return SearchPage()
        raise LayoutChanged(f"no JD result list (#J_goodsList li.gl-item, #plist li[sku]) and "
                            f"no 'no results' notice on {response.url}")
    page = SearchPage()
    for node, sku in slots:
        href = node.css(".p-name a::attr(href), .p-img a::attr(href)").get()
        item = ProductItem(
            site=site.name,
            external_id=sku,
            url=response.urljoin(href) if href else None,
            title=_title(node),
            price=_price(node),
            list_price=Money.parse(node.css(".p-market del::text").get(), "CNY"),
            # "已有3277人评价", "50+", "1.2万+"
            review_count=parse_count(_text(node.css(".p-commit strong, .extra a")[0])
                                     if node.css(".p-commit strong, .extra a") else None),
            shop=_shop(node),
        )
        item.set_stock(*_stock(node))
        if item.list_price is not None and not item.list_price.amount:
            item.list_price = None  # "定价：￥0.00": no list price
        page.products.append((item, _sponsored(node)))
    next_href = doc.css("a.pn-next::attr(href), a.next::attr(href)").get()
    page.next_url = (response.urljoin(next_href)
                     if next_href and not next_href.startswith("javascript") else None)
    return page


def unknown_price_skus(page: SearchPage) -> list[str]:
    """SKUs whose price the page did not carry (image, JavaScript): for the price service."""
    return [item.external_id for item, _ in page.products
            if item.price is not None and item.price.amount is None]


def price_service_url(skus: list[str]) -> str:
    """One batch request for a page of SKUs (JD's own price service)."""
    return PRICE_SERVICE.format(ids=",".join(f"J_{sku}" for sku in skus))


def parse_price_service(text: str) -> dict[str, tuple[Money, Money | None]]:
    """{sku: (price, list price)} from ``[{"id": "J_135642", "p": "599.00", "m": "799.00"}]``;
    "-1.00" (no price: off sale) stays unknown."""
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayoutChanged("JD price service answer is not JSON") from exc
    prices: dict[str, tuple[Money, Money | None]] = {}
    for row in rows if isinstance(rows, list) else []:
        sku = str(row.get("id", "")).removeprefix("J_")
        raw = str(row.get("p", "")).strip()
        price = Money.parse(raw, "CNY", structured=True)
        if not sku or price is None:
            continue
        if price.amount is None or price.amount <= 0:  # "-1.00": off sale
            price = Money(None, "CNY", "no price (off sale)")
        market = Money.parse(str(row.get("m", "")).strip(), "CNY", structured=True)
        prices[sku] = (price, market if market and market.amount and market.amount > 0 else None)
    return prices


def apply_prices(page: SearchPage, prices: dict[str, tuple[Money, Money | None]]) -> None:
    for item, _ in page.products:
        if item.price is not None and item.price.amount is None and item.external_id in prices:
            item.price, listed = prices[item.external_id]
            item.list_price = item.list_price or listed


def parse_product(response: TextResponse, site: SiteConfig) -> ProductItem:
    """An item.jd.com page through the generic product extractor (schema.org, DOM)."""
    from crawlers.sites import generic  # the generic adapter holds the extractor glue

    return generic.parse_product(response, site)


def parse_listing(response: TextResponse, site: SiteConfig) -> ListingPage:
    """A JD shop's list page has the search result layouts."""
    return ListingPage.of_search(parse_search(response, site))


def parse_suggestions(response: TextResponse, site: SiteConfig) -> list[str]:
    """JD's suggestion endpoint: ``[{"key": "扫地机器人", "qre": ...}, ...]`` (JSON or JSONP)."""
    blocks.check_blocked(response, site.block_markers)
    data = parse_json(response.text)
    if data is None:
        raise LayoutChanged(f"JD suggestions are not JSON on {response.url}")
    rows = data if isinstance(data, list) else data.get("result", []) if isinstance(
        data, dict) else []
    terms = []
    for row in rows:
        term = row.get("key") or row.get("keyword") if isinstance(row, dict) else row
        if isinstance(term, str) and term.strip() and term.strip() not in terms:
            terms.append(term.strip())
    return terms
