"""Taobao and Tmall: search results (embedded ``g_page_config`` JSON or the rendered DOM) and
item data (Tmall's mobile ``_DATA_Detail`` / ``_DATA_Mdskip`` objects, Taobao's "sib" JSONP).

Pure functions of a response. Prices are what the buyer pays (活动价 / 券后价 / 到手价) with the
struck-through price as the list price; a price range "1399-1699" keeps its low end as the price
and its high end in ``price_high``. The search page that Taobao serves a plain HTTP client since
2024 has no items (JavaScript renders them): it raises PageBlocked("needs a browser session"),
never "0 results".
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from config import SiteConfig
from crawlers import blocks
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.fields import parse_count, parse_json
from crawlers.items import ListingPage, Money, ProductItem, SearchPage
from crawlers.pagetext.decode import response_text

SEARCH_PATH = "https://s.taobao.com/search?q={keyword}&s={page}"
PRODUCT_PATH = "https://detail.m.tmall.com/item.htm?id={id}"
SUGGEST_PATH = "https://suggest.taobao.com/sug?code=utf-8&q={keyword}"

G_PAGE_CONFIG = re.compile(r"g_page_config\s*=\s*(\{.*?\})\s*;\s*(?:\n|g_srp_|</script>)", re.S)
NEEDS_BROWSER = ("needs a browser session: Taobao's search page renders its results with "
                 "JavaScript (set render = \"browser\" and a logged-in storage state)")


def price_range(text: Any) -> tuple[Money | None, Money | None]:
    """"1399-1699" -> (1399, 1699); "146" -> (146, None); "" -> (None, None)."""
    low, high = Money.parse_range(str(text) if text not in (None, "") else None, "CNY")
    return (low if low is not None and low.amount is not None else None), high


def _page_config(text: str) -> dict[str, Any] | None:
    data = parse_json(text) if text.lstrip().startswith("{") else None
    if data is None:
        match = G_PAGE_CONFIG.search(text)
        data = parse_json(match.group(1)) if match else None
    return data if isinstance(data, dict) and "mods" in data else None


def _from_page_config(config: dict[str, Any], site: SiteConfig, page: SearchPage) -> None:
    auctions = (((config.get("mods") or {}).get("itemlist") or {}).get("data") or {}).get(
        "auctions") or []
    for entry in auctions:
        nid = str(entry.get("nid") or "")
        if not nid.isdigit():
            continue
        price, high = price_range(entry.get("view_price"))
        item = ProductItem(site=site.name, external_id=nid,
                           url=f"https:{entry['detail_url']}" if str(
                               entry.get("detail_url", "")).startswith("//") else None,
                           title=str(entry.get("raw_title") or entry.get("title") or "") or None,
                           price=price, sales_count=parse_count(str(entry.get("view_sales") or "")),
                           review_count=parse_count(str(entry.get("comment_count") or "")),
                           shop=str(entry.get("nick") or "") or None)
        item.price_high = high
        # p4p (paid) entries carry p4p flags; organic ones an empty p4pTags list
        sponsored = bool(entry.get("p4p")) or bool(entry.get("isP4p"))
        page.products.append((item, sponsored))


def _from_dom(doc: Selector, response: TextResponse, site: SiteConfig, page: SearchPage) -> None:
    for node in doc.css(".m-itemlist .items .item[data-category]"):
        link = node.css(".title a, a.pic-link")
        nid = (link.attrib.get("data-nid") if link else None) or ""
        if not nid.isdigit():
            continue
        price, high = price_range(" ".join(node.css(".price strong::text").getall()))
        title = " ".join("".join(node.css(".title a ::text").getall()).split())
        # the shop's name: the last text of the shop link (after its rating stars, if any)
        names = [t.strip() for t in node.css(".shop .shopname ::text").getall() if t.strip()]
        shop = names[-1] if names else ""
        href = link.attrib.get("href") if link else None
        item = ProductItem(site=site.name, external_id=nid, title=title or None,
                           url=response.urljoin(href) if href else None, price=price,
                           sales_count=parse_count(node.css(".deal-cnt::text").get()),
                           shop=shop or None)
        item.price_high = high
        sponsored = node.attrib.get("data-category") == "p4p" or bool(node.css(".icon-ad, "
                                                                                ".p4p-tag"))
        page.products.append((item, sponsored))


def parse_search(response: TextResponse, site: SiteConfig) -> SearchPage:
    """Slots of one Taobao search page: the rendered result list (a browser session), else the
    embedded g_page_config (what a plain HTTP client got until 2018)."""
    blocks.check_blocked(response, site.block_markers)
    text = response_text(response)
    page = SearchPage()
    doc = Selector(text=text)
    _from_dom(doc, response, site, page)  # what the buyer sees, personalised slots included
    if page.products:
        return page
    config = _page_config(text)
    if config is not None:
        _from_page_config(config, site, page)
        if page.products or (config.get("mods") or {}).get("noresult", {}).get("status") == "show":
            return page
    if doc.css("#mainsrp-noresult .combo-noresult, .m-noresult"):
        return page
    if doc.css("#root") and not doc.css(".m-itemlist"):
        raise PageBlocked(NEEDS_BROWSER, response.url)
    raise LayoutChanged(f"no Taobao result list (g_page_config auctions, .m-itemlist .item) on "
                        f"{response.url}")


def _count(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _low_price(value: Any) -> Money | None:
    low, _high = price_range(value)
    return low


def item_from_tmall_data(detail: dict[str, Any], mdskip: dict[str, Any],
                         site: SiteConfig) -> ProductItem:
    """A Tmall mobile item from its two embedded objects: static item data and the dynamic
    price/stock. The buyer-facing price (``price.price``: 活动价, promotions) is the price; the
    struck-through ``extraPrices`` entry the list price; ranges keep both ends."""
    item_data = detail.get("item") or {}
    item_id = str(item_data.get("itemId") or (mdskip.get("item") or {}).get("itemId") or "")
    if not item_id:
        raise LayoutChanged("Tmall item data without itemId")
    prices = mdskip.get("price") or {}
    price, high = price_range((prices.get("price") or {}).get("priceText"))
    struck = [p for p in prices.get("extraPrices") or [] if p.get("lineThrough")]
    listed, listed_high = price_range(struck[0].get("priceText")) if struck else (None, None)
    skus = (mdskip.get("skuCore") or {}).get("sku2info") or {}
    total = skus.get("0") or {}
    quantity = _count(total.get("quantity"))
    trade = mdskip.get("trade") or {}
    item = ProductItem(
        site=site.name, external_id=item_id, title=str(item_data.get("title") or "") or None,
        url=f"https://detail.tmall.com/item.htm?id={item_id}", price=price, list_price=listed,
        stock_count=quantity,
        in_stock=(quantity > 0 if quantity is not None
                  else trade.get("buyEnable") if isinstance(trade.get("buyEnable"), bool)
                  else None),
        shop=str((detail.get("seller") or {}).get("shopName") or "") or None,
        from_product_page=True)
    item.price_high, item.list_price_high = high, listed_high
    return item


def item_from_sib(data: dict[str, Any], item_id: str, site: SiteConfig) -> ProductItem:
    """Taobao's "sib" dynamic item data (``onSibRequestSuccess({...})``): the promotion price
    where one applies to every buyer, else the price; original price; stock; units sold."""
    body = data.get("data") or {}
    original = _low_price(((body.get("originalPrice") or {}).get("def") or {}).get("price"))
    promo_prices = [p for p in ((body.get("promotion") or {}).get("promoData") or {}).get(
        "def", []) if isinstance(p, dict) and p.get("price") and not p.get("loginPromotion")]
    price = _low_price(promo_prices[0]["price"]) if promo_prices else None
    price = price or _low_price(body.get("price")) or original
    stock = _count((body.get("dynStock") or {}).get("sellableQuantity"))
    sold = (body.get("soldQuantity") or {}).get("soldTotalCount")
    return ProductItem(site=site.name, external_id=item_id,
                       url=f"https://item.taobao.com/item.htm?id={item_id}", price=price,
                       list_price=original if original and price and original.amount != price.amount
                       else None,
                       stock_count=stock, in_stock=stock > 0 if stock is not None else None,
                       sales_count=parse_count(str(sold or "")), from_product_page=True)


TMALL_OBJECTS = re.compile(r"var\s+_DATA_(Detail|Mdskip)\s*=\s*(\{.*?\})\s*;?\s*(?=var\s+_DATA_|"
                           r"</script>|$)", re.S)


def parse_product(response: TextResponse, site: SiteConfig) -> ProductItem:
    """A Tmall mobile item page (its ``_DATA_Detail`` / ``_DATA_Mdskip`` scripts) or a Taobao
    sib JSONP answer."""
    blocks.check_blocked(response, site.block_markers)
    text = response_text(response)
    objects = {name: parse_json(body) for name, body in TMALL_OBJECTS.findall(text)}
    if isinstance(objects.get("Detail"), dict) and isinstance(objects.get("Mdskip"), dict):
        return item_from_tmall_data(objects["Detail"], objects["Mdskip"], site)
    data = parse_json(text)
    if isinstance(data, dict) and "originalPrice" in (data.get("data") or {}):
        item_id = re.search(r"itemId=(\d+)", response.url)
        return item_from_sib(data, item_id.group(1) if item_id else "", site)
    raise LayoutChanged(f"no Tmall item data (_DATA_Detail/_DATA_Mdskip) or Taobao sib JSON on "
                        f"{response.url}")


def parse_listing(response: TextResponse, site: SiteConfig) -> ListingPage:
    return ListingPage.of_search(parse_search(response, site))


def parse_suggestions(response: TextResponse, site: SiteConfig) -> list[str]:
    """Taobao's suggest endpoint: ``{"result": [["扫地机器人", "12345"], ...]}`` (JSON/JSONP)."""
    data = parse_json(response.text)
    if not isinstance(data, dict):
        raise LayoutChanged(f"Taobao suggestions are not JSON on {response.url}")
    terms: list[str] = []
    for row in data.get("result") or []:
        term = row[0] if isinstance(row, list) and row else row
        if isinstance(term, str) and term.strip() and term.strip() not in terms:
            terms.append(term.strip())
    return terms
