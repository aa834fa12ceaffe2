"""Recognise our own listings among search results: by product id, shop name or brand."""

from __future__ import annotations

from config import Config
from crawlers.items import ProductItem


def is_own(config: Config, item: ProductItem) -> bool:
    own_ids = {(p.site, p.id) for p in config.products if p.role == "own"}
    if (item.site, item.external_id) in own_ids:
        return True
    if item.shop and item.shop in config.own.shops:
        return True
    if item.brand and item.brand in config.own.brands:
        return True
    title = item.title or ""
    return any(title.startswith(brand) for brand in config.own.brands)


def product_group(config: Config, item: ProductItem) -> str | None:
    for product in config.products:
        if product.site == item.site and product.id == item.external_id:
            return product.group
    return None
