"""Shared plumbing of ShopWatch spiders: target sites, browser requests, error bookkeeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from config import Config, SiteConfig
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.health import SiteHealth
from crawlers.sites import SiteAdapter, get_adapter


class ShopSpider(scrapy.Spider):
    """Base class: reads the Config from the ``SHOPWATCH_CONFIG`` setting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.health: dict[str, SiteHealth] = {}

    @property
    def config(self) -> Config:
        config: Config = self.settings["SHOPWATCH_CONFIG"]
        return config

    def target_sites(self) -> list[SiteConfig]:
        wanted = self.settings.getlist("SHOPWATCH_SITES")
        return [s for s in self.config.sites if not wanted or s.name in wanted]

    def has_work(self, site: SiteConfig) -> bool:
        """Whether this spider has anything to crawl on ``site`` (a crawl run is recorded)."""
        raise NotImplementedError

    def site_health(self, site: str) -> SiteHealth:
        return self.health.setdefault(site, SiteHealth())

    def adapter(self, site: SiteConfig) -> SiteAdapter:
        return get_adapter(site.adapter)

    def page_request(self, site: SiteConfig, url: str, callback: Callable[..., Any],
                     browser: bool = True, **cb_kwargs: Any) -> scrapy.Request:
        """A request for a page of ``site``; through the browser where the site needs one.

        ``browser=False`` is for JSON endpoints, which never need rendering.
        """
        self.site_health(site.name)
        meta: dict[str, Any] = {"site": site.name}
        if browser and site.render == "browser":
            from scrapy_playwright.page import PageMethod

            meta["playwright"] = True
            if site.wait_for:
                meta["playwright_page_methods"] = [
                    PageMethod("wait_for_selector", site.wait_for, timeout=15000)]
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              cb_kwargs={"site": site, **cb_kwargs})

    def on_error(self, failure: Failure) -> None:
        """A download that failed after retries (HTTP error, timeout, refused connection)."""
        request = getattr(failure, "request", None)
        site = request.meta.get("site", "?") if request is not None else "?"
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            reason = f"HTTP {response.status} on {response.url}"
        else:
            name = failure.type.__name__ if failure.type else "error"
            reason = f"{name}: {failure.getErrorMessage()[:200]}"
            if request is not None:
                reason += f" on {request.url}"
        self.site_health(site).error(reason)

    def parsed(self, site: SiteConfig, response: Response,
               parse: Callable[[TextResponse], Any]) -> Iterator[Any]:
        """Run a parser; a block or a layout change is recorded against the site, not raised."""
        health = self.site_health(site.name)
        health.pages += 1
        if not isinstance(response, TextResponse):
            health.error(f"not a text response: {response.url}")
            return
        try:
            yield parse(response)
        except PageBlocked as exc:
            health.block(exc.reason)
        except LayoutChanged as exc:
            health.error(f"layout changed: {exc}")
        except Exception as exc:
            # A parser bug must not pass for a clean crawl: count it, then let Scrapy log it.
            health.error(f"parser error: {type(exc).__name__}: {exc} on {response.url}")
            raise
