"""Product facts from structured data: schema.org (JSON-LD, microdata, RDFa) and meta tags."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import extruct
from parsel import Selector

PRODUCT_TYPES = {"product", "productgroup", "individualproduct", "productmodel", "vehicle",
                 "book", "car"}
def _types(entry: dict[str, Any]) -> set[str]:
    kind = entry.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds if k}


def walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict in nested JSON-LD / microdata, depth first (mainEntity, @graph, ...)."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from walk(value)


def _property_case(data: Any) -> Any:
    """schema.org properties are lowerCamelCase; pages write ``"Offers"`` or ``"Price"`` too.
    Such a key is read as its lowerCamel form (where that is not also present)."""
    if isinstance(data, list):
        return [_property_case(value) for value in data]
    if not isinstance(data, dict):
        return data
    fixed: dict[str, Any] = {}
    for key, value in data.items():
        name = key.lower() if key.isupper() else (
            key[0].lower() + key[1:] if key[:1].isupper() else key)
        if name in fixed and name != key:
            continue  # the lowerCamel form wins
        fixed[name] = _property_case(value)
    return fixed


SYNTAX_MARKERS = (("json-ld", "ld+json"), ("microdata", "itemscope"), ("rdfa", "typeof"))


def products(html: str, url: str | None) -> list[tuple[str, dict[str, Any]]]:
    """(syntax, product dict) for every schema.org Product on the page, in page order."""
    # each syntax only where its marker is on the page: extruct's RDFa pass alone costs
    # ~15 ms a page, and a Product needs a type (typeof=, itemscope/itemtype, "@type")
    lowered = html.lower()
    syntaxes = [syntax for syntax, marker in SYNTAX_MARKERS if marker in lowered]
    try:
        data = extruct.extract(html, base_url=url, syntaxes=syntaxes, uniform=True,
                               errors="ignore") if syntaxes else {}
    except (ValueError, TypeError, AttributeError):
        data = {}
    found: list[tuple[str, dict[str, Any]]] = []
    for syntax in ("json-ld", "microdata", "rdfa"):
        for entry in walk(_property_case(data.get(syntax, []))):
            if _types(entry) & PRODUCT_TYPES and not _is_offer_item(entry):
                found.append((syntax, entry))
    if not data.get("json-ld") and "ld+json" in lowered:
        found += [("json-ld", e) for e in _lenient_json_ld(html)]
    return found


def _is_offer_item(entry: dict[str, Any]) -> bool:
    return "itemOffered" in entry


def _lenient_json_ld(html: str) -> Iterable[dict[str, Any]]:
    """JSON-LD that extruct rejects (trailing commas, raw newlines): parsed leniently."""
    for script in Selector(text=html).xpath(
            '//script[contains(@type, "ld+json")]/text()').getall():
        text = re.sub(r",\s*([}\]])", r"\1", script.strip().rstrip(";"))
        try:
            data = json.loads(text, strict=False)
        except json.JSONDecodeError:
            continue
        for entry in walk(_property_case(data)):
            if _types(entry) & PRODUCT_TYPES:
                yield entry


def offers(product: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's offers, flattened (AggregateOffer's inner offers after its own range)."""
    found: list[dict[str, Any]] = []
    stack = [product.get("offers")]
    while stack:
        value = stack.pop(0)
        if isinstance(value, list):
            stack[0:0] = value
        elif isinstance(value, dict):
            found.append(value)
            if "offers" in value:
                stack.append(value["offers"])
    for variant in product.get("hasVariant") or []:
        if isinstance(variant, dict):
            found += offers(variant)
    return found


def price_range(offer: dict[str, Any]) -> tuple[Any, Any]:
    """(low, high) of an AggregateOffer that spans several prices (variants); (None, None)
    for a single price."""
    low, high = first(offer.get("lowPrice")), first(offer.get("highPrice"))
    if low in (None, "") or high in (None, "") or str(low).strip() == str(high).strip():
        return None, None
    return low, high


def first(value: Any) -> Any:
    while isinstance(value, list):
        value = value[0] if value else None
    return value


def name_of(value: Any) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        value = first(value.get("name"))
    return str(value).strip() if value not in (None, "") else None


def meta(doc: Selector, *names: str) -> str | None:
    """The first non-empty <meta property|name|itemprop=...> content among ``names``."""
    for name in names:
        value = doc.xpath(f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]'
                          "/@content").get()
        if value and value.strip():
            return value.strip()
    return None
