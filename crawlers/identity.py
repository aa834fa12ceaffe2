"""Recognise our own listings among search results: by product id, shop name or brand."""

from __future__ import annotations

from config import Config
from crawlers.items import ProductItem


class Identity:
    """Lookups built once per crawl from the config (the pipeline calls them for every item)."""

    def __init__(self, config: Config) -> None:
        self.roles = {(p.site, p.id): p.role for p in config.products}
        self.groups = {(p.site, p.id): p.group for p in config.products}
        self.shops = {"own": set(config.own.shops), "competitor": set(config.competitors.shops)}
        self.brands = {"own": tuple(config.own.brands),
                       "competitor": tuple(config.competitors.brands)}

    def role(self, item: ProductItem) -> str:
        """``own``, ``competitor`` (a watched one) or ``other``: product id, shop, then brand."""
        configured = self.roles.get((item.site, item.external_id))
        if configured:
            return configured
        for role in ("own", "competitor"):
            if item.shop and item.shop in self.shops[role]:
                return role
            if item.brand and item.brand in self.brands[role]:
                return role
            if self.brands[role] and (item.title or "").startswith(self.brands[role]):
                return role
        return "other"

    def group(self, item: ProductItem) -> str | None:
        return self.groups.get((item.site, item.external_id))
