"""``listings``: watched product pages, and shop/category listings with their pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from config import SiteConfig
from crawlers.sites import product_url
from crawlers.spiders.base import ShopSpider


class ListingsSpider(ShopSpider):
    name = "listings"

    def has_work(self, site: SiteConfig) -> bool:
        return bool(site.listing_paths) or any(p.site == site.name for p in self.config.products)

    async def start(self) -> AsyncIterator[Any]:
        for site in self.target_sites():
            for product in self.config.products:
                if product.site == site.name:
                    url = product.url or product_url(site, product.id)
                    yield self.page_request(site, url, self.parse_product, "product")
            for path in site.listing_paths:
                yield self.page_request(site, site.base_url + path, self.parse_listing,
                                        "listing")

    def parse_listing(self, response: Response, site: SiteConfig) -> Iterator[Any]:
        adapter = self.adapter(site)
        for listing in self.parsed(site, response, adapter.parse_listing):
            yield from self.counted(site, "listing", listing.items)
            for url in listing.product_urls:
                yield self.page_request(site, url, self.parse_product, "product")
            if listing.next_url:
                yield self.page_request(site, listing.next_url, self.parse_listing, "listing")

    def parse_product(self, response: Response, site: SiteConfig) -> Iterator[Any]:
        adapter = self.adapter(site)
        for item in self.parsed(site, response, adapter.parse_product):
            yield from self.counted(site, "product", [item])
