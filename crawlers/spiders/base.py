"""Shared plumbing of ShopWatch spiders: target sites, browser requests, error bookkeeping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.http.request import VerboseCookie
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from config import Config, KeywordConfig, SiteConfig
from crawlers.blocks import explain_no_results
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.health import BLOCKED, KEPT_CHARS, KeptPage, SiteHealth
from crawlers.pagetext.decode import response_text
from crawlers.sites import SiteAdapter, get_adapter


class ShopSpider(scrapy.Spider):
    """Base class: reads the Config from the ``SHOPWATCH_CONFIG`` setting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.health: dict[str, SiteHealth] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        return spider

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

    def keywords_of(self, site: SiteConfig) -> list[KeywordConfig]:
        """The tracked keywords of ``site``."""
        return [k for k in self.config.keywords if site.name in self.config.keyword_sites(k)]

    def site_keywords(self) -> Iterator[tuple[SiteConfig, KeywordConfig]]:
        for site in self.target_sites():
            for keyword in self.keywords_of(site):
                yield site, keyword

    def site_health(self, site: str) -> SiteHealth:
        return self.health.setdefault(site, SiteHealth())

    def counted(self, site: SiteConfig, page_type: str, items: list[Any]) -> list[Any]:
        self.site_health(site.name).count(page_type, "items", len(items))
        return items

    def adapter(self, site: SiteConfig) -> SiteAdapter:
        return get_adapter(site.adapter)

    def page_request(self, site: SiteConfig, url: str, callback: Callable[..., Any],
                     page_type: str, **cb_kwargs: Any) -> scrapy.Request:
        """A request for a page of ``site``; through the browser where that page type needs it.

        ``page_type`` is search, listing, product or api (JSON endpoints: never rendered).
        """
        self.site_health(site.name)
        meta: dict[str, Any] = {"site": site.name, "page_type": page_type}
        if site.proxy:
            meta["proxy"] = site.proxy
        if not site.obey_robots_txt:
            meta["dont_obey_robotstxt"] = True
        if page_type != "api" and site.render_for(page_type) == "browser":
            from scrapy_playwright.page import PageMethod

            meta["playwright"] = True
            meta["playwright_context"] = site.name  # one browser context (and login) per site
            if site.storage_state:
                meta["playwright_context_kwargs"] = {"storage_state": site.storage_state}
            wait_for = site.wait_for_page(page_type)
            if wait_for:
                meta["playwright_page_methods"] = [
                    PageMethod("wait_for_selector", wait_for, timeout=15000)]
        headers = {"User-Agent": site.user_agent} if site.user_agent else None
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              headers=headers, cookies=_cookies(site),
                              cb_kwargs={"site": site, **cb_kwargs})

    def on_error(self, failure: Failure) -> None:
        """A download that failed after retries (HTTP error, timeout, refused connection)."""
        request = getattr(failure, "request", None)
        site = request.meta.get("site", "?") if request is not None else "?"
        page_type = request.meta.get("page_type", "page") if request is not None else "page"
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            reason = f"HTTP {response.status} on {response.url}"
            self.site_health(site).keep_page(_kept(response, reason))
        elif (isinstance(failure.value, IgnoreRequest) and request is not None
              and request.meta.get("redirect_times", 0)
              >= self.settings.getint("REDIRECT_MAX_TIMES")):
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            reason = (f"too many redirects on {first} (gave up after "
                      f"{request.meta['redirect_times']}, at {request.url})")
        else:
            name = failure.type.__name__ if failure.type else "error"
            reason = f"{name}: {failure.getErrorMessage()[:200]}"
            if request is not None:
                reason += f" on {request.url}"
        self.site_health(site).error(reason, page_type)

    def on_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to an address of its own chain is a loop, which the duplicate
        filter drops without a word: an error of the page, so the run says what it lost."""
        chain = [canonicalize_url(url) for url in request.meta.get("redirect_urls", [])]
        if canonicalize_url(request.url) not in chain:
            return  # a duplicate, or a redirect to a page crawled anyway: nothing lost
        hops = " → ".join([*request.meta["redirect_urls"], request.url])
        self.site_health(str(request.meta.get("site", "?"))).error(
            f"redirect loop: {hops}", str(request.meta.get("page_type", "page")))

    def parsed(self, site: SiteConfig, response: Response,
               parse: Callable[[TextResponse, SiteConfig], Any], what: str = "") -> Iterator[Any]:
        """Run a parser; a block or a layout change is recorded against the site, not raised.

        A page the parser finds no results on (LayoutChanged) that shows a block marker is a
        block. ``what`` names the request in a block's reason ("keyword “x” page 1").
        """
        health = self.site_health(site.name)
        page_type = str(response.meta.get("page_type", "page")) if response.request else "page"
        health.count(page_type, "pages")
        if not isinstance(response, TextResponse):
            health.error(f"not a text response: {response.url}", page_type)
            return
        try:
            yield parse(response, site)
        except PageBlocked as exc:
            health.block(_block_reason(exc, response, what), page_type)
            health.keep_page(_kept(response, BLOCKED + _block_reason(exc, response, what)))
        except LayoutChanged as exc:
            blocked = explain_no_results(response, site.block_markers)
            reason = (f"layout changed: {exc}" if blocked is None
                      else BLOCKED + _block_reason(blocked, response, what))
            if blocked is None:
                health.error(reason, page_type)
            else:
                health.block(_block_reason(blocked, response, what), page_type)
            health.keep_page(_kept(response, reason))
        except Exception as exc:
            # A parser bug must not pass for a clean crawl: count it, then let Scrapy log it.
            health.error(f"parser error: {type(exc).__name__}: {exc} on {response.url}",
                         page_type)
            raise


def _block_reason(exc: PageBlocked, response: Response, what: str) -> str:
    """“captcha page (“访问验证…”) for keyword “x” page 1 (URL)”: what, where, and which page."""
    url = exc.url or response.url
    reason = exc.reason + (f" for {what}" if what else "")
    return reason if url in reason else f"{reason} ({url})"


def _kept(response: Response, reason: str) -> KeptPage:
    """A blocked or unreadable page as it will be kept: decoded text, cut."""
    content_type = response.headers.get(b"Content-Type") or b""
    return KeptPage(response.url, reason, response_text(response)[:KEPT_CHARS],
                    response.status, content_type.decode("latin-1")[:128] or None)


def _cookies(site: SiteConfig) -> list[VerboseCookie] | None:
    """The site's session cookies: configured ones, and those of its saved storage state.

    Their values are secrets: they go into requests only, never into logs or errors.
    """
    host = urlsplit(site.base_url).hostname or ""
    cookies: list[VerboseCookie] = [{"name": name, "value": value}
                                    for name, value in site.cookies.items()]
    if site.storage_state:
        for cookie in _storage_state_cookies(site.storage_state):
            domain = str(cookie.get("domain", "")).lstrip(".")
            if domain and (host == domain or host.endswith("." + domain)):
                cookies.append({"name": str(cookie["name"]), "value": str(cookie["value"]),
                                "domain": str(cookie["domain"]),
                                "path": str(cookie.get("path", "/"))})
    return cookies or None


@cache
def _storage_state_cookies(path: str) -> list[dict[str, Any]]:
    data = json.loads(Path(path).read_text("utf-8"))
    return [c for c in data.get("cookies", []) if isinstance(c, dict) and "name" in c]
