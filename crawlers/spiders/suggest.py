"""``suggest``: the platform's search suggestions for every tracked keyword (keyword expansion)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from config import KeywordConfig, SiteConfig
from crawlers.items import SuggestionItem
from crawlers.sites import has_suggestions, suggest_url
from crawlers.spiders.base import ShopSpider


class SuggestSpider(ShopSpider):
    name = "suggest"

    def has_work(self, site: SiteConfig) -> bool:
        """A site without a suggestion endpoint has no suggest crawl (and no crawl run)."""
        return has_suggestions(site) and bool(self.keywords_of(site))

    async def start(self) -> AsyncIterator[Any]:
        for site, keyword in self.site_keywords():
            url = suggest_url(site, keyword.term)
            if url is None:
                continue
            request = self.page_request(site, url, self.parse_suggestions, "api",
                                        keyword=keyword)
            # Two sites may share a suggestion API (app and web of one platform): each site's
            # run must get its answer, so the duplicate filter is bypassed.
            yield request.replace(dont_filter=True)

    def parse_suggestions(self, response: Response, site: SiteConfig,
                          keyword: KeywordConfig) -> Iterator[Any]:
        adapter = self.adapter(site)
        what = f"the suggestions of “{keyword.term}”"
        for terms in self.parsed(site, response, adapter.parse_suggestions, what):
            yield from self.counted(site, "api", [SuggestionItem(site.name, keyword.term, terms)])
