"""Adapter for the bundled demo shop: search results, item pages, shop listings, suggestions.

Pure functions of a response; no I/O, no clock, no settings.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from scrapy.http import HtmlResponse, TextResponse

from config import SiteConfig
from crawlers import blocks
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.extract import schema
from crawlers.extract.spec import spec_rows
from crawlers.items import ListingPage, Money, ProductItem, SearchPage
from crawlers.pagetext.stock import StockState, in_stock, read_stock, schema_stock

SEARCH_PATH = "/search?q={keyword}&page={page}"
PRODUCT_PATH = "/item/{id}.html"
SUGGEST_PATH = "/suggest?q={keyword}"


def check_blocked(response: TextResponse, site: SiteConfig) -> None:
    """Raise PageBlocked for a captcha or verification page (generic and shop markers)."""
    blocks.check_blocked(response, site.block_markers)
    if isinstance(response, HtmlResponse) and response.css(".captcha-box"):
        raise PageBlocked("captcha page", response.url)


def _int(text: str | None) -> int | None:
    match = re.search(r"\d+", (text or "").replace(",", ""))
    return int(match.group()) if match else None


def _decimal(text: object) -> Decimal | None:
    try:
        return Decimal(str(text).strip()) if text not in (None, "") else None
    except InvalidOperation:
        return None


def parse_search(response: TextResponse, site: SiteConfig) -> SearchPage:
    """Slots of one search result page in page order, with the sponsored flag."""
    check_blocked(response, site)
    currency = site.currency
    results = response.css("ul.result-list")
    if not results:
        if response.css(".no-result"):
            return SearchPage()
        raise LayoutChanged(f"no result list on {response.url}")
    page = SearchPage(next_url=None)
    for node in results.css("li.item"):
        external_id = node.attrib.get("data-id")
        if not external_id:
            raise LayoutChanged(f"result item without data-id on {response.url}")
        item = ProductItem(
            site=site.name,
            external_id=external_id,
            url=response.urljoin(node.css("a.title::attr(href)").get("")),
            title=(node.css("a.title::text").get() or "").strip() or None,
            price=Money.parse(node.css(".price::text").get(), currency),
            list_price=Money.parse(node.css(".list-price::text").get(), currency),
            shop=(node.css(".shop::text").get() or "").strip() or None,
            sales_count=_int(node.css(".sales::text").get()),
            rating=_decimal(node.css(".rating::text").get()),
        )
        item.set_stock(*read_stock(node.css(".stock::text").get()))
        sponsored = "ad" in node.attrib.get("class", "").split() or bool(node.css(".ad-tag"))
        page.products.append((item, sponsored))
    next_href = response.css(".pager a.next::attr(href)").get()
    page.next_url = response.urljoin(next_href) if next_href else None
    return page


def parse_product(response: TextResponse, site: SiteConfig) -> ProductItem:
    """A product page: schema.org JSON-LD first, the visible page as fallback."""
    check_blocked(response, site)
    currency = site.currency
    found = schema.products(response.text, response.url)
    ld = found[0][1] if found else {}
    offers = schema.offers(ld)
    offer = offers[0] if offers else {}
    external_id = str(ld.get("sku") or response.css(".detail::attr(data-id)").get() or "")
    if not external_id:
        raise LayoutChanged(f"no product id on {response.url}")
    price_text = offer.get("price")
    price = (Money.parse(str(price_text), str(offer.get("priceCurrency") or currency),
                         structured=True)
             if price_text is not None else Money.parse(response.css(".price::text").get(),
                                                        currency))
    state = schema_stock(offer.get("availability"))
    if state is StockState.UNKNOWN:
        state = read_stock(response.css(".stock::text").get())[0]
    rating = ld.get("aggregateRating") or {}
    rating = rating if isinstance(rating, dict) else {}
    brand = ld.get("brand")
    seller = offer.get("seller")
    return ProductItem(
        site=site.name,
        external_id=external_id,
        url=response.url,
        title=str(ld.get("name") or response.css("h1.title::text").get("")).strip() or None,
        price=price,
        list_price=Money.parse(response.css(".list-price::text").get(), currency),
        in_stock=in_stock(state),
        stock_state=None if state is StockState.UNKNOWN else state.value,
        sales_count=_int(response.css(".sales::attr(data-value)").get()),
        rating=_decimal(rating.get("ratingValue")),
        review_count=_int(str(rating.get("reviewCount") or "")),
        shop=str(seller.get("name")) if isinstance(seller, dict) else
        (response.css(".shop a::text").get() or None),
        brand=str(brand.get("name")) if isinstance(brand, dict) else
        (str(brand) if brand else None),
        from_product_page=True,
        attributes=spec_rows(response.selector, ld),
    )


def parse_listing(response: TextResponse, site: SiteConfig) -> ListingPage:
    """A shop page: the product links and the next page."""
    check_blocked(response, site)
    if not response.css("ul.shop-items"):
        raise LayoutChanged(f"no shop item list on {response.url}")
    urls = [response.urljoin(h) for h in response.css("ul.shop-items a.title::attr(href)").getall()]
    next_href = response.css(".pager a.next::attr(href)").get()
    return ListingPage(urls, [], response.urljoin(next_href) if next_href else None)


def parse_suggestions(response: TextResponse, site: SiteConfig) -> list[str]:
    check_blocked(response, site)
    try:
        data = json.loads(response.text)
    except json.JSONDecodeError as exc:
        raise LayoutChanged(f"suggestions are not JSON on {response.url}") from exc
    return [str(term) for term in data.get("result", []) if str(term).strip()]
