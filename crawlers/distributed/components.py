"""The Scrapy parts a worker's crawl runs with (``worker_settings`` puts them together).

- ``FleetScheduler``: scrapy-redis's scheduler and ``RFPDupeFilter`` on the day's keys; it
  takes requests of its sites' queues into the worker's doing list (``Ledger.take``);
- the spiders (``FleetListings``, ``FleetRanks``, ``FleetSuggest``): the usual spiders, with
  no start requests of their own (the coordinator seeded them) and a ``PageDone`` mark after
  each request's output, errors included;
- ``FleetSpiderMiddleware``: the ``PageDone`` mark after a callback's output;
- ``FleetPipeline``: the database pipeline on the coordinator's crawl runs; after each batch
  is stored, the requests it came from leave the doing list with their counts (``finish``);
- ``FleetRateLimit``: a site's concurrency and delay for the whole fleet (``ratelimit``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit

import redis
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueue
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

from config import Config
from config.schema import DistributedConfig
from crawlers.distributed.keys import DayKeys, FleetKeys, connect
from crawlers.distributed.ledger import Ledger
from crawlers.distributed.ratelimit import FleetLimiter
from crawlers.distributed.serial import RequestSerializer
from crawlers.health import SiteHealth
from crawlers.pipelines import DatabasePipeline
from crawlers.settings import build_settings
from crawlers.spiders.base import ShopSpider
from crawlers.spiders.listings import ListingsSpider
from crawlers.spiders.ranks import RanksSpider
from crawlers.spiders.suggest import SuggestSpider
from crawlers.validate import clean_term
from db import repo
from db.session import session_scope

logger = logging.getLogger(__name__)
RAW = "sw_raw"  # request meta: the request as queued (how the doing list knows it)
EXIT_REDIS = 5  # the crawl child's exit status when Redis failed under it
FLUSH_S = 1.0  # a finished page waits at most this long for its batch to be written


def fleet(config: Config) -> DistributedConfig:
    if config.distributed is None:
        raise ValueError("no [distributed] section in the config")
    return config.distributed


def ledger_for(config: Config, day: dt.date, epoch: str, server: Any = None) -> Ledger:
    settings = fleet(config)
    server = server if server is not None else connect(settings)
    queues = [(spider, site.name) for spider in ("listings", "ranks", "suggest")
              for site in config.sites]
    return Ledger(server, DayKeys(settings.key_prefix, day, epoch), settings.key_ttl_s, queues)


def encode(request: scrapy.Request, spider: scrapy.Spider, serializer: RequestSerializer
           ) -> bytes:
    """The request as stored in a queue (without the mark of the request it came from)."""
    if RAW in request.meta:
        request = request.replace(meta={k: v for k, v in request.meta.items() if k != RAW})
    return serializer.dumps(request.to_dict(spider=spider))


class FleetScheduler(Scheduler):
    """scrapy-redis's scheduler on the ledger: per-site queues, a doing list per worker."""

    def __init__(self, crawler: Crawler) -> None:
        config: Config = crawler.settings["SHOPWATCH_CONFIG"]
        self.ledger = ledger_for(config, crawler.settings["SHOPWATCH_DAY"],
                                 crawler.settings["SHOPWATCH_EPOCH"])
        super().__init__(self.ledger.server, persist=True)
        self.worker: str = crawler.settings["SHOPWATCH_WORKER"]
        self.sites = [s.name for s in config.sites
                      if not crawler.settings.getlist("SHOPWATCH_SITES")
                      or s.name in crawler.settings.getlist("SHOPWATCH_SITES")]
        self.serializer = RequestSerializer(config)
        self.stats = crawler.stats
        self.turn = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open(self, spider: scrapy.Spider) -> None:
        self.spider = spider
        # the queue object only lends scrapy-redis's request (de)coding
        self.queue = RedisQueue(self.server, spider, self.ledger.keys.queue(spider.name, "*"),
                                serializer=self.serializer)
        self.df = RFPDupeFilter(self.server, key=self.ledger.keys.seen(spider.name))

    def close(self, reason: str) -> None:
        """The queues and the duplicate filter are the fleet's: they stay."""

    def __len__(self) -> int:
        return sum(int(self.server.llen(self.ledger.keys.queue(self.spider.name, site)))
                   for site in self.sites)

    def enqueue_request(self, request: scrapy.Request) -> bool:
        try:
            return self._enqueue(request)
        except redis.RedisError as exc:
            # A request that cannot be queued would be a gap once its parent page is marked
            # done: the crawl child ends at once instead, and everything it had in hand goes
            # back to the queues (a retry, not a gap).
            logger.critical("Redis refused a new request, the crawl child stops: %s", exc)
            os._exit(EXIT_REDIS)

    def _enqueue(self, request: scrapy.Request) -> bool:
        site = str(request.meta.get("site") or "")
        came_from = request.meta.get(RAW)  # a retry or redirect of a request in hand
        if not request.dont_filter and self.df.request_seen(request):
            if came_from is not None:
                self.ledger.handoff(self.spider.name, self.worker, came_from, site, None)
            return False
        raw = encode(request, self.spider, self.serializer)
        if came_from is not None:
            self.ledger.handoff(self.spider.name, self.worker, came_from, site, raw)
        else:
            self.ledger.push(self.spider.name, site, [raw])
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> scrapy.Request | None:
        try:
            return self._next()
        except redis.RedisError as exc:  # the spider goes idle and closes (see on_idle)
            logger.warning("Redis: no request taken: %s", exc)
            return None

    def _next(self) -> scrapy.Request | None:
        for _ in range(len(self.sites)):
            site = self.sites[self.turn % len(self.sites)]
            self.turn += 1
            raw = self.ledger.take(self.spider.name, site, self.worker)
            if raw is not None:
                request: scrapy.Request = self.queue._decode_request(raw)
                request.meta[RAW] = raw
                self.stats.inc_value("scheduler/dequeued/redis")
                return request
        return None

    def has_pending_requests(self) -> bool:
        try:
            return len(self) > 0
        except redis.RedisError:
            return False


@dataclass
class PageDone:
    """Marks the end of a request's output (an item, so that it reaches the pipeline after
    the request's items)."""

    spider: str
    raw: bytes


class FleetHealth(SiteHealth):
    """A site's health whose blocks slow the whole fleet down on that site."""

    on_block: Any = None

    def block(self, reason: str, page_type: str = "page") -> None:
        super().block(reason, page_type)
        if self.on_block is not None:
            self.on_block()


class FleetSpider(ShopSpider):
    """A spider of a worker: it stays open while the day has work anywhere in the fleet
    (other workers' pages bring new requests), as scrapy-redis's ``RedisSpider`` stays open
    while its queue may fill, and closes when the day is done or lost."""

    limiter: FleetLimiter
    ledger: Ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        config = spider.config
        spider.ledger = ledger_for(config, crawler.settings["SHOPWATCH_DAY"],
                                   crawler.settings["SHOPWATCH_EPOCH"])
        spider.limiter = FleetLimiter(spider.ledger.server, FleetKeys(fleet(config).key_prefix))
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def on_idle(self) -> None:
        state = self.ledger.server.get(self.ledger.keys.state)  # Redis down: raises, closes
        if state == b"crawling" and self.ledger.outstanding() > 0:
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[Any]:
        """The coordinator seeded the day's first requests: nothing to add."""
        return
        yield  # an async generator

    def site_health(self, site: str) -> SiteHealth:
        health = self.health.get(site)
        if health is None:
            health = self.health[site] = FleetHealth()
            if site in {s.name for s in self.config.sites}:
                settings = self.config.site(site)
                base = max(settings.retry_backoff_s, settings.download_delay, 1.0)
                health.on_block = lambda: self.limiter.blocked(site, base)
        return health

    def on_error(self, failure: Failure) -> Iterator[Any]:  # type: ignore[override]
        super().on_error(failure)
        yield from _done(self.name, getattr(failure, "request", None))


def _done(spider: str, request: scrapy.Request | None) -> Iterator[PageDone]:
    raw = request.meta.get(RAW) if request is not None else None
    if raw is not None:
        yield PageDone(spider, raw)


class FleetListings(FleetSpider, ListingsSpider):
    pass


class FleetRanks(FleetSpider, RanksSpider):
    def prices_failed(self, failure: Failure) -> Iterator[Any]:
        yield from super().prices_failed(failure)
        yield from _done(self.name, getattr(failure, "request", None))


class FleetSuggest(FleetSpider, SuggestSpider):
    pass


FLEET_SPIDERS: dict[str, type[FleetSpider]] = {
    "listings": FleetListings, "ranks": FleetRanks, "suggest": FleetSuggest}


class FleetSpiderMiddleware:
    """After a callback's output (or its exception), the request's ``PageDone`` mark."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _marks(self, response: Response) -> list[PageDone]:
        spider = self.crawler.spider
        return list(_done(spider.name if spider else "?", response.request))

    def process_spider_output(self, response: Response, result: Iterable[Any]
                              ) -> Iterator[Any]:
        try:
            yield from result
        except Exception:
            yield from self._marks(response)  # a parser bug: counted, logged, not retried
            raise
        yield from self._marks(response)

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for item in result:
                yield item
        except Exception:
            for mark in self._marks(response):
                yield mark
            raise
        for mark in self._marks(response):
            yield mark


class FleetPipeline(DatabasePipeline):
    """Stores items on the coordinator's crawl runs; does not begin or finish runs."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.ledger = ledger_for(self.config, self.day, crawler.settings["SHOPWATCH_EPOCH"])
        self.fleet_keys = FleetKeys(fleet(self.config).key_prefix)
        self.worker: str = crawler.settings["SHOPWATCH_WORKER"]
        self.marks: list[tuple[str, bytes]] = []
        self.first_mark = 0.0
        self.pushed: dict[str, dict[str, int]] = {}  # site -> counter field -> pushed
        self.pushed_reasons: dict[str, set[str]] = {}
        # connected before the spider's idle check: what is done leaves the doing list first
        crawler.signals.connect(self.flush, signal=signals.spider_idle)

    def open_spider(self) -> None:
        spider = self.spider
        runs = self.ledger.runs()
        with session_scope(self.config.database_url) as session:
            for site in spider.target_sites():
                run = runs.get(f"{site.name}/{spider.name}")
                if run is None:
                    continue
                run_id, attempt, site_id = (int(x) for x in run.split(":"))
                self.runs[site.name] = (site_id, run_id, attempt)
                for keyword in spider.keywords_of(site):
                    term = clean_term(keyword.term)
                    self.keyword_ids[site.name, term] = repo.ensure_keyword(
                        session, site_id, term, keyword.group)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageDone):
            if not self.marks:
                self.first_mark = time.monotonic()
            self.marks.append((item.spider, item.raw))
            if time.monotonic() - self.first_mark >= FLUSH_S:
                self.flush()
            return item
        return super().process_item(item)

    def flush(self) -> None:
        super().flush()  # raises when the database refuses: the marks stay, pages retried
        counts, reasons, pages = self._health_deltas()
        marks, self.marks = self.marks, []
        self.ledger.finish(self.worker, marks, counts, reasons)
        if pages:
            key = self.fleet_keys.worker(self.worker)
            pipe = self.ledger.server.pipeline(transaction=False)
            pipe.hincrby(key, "pages", pages)
            last = [r for texts in reasons.values() for r in texts]
            if last:
                pipe.hset(key, "last_error", last[-1][:300])
            pipe.expire(key, int(fleet(self.config).heartbeat_s * 3) + 1)
            pipe.execute()

    def _health_deltas(self) -> tuple[dict[str, int], dict[str, list[str]], int]:
        counts: dict[str, int] = {}
        reasons: dict[str, list[str]] = {}
        pages = 0
        name = self.spider.name
        for site, health in self.spider.health.items():
            if site not in self.runs:
                continue
            now = {f"{site}/{name}/{ptype}/{counter}": n
                   for ptype, counters in health.by_type.items()
                   for counter, n in counters.items()}
            now[f"{site}/{name}/-/unknown_prices"] = health.unknown_prices
            now[f"{site}/{name}/-/unstored"] = health.unstored
            before = self.pushed.setdefault(site, {})
            for field, n in now.items():
                if n != before.get(field, 0):
                    counts[field] = n - before.get(field, 0)
                    if field.endswith("/pages"):
                        pages += counts[field]
            self.pushed[site] = now
            texts = list(health.reasons)
            if health.unstored_reason:
                texts.append(f"unstored: {health.unstored_reason}")
            known = self.pushed_reasons.setdefault(site, set())
            new = [t for t in texts if t not in known]
            if new:
                reasons[f"{site}/{name}"] = new
                known.update(new)
        return counts, reasons, pages

    def close_spider(self) -> None:
        self.flush()


class FleetRateLimit:
    """A downloader middleware (next to the downloader): no request to a site goes out unless
    the fleet's limiter grants it a lease, given back when its answer (or error) is in."""

    def __init__(self, config: Config) -> None:
        self.limiter = FleetLimiter(connect(fleet(config)), FleetKeys(fleet(config).key_prefix))
        self.sites = {s.name: s for s in config.sites}
        self.hosts = {urlsplit(s.base_url).netloc: s.name for s in config.sites}
        self.turns: dict[str, Any] = {}  # site -> asyncio.Lock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings["SHOPWATCH_CONFIG"])

    def _site(self, request: scrapy.Request) -> str | None:
        site = request.meta.get("site") or self.hosts.get(urlsplit(request.url).netloc)
        return str(site) if site in self.sites else None

    async def process_request(self, request: scrapy.Request) -> None:
        import asyncio

        site = self._site(request)
        if site is None:
            return
        settings = self.sites[site]
        token = uuid.uuid4().hex
        # One request per site and worker asks Redis at a time, the others wait their turn
        # here: a worker's dozens of waiting requests would otherwise poll Redis every 20 ms
        # each (and the calls are synchronous, in the reactor's thread).
        lock = self.turns.setdefault(site, asyncio.Lock())
        async with lock:
            while wait := self.limiter.try_acquire(site, token, settings.concurrency,
                                                   settings.download_delay):
                await asyncio.sleep(wait)
        request.meta["sw_lease"] = token

    def _release(self, request: scrapy.Request) -> None:
        token = request.meta.pop("sw_lease", None)
        site = self._site(request)
        if token is not None and site is not None:
            self.limiter.release(site, token)

    def process_response(self, request: scrapy.Request, response: Response) -> Response:
        self._release(request)
        site = self._site(request)
        if site is not None and response.status == 429:  # "too many requests": all slow down
            self.limiter.blocked(site, self.sites[site].retry_backoff_s)
        return response

    def process_exception(self, request: scrapy.Request, exception: Exception) -> None:
        self._release(request)


def worker_settings(config: Config, day: dt.date, epoch: str, worker: str,
                    sites: list[str] | None, log_level: str = "WARNING") -> Settings:
    settings = build_settings(config, day, sites, log_level)
    downloader = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    downloader["crawlers.distributed.components.FleetRateLimit"] = 950
    settings.setdict({
        "SHOPWATCH_WORKER": worker,
        "SHOPWATCH_EPOCH": epoch,
        "SCHEDULER": "crawlers.distributed.components.FleetScheduler",
        "ITEM_PIPELINES": {"crawlers.distributed.components.FleetPipeline": 300},
        "SPIDER_MIDDLEWARES": {"crawlers.distributed.components.FleetSpiderMiddleware": 10},
        "DOWNLOADER_MIDDLEWARES": downloader,
    }, priority="cmdline")
    return settings
