"""Redis key names and the connection. A day's keys start ``<prefix>:<day>:<epoch>:`` and
expire (``[distributed] key_ttl_s``); the epoch names one seeding of the day, so that a rerun
never shares a key with a crawl child of the run before it (its requests, counts and crawl-run
attempt). A worker's heartbeat and the rate limits are not per day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis

from config.schema import DistributedConfig

SEEDING = "seeding"  # the day's state while the coordinator is still queueing its work


def connect(settings: DistributedConfig) -> redis.Redis:
    """A client that gives up on a dead server within seconds instead of hanging."""
    return redis.Redis.from_url(settings.redis_url, socket_timeout=10,
                                socket_connect_timeout=5, health_check_interval=30)


@dataclass(frozen=True)
class DayKeys:
    prefix: str
    day: dt.date
    epoch: str

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.day.isoformat()}:{self.epoch}"

    @property
    def active(self) -> str:
        """The value of ``FleetKeys.active`` while this crawl of the day is going on."""
        return f"{self.day.isoformat()}/{self.epoch}"

    def queue(self, spider: str, site: str) -> str:
        return f"{self.base}:{spider}:{site}:queue"

    def seen(self, spider: str) -> str:
        """scrapy-redis's duplicate filter (request fingerprints) of one spider."""
        return f"{self.base}:{spider}:seen"

    def doing(self, spider: str, worker: str) -> str:
        """The requests a worker took from ``spider``'s queues and has not finished."""
        return f"{self.base}:{spider}:doing:{worker}"

    @property
    def doing_lists(self) -> str:
        return f"{self.base}:doing"  # the set of every doing list of the day

    @property
    def state(self) -> str:
        """"seeding", "crawling", "done" or "failed: why"; its loss = Redis lost the day"""
        return f"{self.base}:state"

    @property
    def runs(self) -> str:
        return f"{self.base}:runs"  # "site/spider" -> "run id:attempt:site id"

    @property
    def counts(self) -> str:
        return f"{self.base}:counts"  # "site/spider/page type/counter" -> n

    def reasons(self, site: str, spider: str) -> str:
        return f"{self.base}:reasons:{site}/{spider}"

    @property
    def attempts(self) -> str:
        return f"{self.base}:attempts"  # sha1 of a stored request -> times it was lost

    @property
    def gave_up(self) -> str:
        return f"{self.base}:gaveup"


def parse_active(value: object) -> tuple[dt.date, str] | None:
    """(day, epoch) of the ``active`` key's value; None when there is none."""
    if not isinstance(value, bytes):
        return None
    day, _, epoch = value.decode().partition("/")
    return dt.date.fromisoformat(day), epoch


@dataclass(frozen=True)
class FleetKeys:
    prefix: str

    @property
    def active(self) -> str:
        """The day being crawled now (set by the coordinator, expires unless refreshed)."""
        return f"{self.prefix}:active"

    def worker(self, worker_id: str) -> str:
        return f"{self.prefix}:worker:{worker_id}"

    @property
    def worker_pattern(self) -> str:
        return f"{self.prefix}:worker:*"

    def rate(self, site: str, what: str) -> str:
        return f"{self.prefix}:rate:{site}:{what}"
