"""The day in distributed mode, as ``shopwatch run`` and the scheduler do it: seed the day's
work once, wait until the workers have stored it all, then close the day's crawl runs from the
fleet's shared counts.

Seeding is the single-process crawl's first step without the crawl: the same spiders' crawl
runs are begun (one per site and spider and day, as before) and the requests their ``start()``
makes are queued. While waiting, the requests of workers whose heartbeat stopped go back to
their queues (``Ledger.recover``: at most ``max_attempts`` times each). If Redis loses the
day (restarted without persistence, flushed) or stays unreachable, the day's runs are failed
with that reason and nothing of the fleet's partial counts is written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import redis
import scrapy
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter

from config import Config
from crawlers.distributed.components import fleet, ledger_for
from crawlers.distributed.keys import SEEDING, FleetKeys
from crawlers.distributed.ledger import Ledger
from crawlers.distributed.serial import RequestSerializer
from crawlers.health import BLOCKED, COUNTERS, SiteHealth
from crawlers.pipelines import DatabasePipeline
from crawlers.runner import SPIDERS, ChildResult
from crawlers.settings import build_settings
from crawlers.spiders.base import ShopSpider
from crawlers.spiders.listings import ListingsSpider
from crawlers.spiders.ranks import RanksSpider
from crawlers.spiders.suggest import SuggestSpider
from crawlers.validate import clean_text
from crawlers.watch import with_watchlist
from db import repo
from db.session import session_scope

log = logging.getLogger(__name__)
SPIDER_CLASSES: dict[str, type[ShopSpider]] = {
    "listings": ListingsSpider, "ranks": RanksSpider, "suggest": SuggestSpider}
REDIS_GRACE_S = 60.0  # Redis unreachable this long while waiting: the day is failed
LOST = "Redis lost the day's queues (restarted or flushed) before the crawl was done"


def crawl_distributed(config: Config, day: dt.date, *,
                      step: Callable[[str], object] = lambda _m: None,
                      timeout_s: float | None = None) -> ChildResult:
    """Seed ``day``, wait for the fleet, close the runs; as ``crawl_in_child`` reports."""
    with session_scope(config.database_url) as session:
        config = with_watchlist(config, session)  # imported products are crawled too
    ledger = ledger_for(config, day, uuid.uuid4().hex[:12])
    timeout = timeout_s if timeout_s is not None else config.schedule.crawl_timeout_s
    timed_out = False
    try:
        seeded = seed(config, day, ledger)
        step(f"{day}: {seeded} request(s) queued for the workers")
        reason = wait_until_done(config, ledger, time.monotonic() + timeout)
        timed_out = reason is not None and reason.startswith("timed out")
    except redis.RedisError as exc:
        reason = f"Redis: {type(exc).__name__}: {exc}"
    except KeyboardInterrupt:  # Ctrl-C while the workers crawl: the day is failed, not open
        reason = "interrupted while the workers crawled (Ctrl-C); run the day again"
        with session_scope(config.database_url) as session:
            repo.fail_unfinished_runs(session, reason, day)
        _set_state(ledger, f"failed: {reason}")  # the workers stop taking the day's work
        raise
    if reason is not None:
        with session_scope(config.database_url) as session:
            closed = repo.fail_unfinished_runs(session, clean_text(reason) or reason, day)
        _set_state(ledger, f"failed: {reason}")
        return ChildResult(1, timed_out, reason, closed)
    finish_runs(config, ledger)
    _set_state(ledger, "done")
    return ChildResult(0, False, "", 0)


def _set_state(ledger: Ledger, state: str) -> None:
    keys = FleetKeys(ledger.keys.prefix)
    try:
        ledger.server.set(ledger.keys.state, state, ex=ledger.ttl)
        if ledger.server.get(keys.active) == ledger.keys.active.encode():
            ledger.server.delete(keys.active)
    except redis.RedisError as exc:
        log.warning("could not record the day's end in Redis: %s", exc)


def clear_day(ledger: Ledger) -> int:
    """Drop the keys of earlier crawls of the day (a rerun starts from an empty filter)."""
    pattern = f"{ledger.keys.prefix}:{ledger.keys.day.isoformat()}:*"
    keys = list(ledger.server.scan_iter(match=pattern, count=1000))
    if keys:
        ledger.server.delete(*keys)
    return len(keys)


def seed(config: Config, day: dt.date, ledger: Ledger) -> int:
    """Begin the day's crawl runs, then queue the requests the spiders start with, in chunks
    (a day of a million products is never held in memory at once; workers start on the first
    chunk)."""
    clear_day(ledger)
    runs: dict[str, str] = {}
    spiders = []
    for name in SPIDERS:
        spider, pipeline = _offline_spider(config, day, name)
        pipeline.open_spider()  # the crawl runs, as a single-process crawl begins them
        for site, (site_id, run_id, attempt) in pipeline.runs.items():
            runs[f"{site}/{name}"] = f"{run_id}:{attempt}:{site_id}"
        spiders.append((spider, set(pipeline.runs)))
    ledger.set_runs(runs)
    # "seeding" until the last chunk is queued: a worker that drains the first chunks before
    # the rest arrive (or looks before the first) must not take the day for done
    ledger.server.set(ledger.keys.state, SEEDING, ex=ledger.ttl)
    ledger.server.set(FleetKeys(ledger.keys.prefix).active, ledger.keys.active, ex=ledger.ttl)
    serializer = RequestSerializer(config)
    queued = sum(asyncio.run(_queue_start(spider, sites, ledger, serializer))
                 for spider, sites in spiders)
    ledger.server.set(ledger.keys.state, "crawling", ex=ledger.ttl)
    return queued


SEED_CHUNK = 5000


async def _queue_start(spider: ShopSpider, sites: set[str], ledger: Ledger,
                       serializer: RequestSerializer) -> int:
    """Queue ``spider``'s start requests of ``sites`` through the shared duplicate filter."""
    seen = RFPDupeFilter(ledger.server, key=ledger.keys.seen(spider.name))
    chunk: list[scrapy.Request] = []
    total = 0
    async for request in spider.start():
        if isinstance(request, scrapy.Request) and request.meta.get("site") in sites:
            chunk.append(request)
        if len(chunk) >= SEED_CHUNK:
            total += _queue_chunk(spider, chunk, seen, ledger, serializer)
            chunk = []
    total += _queue_chunk(spider, chunk, seen, ledger, serializer)
    ledger.touch([ledger.keys.seen(spider.name)])
    return total


def _queue_chunk(spider: ShopSpider, requests: list[scrapy.Request], seen: RFPDupeFilter,
                 ledger: Ledger, serializer: RequestSerializer) -> int:
    filtered = [r for r in requests if not r.dont_filter]
    pipe = ledger.server.pipeline(transaction=False)
    for request in filtered:
        pipe.sadd(seen.key, seen.request_fingerprint(request))
    added = dict(zip(map(id, filtered), pipe.execute(), strict=True))
    queued: dict[str, list[bytes]] = defaultdict(list)
    for request in requests:
        if request.dont_filter or added[id(request)]:
            queued[str(request.meta["site"])].append(
                serializer.dumps(request.to_dict(spider=spider)))
    return sum(ledger.push(spider.name, site, raws) for site, raws in queued.items())


def _offline_spider(config: Config, day: dt.date, name: str
                    ) -> tuple[ShopSpider, DatabasePipeline]:
    """A spider and its pipeline outside a running crawl: for their start requests and runs."""
    crawler = Crawler(SPIDER_CLASSES[name], build_settings(config, day))
    spider = SPIDER_CLASSES[name].from_crawler(crawler)
    crawler.spider = spider
    return spider, DatabasePipeline(crawler)


def wait_until_done(config: Config, ledger: Ledger, deadline: float) -> str | None:
    """Wait until no request of the day is queued or in a worker's hands; None when done,
    else why the day cannot be completed."""
    settings = fleet(config)
    keys = FleetKeys(settings.key_prefix)
    serializer = RequestSerializer(config)
    server = ledger.server
    unreachable: float | None = None
    left = -1

    def site_of(raw: bytes) -> str:
        return str(serializer.loads(raw)["meta"]["site"])

    def give_up(spider: str, raw: bytes) -> None:
        record_given_up(ledger, spider, serializer.loads(raw), settings.max_attempts)

    while True:
        try:
            if server.get(ledger.keys.state) is None:
                return LOST
            server.set(keys.active, ledger.keys.active, ex=ledger.ttl)
            ledger.recover(lambda worker: bool(server.exists(keys.worker(worker))),
                           settings.max_attempts, site_of, give_up)
            left = ledger.outstanding()
            if left == 0:
                return None
            unreachable = None
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            unreachable = unreachable or time.monotonic()
            if time.monotonic() - unreachable > REDIS_GRACE_S:
                return f"Redis unreachable for {REDIS_GRACE_S:.0f}s: {exc}"
        if time.monotonic() > deadline:
            return (f"timed out with {left} request(s) not done: are workers running? "
                    "(shopwatch workers)")
        time.sleep(settings.poll_s)


def record_given_up(ledger: Ledger, spider: str, request: dict[str, Any],
                    attempts: int) -> None:
    """A request lost ``attempts`` times (its workers died): an error of its run."""
    meta = request.get("meta", {})
    site, page_type = str(meta.get("site", "?")), str(meta.get("page_type", "page"))
    reason = f"not crawled: its worker died {attempts} times on {request.get('url')}"
    pipe = ledger.server.pipeline(transaction=True)
    pipe.hincrby(ledger.keys.counts, f"{site}/{spider}/{page_type}/errors", 1)
    pipe.rpush(ledger.keys.reasons(site, spider), reason)
    pipe.rpush(ledger.keys.gave_up, json.dumps({"spider": spider, "site": site,
                                                 "url": request.get("url")}))
    pipe.expire(ledger.keys.gave_up, ledger.ttl)
    pipe.execute()


def fleet_health(ledger: Ledger, site: str, spider: str, counts: dict[str, int]) -> SiteHealth:
    """What the whole fleet saw of a site in one spider: the shared counts and reasons."""
    health = SiteHealth()
    for field, n in counts.items():
        f_site, f_spider, page_type, counter = field.split("/")
        if (f_site, f_spider) != (site, spider):
            continue
        if page_type != "-":
            health.by_type.setdefault(page_type, dict.fromkeys(COUNTERS, 0))[counter] = n
        elif counter == "unknown_prices":
            health.unknown_prices = n
        elif counter == "unstored":
            health.unstored = n
    for reason in ledger.reasons(site, spider):
        if reason.startswith("unstored: "):
            health.unstored_reason = health.unstored_reason or reason.removeprefix("unstored: ")
        elif reason not in health.reasons:
            health.reasons.append(reason)
    blocks = [r for r in health.reasons if r.startswith(BLOCKED)]
    health.reasons = (blocks + [r for r in health.reasons if r not in blocks])[:5]
    if not health.by_type:
        health.error("no pages were requested")
    return health


def finish_runs(config: Config, ledger: Ledger) -> None:
    counts = ledger.counts()
    with session_scope(config.database_url) as session:
        for run, value in ledger.runs().items():
            site, spider = run.split("/", 1)
            run_id, attempt, _site_id = (int(x) for x in value.split(":"))
            seen = fleet_health(ledger, site, spider, counts)
            repo.finish_run(session, run_id, seen.status, items=seen.stored, pages=seen.pages,
                            errors=seen.errors + seen.blocked,
                            error_summary=clean_text(seen.summary or ""),
                            page_counts=seen.by_type, unknown_prices=seen.unknown_prices)
            if seen.status == "ok":
                repo.prune_stale(session, run_id, attempt)
