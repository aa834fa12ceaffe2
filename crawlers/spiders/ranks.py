"""``ranks``: search result pages of every tracked keyword on every site, up to a depth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from config import KeywordConfig, SiteConfig
from crawlers.items import RankItem, SearchPage
from crawlers.sites import price_service_of, search_url
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
        what = f"keyword “{keyword.term}” page {page}"
        for result in self.parsed(site, response, adapter.parse_search, what):
            service = self.price_service(site, result)
            if service is None:
                yield from self.slots(result, site, keyword, page, position, organic)
                continue
            # Prices the page left out (JD: shown as images or filled in by JavaScript) come
            # from the platform's batch price service; the slots follow its answer.
            context = {"result": result, "keyword": keyword, "page": page,
                       "position": position, "organic": organic}
            request = self.page_request(site, service, self.parse_prices, "api", **context)
            yield request.replace(errback=self.prices_failed)

    def price_service(self, site: SiteConfig, result: SearchPage) -> str | None:
        """The batch price request for a page's missing prices, if the platform has one."""
        service = price_service_of(site)
        skus = service.unknown_price_skus(result) if service is not None else []
        if service is None or not skus:
            return None
        url = service.price_service_url(skus)
        if site.price_service:  # another host (a mirror, a test server), same query
            url = site.price_service + url[url.index("?"):]
        return url

    def parse_prices(self, response: Response, site: SiteConfig, result: SearchPage,
                     keyword: KeywordConfig, page: int, position: int,
                     organic: int) -> Iterator[Any]:
        service = price_service_of(site)
        assert service is not None  # the request was made from it
        what = f"the prices of keyword “{keyword.term}” page {page}"
        for prices in self.parsed(site, response,
                                  lambda r, _s: service.parse_price_service(r.text), what):
            service.apply_prices(result, prices)
        yield from self.slots(result, site, keyword, page, position, organic)

    def prices_failed(self, failure: Failure) -> Iterator[Any]:
        """The price service is down: the slots go on with their prices unknown."""
        self.on_error(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield from self.slots(kwargs["result"], kwargs["site"], kwargs["keyword"],
                              kwargs["page"], kwargs["position"], kwargs["organic"])

    def slots(self, result: SearchPage, site: SiteConfig, keyword: KeywordConfig, page: int,
              position: int, organic: int) -> Iterator[Any]:
        counted = result.slots(position, organic)
        for item, sponsored, at, organic_at in counted:
            self.site_health(site.name).count("search", "items")
            yield RankItem(site=site.name, keyword=keyword.term, page=page, position=at,
                           organic_position=organic_at, sponsored=sponsored, product=item)
        position += len(counted)
        organic += sum(1 for _item, sponsored, _at, _organic in counted if not sponsored)
        # Pages are fetched one after another: positions continue from the page before.
        if result.next_url and page < site.search_pages:
            yield self.page_request(site, result.next_url, self.parse_results, "search",
                                    keyword=keyword, page=page + 1, position=position,
                                    organic=organic)
