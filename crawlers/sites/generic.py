"""The ``generic`` adapter: any shop read through selectors from the config.

Product pages are read from schema.org data (JSON-LD, microdata, via extruct) first; the
configured selectors fill what the structured data does not say. Pure functions of a response
and the site's configuration.

Over 300 lines on purpose: every selector-driven page kind of the generic adapter (search,
listing, product, suggestions) shares its selector helpers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

import lxml.html
from lxml import etree
from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from config import PageSelectors, SiteConfig
from crawlers import blocks, fields
from crawlers.errors import LayoutChanged
from crawlers.extract import extract_product, schema
from crawlers.extract.spec import spec_rows
from crawlers.items import ListingPage, Money, ProductItem, SearchPage
from crawlers.pagetext.stock import read_stock, schema_stock
from crawlers.pagetext.text import visible_text

SEARCH_PATH = ""
PRODUCT_PATH = "/{id}"
SUGGEST_PATH = ""
Node = TextResponse | Selector


def _alternatives(selector: str | list[str] | None) -> list[str]:
    if selector is None:
        return []
    return [selector] if isinstance(selector, str) else list(selector)


def _is_xpath(expression: str) -> bool:
    return expression.startswith(("/", "./", "(", ".//"))


def select_nodes(node: Node, selector: str | list[str] | None) -> SelectorList[Selector]:
    """The nodes of the first alternative that matches anything."""
    for expression in _alternatives(selector):
        found = node.xpath(expression) if _is_xpath(expression) else node.css(expression)
        if found:
            return found
    return SelectorList([])


def select_text(node: Node, selector: str | list[str] | None) -> str | None:
    """The (whitespace-normalised) text of the first match; all text of an element match.

    Only an element is read as markup: an attribute or text value is text as it is, also
    when it begins with "<" ("<New> Robot X1")."""
    for found in select_nodes(node, selector):
        if isinstance(found.root, etree._Element):
            value = " ".join(found.xpath(".//text()").getall())
        else:  # ::attr, ::text, @name, text(), string(...), count(...)
            value = found.get()
        value = " ".join((value or "").split())
        if value:
            return value
    return None


def _id(value: str | None, pattern: str | None) -> str | None:
    if value and pattern:
        match = re.search(pattern, value)
        return match.group(1) if match else None
    return value


def _fallback_id(*parts: str | None) -> str:
    """A stable id for an entry without one: a hash of its link or title."""
    seed = next((p for p in parts if p), "")
    return "h" + hashlib.sha1(seed.encode()).hexdigest()[:16]


def _canonical(response: TextResponse) -> str | None:
    """The page's own address: ``<link rel=canonical>`` or ``og:url``, absolute."""
    href = (response.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), "
                           "' canonical ')]/@href").get()
            or response.xpath("//meta[@property='og:url']/@content").get())
    url = response.urljoin(href.strip()) if href and href.strip() else None
    return url if url and url.startswith(("http://", "https://")) else None


def _page_url(response: TextResponse) -> str:
    """The crawled address; for a saved page read without one (a ``file:`` URL), its own."""
    if response.url.startswith(("http://", "https://")):
        return response.url
    return _canonical(response) or response.url


def _structured_id(found: list[tuple[str, dict[str, Any]]]) -> str | None:
    """The product's code in its schema.org data: sku, productID, gtin, mpn (product or offer)."""
    keys = ("sku", "productID", "gtin13", "gtin14", "gtin12", "gtin8", "gtin", "mpn")
    for _, data in found[:1]:
        for entry in (data, *schema.offers(data)):
            for key in keys:
                code = schema.name_of(schema.first(entry.get(key)))
                if code and code.strip():
                    return code.strip()
    return None


def _product_id(response: TextResponse, page: PageSelectors,
                found: list[tuple[str, dict[str, Any]]]) -> str:
    """A product page's id, as search results and listings would give it.

    With an ``id_pattern``: from the crawled address, else the page's canonical one. Without:
    the address itself (what result links give). Then the page's structured code (sku), so a
    saved page read without its address keeps its real id; a hash of the address comes last.
    """
    urls = [u for u in dict.fromkeys((response.url, _canonical(response)))
            if u and u.startswith(("http://", "https://"))]
    for url in urls:
        found_id = _id(url, page.id_pattern)
        if found_id:
            return found_id
    return _structured_id(found) or _fallback_id(response.url)


def read_entry(node: Node, response: TextResponse, site: SiteConfig,
               page: PageSelectors) -> ProductItem:
    """One result or listing entry, by the page type's selectors."""
    href = select_text(node, page.link)
    link = response.urljoin(href) if href else None
    raw_id = select_text(node, page.id) if page.id else link
    external_id = _id(raw_id, page.id_pattern)
    title = select_text(node, page.title)
    price, price_high = Money.parse_range(select_text(node, page.price), site.currency)
    item = ProductItem(
        site=site.name,
        external_id=external_id or _fallback_id(link, title),
        url=link,
        title=title,
        price=price,
        price_high=price_high,
        list_price=Money.parse(select_text(node, page.list_price), site.currency),
        sales_count=fields.parse_count(select_text(node, page.sales)),
        rating=fields.parse_rating(select_text(node, page.rating)),
        review_count=fields.parse_count(select_text(node, page.reviews)),
        shop=select_text(node, page.shop),
        brand=select_text(node, page.brand),
    )
    item.set_stock(*read_stock(select_text(node, page.stock)))
    return item


def _why_empty(response: TextResponse, page: PageSelectors) -> str:
    scripts = len(response.xpath("//script"))
    text = len(visible_text(response.selector).split())
    hint = ""
    if scripts and text < 400:
        hint = (f"; the page has {scripts} <script> blocks and little text, so it is probably "
                f"rendered by JavaScript: set render = \"browser\"")
    return f"no entries match {page.item!r} on {response.url}{hint}"


def _next(response: TextResponse, page: PageSelectors) -> str | None:
    href = select_text(response, page.next)
    return response.urljoin(href) if href else None


def expand_lazy(response: TextResponse, css: str | None) -> Node:
    """The page with each ``css`` element replaced by the HTML held in its text, in place.

    Lazy-loading lists keep their later entries as escaped HTML in a ``<textarea>`` or a
    ``<script type="text/template">`` that JavaScript renders on scroll; what the page shows
    includes them, so they count as entries in page order.
    """
    if not css:
        return response
    document = Selector(text=response.text)
    for node in document.css(css):
        element = node.root
        parent = element.getparent()
        if parent is None:
            continue
        text = element.text or ""
        fragments = [f for f in lxml.html.fragments_fromstring(text) if not isinstance(f, str)] \
            if text.strip() else []
        index = parent.index(element)
        parent.remove(element)
        for offset, fragment in enumerate(fragments):
            parent.insert(index + offset, fragment)
    return Selector(root=document.root)


def _entries(response: TextResponse, site: SiteConfig,
             page: PageSelectors) -> list[tuple[ProductItem, bool]]:
    blocks.check_blocked(response, site.block_markers)
    nodes = select_nodes(expand_lazy(response, page.expand), page.item)
    if not nodes:
        if page.no_results and select_nodes(response, page.no_results):
            return []
        raise LayoutChanged(_why_empty(response, page))
    return [(read_entry(node, response, site, page),
             bool(page.sponsored and select_nodes(node, page.sponsored))) for node in nodes]


def parse_search(response: TextResponse, site: SiteConfig) -> SearchPage:
    page = site.search or PageSelectors()
    return SearchPage(_entries(response, site, page), _next(response, page))


def parse_listing(response: TextResponse, site: SiteConfig) -> ListingPage:
    page = site.listing or PageSelectors()
    items = [item for item, _ad in _entries(response, site, page)]
    urls = [item.url for item in items if page.follow and item.url]
    return ListingPage(urls, items, _next(response, page))


def parse_suggestions(response: TextResponse, site: SiteConfig) -> list[str]:
    """A JSON suggestion endpoint: a list of strings, or of objects with a term field."""
    blocks.check_blocked(response, site.block_markers)
    try:
        data: Any = json.loads(response.text)
    except json.JSONDecodeError as exc:
        raise LayoutChanged(f"suggestions are not JSON on {response.url}") from exc
    return [term for term in _strings(data) if term.strip()]


def _strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for entry in data:
            if isinstance(entry, str | list):
                yield from _strings(entry)
            elif isinstance(entry, dict):
                for key in ("term", "keyword", "query", "q", "value", "text", "name"):
                    if isinstance(entry.get(key), str):
                        yield entry[key]
                        break
    elif isinstance(data, dict):
        for key in ("result", "results", "suggestions", "data", "items"):
            if key in data:
                yield from _strings(data[key])
                return


# -- product pages --------------------------------------------------------------------------
def _apply_schema(item: ProductItem, data: dict[str, Any], site: SiteConfig) -> None:
    """schema.org Product facts override what the selectors read."""
    offers = schema.offers(data)
    offer = offers[0] if offers else {}
    price_text = schema.first(offer.get("price", offer.get("lowPrice")))
    if price_text is not None:
        currency = str(schema.first(offer.get("priceCurrency")) or site.currency)
        item.price = Money.parse(str(price_text), currency, structured=True) or item.price
        low, high = schema.price_range(offer)
        if "price" not in offer and low is not None:  # variants: a range, not one price
            item.price_high = Money.parse(str(high), currency, structured=True)
    item.set_stock(schema_stock(offer.get("availability")))
    rating = schema.first(data.get("aggregateRating")) or {}
    if isinstance(rating, dict):
        item.rating = fields.parse_rating(str(rating.get("ratingValue") or "")) or item.rating
        item.review_count = (fields.parse_count(str(rating.get("reviewCount") or ""))
                             or item.review_count)
    item.title = schema.name_of(data.get("name")) or item.title
    item.brand = schema.name_of(data.get("brand")) or item.brand
    item.shop = schema.name_of(offer.get("seller")) or item.shop


def _fill_from_extractor(item: ProductItem, response: TextResponse, site: SiteConfig,
                         products: list[tuple[str, dict[str, Any]]]) -> None:
    """Where selectors and schema.org found nothing: the generic product-page extractor."""
    found = extract_product(response.text, response.url, products)
    item.title = item.title or found.title
    if (item.price is None or item.price.amount is None) and found.price is not None:
        item.price = Money(found.price, found.currency or site.currency,
                           f"{found.price} ({found.methods.get('price')})")
    if item.list_price is None and found.list_price is not None:
        item.list_price = Money(found.list_price, found.currency or site.currency, None)
    if item.stock_state is None:
        item.set_stock(schema_stock(found.availability))


def parse_product(response: TextResponse, site: SiteConfig) -> ProductItem:
    """A product page: structured data first, then the configured selectors."""
    blocks.check_blocked(response, site.block_markers)
    page = site.product or PageSelectors()
    item = read_entry(response, response, site, page)
    found = schema.products(response.text, response.url)
    item.url = _page_url(response)
    if not page.id:
        item.external_id = _product_id(response, page, found)
    if found:
        _apply_schema(item, found[0][1], site)
    if not item.title or not item.price or item.price.amount is None:
        _fill_from_extractor(item, response, site, found)
    if not item.title and not item.price:
        raise LayoutChanged(f"no product data (structured or by selectors) on {response.url}")
    item.from_product_page = True
    item.attributes = spec_rows(response.selector, found[0][1] if found else None)
    return item
