"""``ranks``: search result pages of every tracked keyword on every site, up to a depth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from config import KeywordConfig, SiteConfig
from crawlers.items import RankItem
from crawlers.sites import search_url
from crawlers.spiders.base import ShopSpider


class RanksSpider(ShopSpider):
    name = "ranks"

    def has_work(self, site: SiteConfig) -> bool:
        return bool(self.keywords_of(site))

    async def start(self) -> AsyncIterator[Any]:
        for site, keyword in self.site_keywords():
            yield self.page_request(site, search_url(site, keyword.term, 1), self.parse_results,
                                    "search", keyword=keyword, page=1, position=0, organic=0)

    def parse_results(self, response: Response, site: SiteConfig, keyword: KeywordConfig,
                      page: int, position: int, organic: int) -> Iterator[Any]:
        adapter = self.adapter(site)
        for result in self.parsed(site, response, adapter.parse_search):
            for item, sponsored in result.products:
                position += 1
                organic += 0 if sponsored else 1
                self.site_health(site.name).count("search", "items")
                yield RankItem(site=site.name, keyword=keyword.term, page=page, position=position,
                               organic_position=None if sponsored else organic,
                               sponsored=sponsored, product=item)
            # Pages are fetched one after another: positions continue from the page before.
            if result.next_url and page < site.search_pages:
                yield self.page_request(site, result.next_url, self.parse_results, "search",
                                        keyword=keyword, page=page + 1, position=position,
                                        organic=organic)


