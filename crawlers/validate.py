"""Validate items before they are stored: impossible values become unknown, never invented."""

from __future__ import annotations

from decimal import Decimal

from scrapy.exceptions import DropItem

from crawlers.items import Money, ProductItem

MAX_TITLE = 1000
MAX_RATING = Decimal(10)


def _money(value: Money | None) -> Money | None:
    if value is not None and value.amount is not None and value.amount < 0:
        return Money(None, value.currency, value.raw)
    return value


def _count(value: int | None) -> int | None:
    return value if value is None or value >= 0 else None


def clean_product(item: ProductItem) -> ProductItem:
    """Fix what can be fixed in place; drop an entry that has no identity at all."""
    item.external_id = (item.external_id or "").strip()
    if not item.external_id:
        raise DropItem(f"product without an id on {item.url or item.site}")
    item.title = " ".join(item.title.split())[:MAX_TITLE] or None if item.title else None
    item.price = _money(item.price)
    item.list_price = _money(item.list_price)
    if item.rating is not None and not Decimal(0) <= item.rating <= MAX_RATING:
        item.rating = None
    item.sales_count = _count(item.sales_count)
    item.review_count = _count(item.review_count)
    item.stock_count = _count(item.stock_count)
    return item


def price_unknown(item: ProductItem) -> bool:
    """The page showed a price text that could not be read (stored as unknown, counted)."""
    return item.price is not None and item.price.amount is None
