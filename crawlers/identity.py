"""Recognise our own listings among search results: by product id, shop name or brand."""

from __future__ import annotations

from config import Config
from crawlers.items import ProductItem


class Identity:
    """Lookups built once per crawl from the config (the pipeline calls them for every item)."""

    def __init__(self, config: Config) -> None:
        self.own_ids = {(p.site, p.id) for p in config.products if p.role == "own"}
        self.groups = {(p.site, p.id): p.group for p in config.products}
        self.own_shops = set(config.own.shops)
        self.own_brands = tuple(config.own.brands)

    def is_own(self, item: ProductItem) -> bool:
        if (item.site, item.external_id) in self.own_ids:
            return True
        if item.shop and item.shop in self.own_shops:
            return True
        if item.brand and item.brand in self.own_brands:
            return True
        return (item.title or "").startswith(self.own_brands)

    def group(self, item: ProductItem) -> str | None:
        return self.groups.get((item.site, item.external_id))
