"""Assemble one Extraction from all sources, most trusted first, recording each field's method."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawlers.extract import dom, schema
from crawlers.pagetext.currency import country_of_url, currency_of, decimal_separator
from crawlers.pagetext.price import parse_price
from crawlers.pagetext.stock import schema_name, schema_stock

SURE_SCORE = 12.0  # a currency-marked price right beside the main title (see dom.price_candidates)
FIELDS = ("title", "price", "price_high", "currency", "list_price", "sku", "availability")
STATE_SCRIPTS = re.compile(
    r"(?:window\.__INITIAL_STATE__|window\.__PRELOADED_STATE__|g_page_config)\s*=\s*(\{.*?\})\s*;"
    r"\s*(?:\n|</script>|window\.|$)", re.S)


@dataclass(frozen=True)
class PageLocale:
    separator: str | None  # the decimal separator where the page's language or domain says
    country: str | None  # the shop's country (its domain), for symbols several share

    def iso(self, written: str | None) -> str | None:
        """ISO code of a currency as written (crawlers.pagetext.currency); None: unknown."""
        return currency_of(written, self.country) if written and written.strip() else None


@dataclass
class Extraction:
    title: str | None = None
    price: Decimal | None = None
    price_high: Decimal | None = None  # the top of a range (variants): price is its low end
    currency: str | None = None
    list_price: Decimal | None = None
    sku: str | None = None
    availability: str | None = None  # schema.org's name: InStock, OutOfStock, PreOrder, …
    methods: dict[str, str] = field(default_factory=dict)

    def offer(self, name: str, value: Any, method: str) -> None:
        """Set ``name`` unless a more trusted source already did."""
        if value in (None, "") or getattr(self, name) is not None:
            return
        setattr(self, name, value)
        self.methods[name] = method

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            data[name] = str(value) if isinstance(value, Decimal) else value
        data["methods"] = dict(self.methods)
        return data


def _amount(value: Any, page: PageLocale) -> tuple[Decimal | None, str | None]:
    """(amount, ISO currency it shows) of a structured price value ("1299.00", 1299, "€12")."""
    value = schema.first(value)
    if value is None or isinstance(value, bool | dict | list):
        return None, None
    parsed = parse_price(value if isinstance(value, int | float) else str(value),
                         country=page.country, decimal_separator=page.separator,
                         structured=True)
    if parsed is None or parsed.amount is None or parsed.amount <= 0:
        return None, None
    return parsed.amount, parsed.currency


def _availability(value: Any) -> str | None:
    """A structured availability value as schema.org names it; None where it says nothing."""
    return schema_name(schema_stock(value)) if value not in (None, "") else None


def _offer_amount(offer: dict[str, Any], page: PageLocale) -> Decimal | None:
    return _amount(offer.get("price", offer.get("lowPrice")), page)[0]


def _code(value: Any) -> str | None:
    """A product code as published; "TE502955-1293415 Housse de canapé" -> its first token."""
    text = schema.name_of(value)
    if text and " " in text:
        head = text.split()[0]
        return head if re.search(r"\d", head) and len(head) >= 4 else text
    return text


def _from_schema(result: Extraction, found: list[tuple[str, dict[str, Any]]], doc: Selector,
                 page: PageLocale, visible: Decimal | None) -> None:
    heading = dom.main_title(doc)
    h1 = " ".join((heading.xpath("normalize-space(.)").get() or "").split()) if heading else ""
    # the page's own product: the one named like the main heading, else the first
    found = sorted(found, key=lambda e: 0 if h1 and schema.name_of(e[1].get("name")) == h1 else 1)
    for syntax, product in found[:1]:
        method = f"schema.org {syntax}"
        result.offer("title", schema.name_of(product.get("name")), method)
        result.offer("sku", _code(product.get("sku") or product.get("productID")), method)
        states = [_availability(o.get("availability")) for o in schema.offers(product)]
        if "InStock" in states:  # one variant in stock: the product can be bought
            result.offer("availability", "InStock", method)
        all_offers = schema.offers(product)
        amounts = [_offer_amount(o, page) for o in all_offers]
        if visible is not None and visible in amounts and len(set(amounts)) > 1:
            # several prices (list and sale, or variants): the one the page shows as its price
            all_offers.insert(0, all_offers.pop(amounts.index(visible)))
        for offer in all_offers:
            spec = schema.first(offer.get("priceSpecification")) or {}
            spec = spec if isinstance(spec, dict) else {}
            raw = offer.get("price", offer.get("lowPrice", spec.get("price")))
            amount, written = _amount(raw, page)
            currency = schema.first(offer.get("priceCurrency") or spec.get("priceCurrency"))
            if result.price is None and amount is not None and "price" not in offer:
                low, high = schema.price_range(offer)
                if low is not None and _amount(low, page)[0] == amount:
                    result.offer("price_high", _amount(high, page)[0], method)
            result.offer("price", amount, method)
            if amount is not None:
                result.offer("currency", page.iso(str(currency or "")) or written, method)
            result.offer("availability", _availability(offer.get("availability")), method)
            result.offer("sku", _code(offer.get("sku")), method)


def _from_meta(result: Extraction, doc: Selector, page: PageLocale) -> None:
    amount, written = _amount(schema.meta(doc, "product:price:amount", "og:price:amount",
                                          "price", "twitter:data1"), page)
    result.offer("price", amount, "meta tags")
    if amount is not None:
        currency = schema.meta(doc, "product:price:currency", "og:price:currency",
                               "priceCurrency", "currency") or written
        result.offer("currency", page.iso(currency), "meta tags")
    result.offer("availability", _availability(
        schema.meta(doc, "product:availability", "og:availability", "availability")),
        "meta tags")
    result.offer("sku", schema.meta(doc, "product:retailer_item_id", "product:sku", "sku"),
                 "meta tags")
    result.offer("title", schema.meta(doc, "og:title", "twitter:title"), "meta tags")


def _from_state(result: Extraction, doc: Selector, page: PageLocale) -> None:
    """Embedded application state (Next.js, Redux-style, Taobao's g_page_config)."""
    texts = doc.xpath('//script[@id="__NEXT_DATA__"]/text()').getall()
    for script in doc.xpath("//script[not(@src)]/text()").getall():
        texts += [m.group(1) for m in STATE_SCRIPTS.finditer(script)]
    for text in texts:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            continue
        for entry in _state_products(data):
            amount, written = _amount(entry.get("price") or entry.get("salePrice"), page)
            result.offer("price", amount, "embedded state JSON")
            if amount is not None:
                result.offer("currency", page.iso(str(entry.get("currency") or "")) or written,
                             "embedded state JSON")
            result.offer("sku", schema.name_of(entry.get("sku")), "embedded state JSON")
            return


def _state_products(data: Any) -> list[dict[str, Any]]:
    """Dicts that look like a product: a name or title, and a price."""
    return [d for d in schema.walk(data)
            if ("name" in d or "title" in d) and ("price" in d or "salePrice" in d)
            and not isinstance(d.get("price"), dict | list)][:1]


def _from_dom(result: Extraction, doc: Selector, page: PageLocale,
              prices: tuple[dom.PriceCandidate | None, dom.PriceCandidate | None],
              labelled_code: str | None) -> None:
    heading = dom.main_title(doc)
    if heading is not None:
        result.offer("title", " ".join((heading.xpath("normalize-space(.)").get() or "").split()),
                     "DOM: main heading")
    result.offer("title", dom.page_title(doc), "DOM: page title")
    price, listed = prices
    if price is not None:
        result.offer("price", price.amount, "DOM: price beside the title")
        result.offer("currency", price.currency, "DOM: price beside the title")
    if listed is not None:
        result.offer("list_price", listed.amount, "DOM: struck-through price")
    result.offer("sku", labelled_code, "DOM: labelled product code")
    result.offer("sku", dom.sku_from_scripts(doc), "embedded state JSON")
    result.offer("sku", dom.sku_from_inputs(doc), "DOM: product code form field")
    result.offer("availability", dom.availability_from_page(doc), "DOM: buy button and stock text")


def _code_in_url(url: str | None) -> str | None:
    """Last resort: the numeric product id at the end of the address (".../One-987929.html")."""
    path = urlsplit(url or "").path.rstrip("/")
    last = re.sub(r"\.(html?|php|aspx?)$", "", path.rsplit("/", 1)[-1])
    tokens = [t for t in re.split(r"[-_.,]", last) if t.isdigit() and len(t) >= 5]
    return tokens[-1] if tokens else None


def _prefer_code_in_url(result: Extraction, url: str | None) -> None:
    """A structured sku with a variant suffix ("MKI6IKW1N4-1") whose base is the id in the
    address: the base is the product's code."""
    sku, path = result.sku, urlsplit(url or "").path
    if sku and "-" in sku and sku not in path:
        base = sku.rsplit("-", 1)[0]
        if len(base) >= 5 and base in path:
            result.sku = base


def extract_product(html: str, url: str | None = None,
                    products: list[tuple[str, dict[str, Any]]] | None = None) -> Extraction:
    """All that a product page says about its own product; unsure fields stay None.

    ``products`` is ``schema.products(html, url)`` where the caller has it already.
    """
    doc = Selector(text=html)
    country = country_of_url(url)
    page = PageLocale(decimal_separator(doc.xpath("/html/@lang").get(), country), country)
    result = Extraction()
    # A code the page shows under an explicit label is what shoppers and staff quote; the
    # structured sku is often an internal variant id. Model numbers (rank 2) only come last.
    codes = dom.labelled_codes(doc)
    shop_codes = [code for rank, _at, code in codes if rank < 2]
    result.offer("sku", shop_codes[0] if shop_codes else None, "DOM: labelled product code")
    candidates = dom.price_candidates(doc, page.separator, page.country)
    prices = dom.best_prices(candidates)
    found = schema.products(html, url) if products is None else products
    shown = prices[0]
    if shown is not None and shown.score >= SURE_SCORE and shown.currency and found:
        # The buyer sees this price beside the title; structured data whose price the page
        # shows nowhere as a price (a cached value, an auction's starting price) yields to it.
        structured = {_offer_amount(o, page) for _syntax, product in found[:1]
                      for o in schema.offers(product)} - {None}
        if structured and not structured & {c.amount for c in candidates}:
            result.offer("price", shown.amount, "DOM: price beside the title "
                                                "(structured data's price is not shown)")
            result.offer("currency", shown.currency, "DOM: price beside the title")
    _from_schema(result, found, doc, page, prices[0].amount if prices[0] else None)
    _from_meta(result, doc, page)
    _from_state(result, doc, page)
    _from_dom(result, doc, page, prices, codes[0][2] if codes else None)

    result.offer("sku", _code_in_url(url), "URL: product id")
    _prefer_code_in_url(result, url)
    listed = result.list_price
    if listed is not None and (result.price is None or listed <= result.price):
        result.list_price = None
        result.methods.pop("list_price", None)
    return result
