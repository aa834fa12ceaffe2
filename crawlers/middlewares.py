"""Downloader middlewares: exponential backoff before a retried request goes out again, and
one decoding of every page.

Scrapy's RetryMiddleware re-schedules a failed request at once; a server that answered 503
or timed out is better given time. ``BackoffMiddleware`` waits ``retry_backoff_s * 2**(n-1)``
seconds (capped) before the n-th retry of a request, without holding a download slot.

``DecodeMiddleware`` re-decodes every text response with ``crawlers.pagetext.decode`` (the
one decoder: a GBK page declared UTF-8, a BOM, a quoted charset) so that every parser reads
the same text as ``shopwatch extract`` does.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from config import Config
from crawlers.pagetext.decode import decoded

MAX_BACKOFF_S = 60.0


class BackoffMiddleware:
    def __init__(self, config: Config) -> None:
        self.base = {site.name: site.retry_backoff_s for site in config.sites}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        return cls(crawler.settings["SHOPWATCH_CONFIG"])

    def delay(self, request: Request) -> float:
        retries = int(request.meta.get("retry_times", 0))
        if retries <= 0 or request.meta.get("backoff_waited") == retries:
            return 0.0
        base = self.base.get(str(request.meta.get("site")), 0.0)
        return float(min(MAX_BACKOFF_S, base * 2 ** (retries - 1)))

    async def process_request(self, request: Request) -> None:
        delay = self.delay(request)
        if delay > 0:
            request.meta["backoff_waited"] = request.meta.get("retry_times")
            await asyncio.sleep(delay)


class DecodeMiddleware:
    """Text responses with their body re-encoded as UTF-8 from the one decoder's text."""

    def process_response(self, request: Request, response: Response) -> Response:
        return decoded(response) if isinstance(response, TextResponse) else response
