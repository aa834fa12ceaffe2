"""The day's work in Redis: a FIFO queue per spider and site (scrapy-redis's queue layout), and
per worker the requests it took and has not finished ("doing" lists).

A worker takes a request by moving it from a queue to its doing list in one atomic step, and
drops it from there only after what the page gave is stored (``finish``, in the same
transaction as the page's counts). So at every instant each request of the day is in a queue
or a doing list: the day is done when they are all empty (``outstanding``, read atomically),
and the doing lists of a worker that died go back to the queues (``recover``), a bounded number
of times. This is the "reliable queue" pattern of Redis' own documentation (RPOPLPUSH/LMOVE).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import redis

from crawlers.distributed.keys import SEEDING, DayKeys

# KEYS: queue, doing list, the day's set of doing lists; ARGV: ttl
_TAKE = """
local v = redis.call('RPOP', KEYS[1])
if v then
  redis.call('LPUSH', KEYS[2], v)
  redis.call('SADD', KEYS[3], KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[1])
end
return v
"""
# KEYS: every queue of the day, then the set of doing lists: requests not finished
_OUTSTANDING = """
local n = 0
for i = 1, #KEYS - 1 do n = n + redis.call('LLEN', KEYS[i]) end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[#KEYS])) do n = n + redis.call('LLEN', k) end
return n
"""
MAX_REASONS = 20  # kept per site and spider


def digest(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()


class Ledger:
    def __init__(self, server: redis.Redis, keys: DayKeys, ttl_s: int,
                 queues: Sequence[tuple[str, str]]) -> None:
        """``queues``: every (spider, site) of the config (a worker may take a subset)."""
        self.server = server
        self.keys = keys
        self.ttl = ttl_s
        self.queues = list(queues)
        self._take = server.register_script(_TAKE)
        self._outstanding = server.register_script(_OUTSTANDING)

    # -- queues --------------------------------------------------------------------------
    def push(self, spider: str, site: str, raws: Iterable[bytes]) -> int:
        pipe = self.server.pipeline(transaction=False)
        n = 0
        for raw in raws:
            pipe.lpush(self.keys.queue(spider, site), raw)
            n += 1
        pipe.expire(self.keys.queue(spider, site), self.ttl)
        pipe.execute()
        return n

    def take(self, spider: str, site: str, worker: str) -> bytes | None:
        raw = self._take(keys=[self.keys.queue(spider, site), self.keys.doing(spider, worker),
                               self.keys.doing_lists], args=[self.ttl])
        return raw if isinstance(raw, bytes) else None

    def handoff(self, spider: str, worker: str, old: bytes, site: str,
                new: bytes | None) -> None:
        """A request in hand becomes another (a retry, a redirect): the new one is queued
        (unless the duplicate filter dropped it) and the old one leaves the doing list, in one
        transaction."""
        pipe = self.server.pipeline(transaction=True)
        if new is not None:
            pipe.lpush(self.keys.queue(spider, site), new)
            pipe.expire(self.keys.queue(spider, site), self.ttl)
        pipe.lrem(self.keys.doing(spider, worker), 1, old)  # type: ignore[arg-type]
        pipe.execute()

    def finish(self, worker: str, done: Sequence[tuple[str, bytes]],
               counts: dict[str, int], reasons: dict[str, list[str]]) -> None:
        """Requests whose items are stored leave the doing list; the counts and error reasons
        they produced are added to the day's, all in one transaction: a page is counted once,
        when it is stored."""
        pipe = self.server.pipeline(transaction=True)
        for field, n in counts.items():
            if n:
                pipe.hincrby(self.keys.counts, field, n)
        pipe.expire(self.keys.counts, self.ttl)
        for run, texts in reasons.items():
            site, spider = run.split("/", 1)
            key = self.keys.reasons(site, spider)
            pipe.rpush(key, *texts)
            pipe.ltrim(key, 0, MAX_REASONS - 1)
            pipe.expire(key, self.ttl)
        for spider, raw in done:
            pipe.lrem(self.keys.doing(spider, worker), 1, raw)  # type: ignore[arg-type]
        pipe.execute()

    # -- the day as a whole ----------------------------------------------------------------
    def all_queue_keys(self) -> list[str]:
        return [self.keys.queue(spider, site) for spider, site in self.queues]

    def outstanding(self) -> int:
        """Requests queued or in a worker's hands, read in one atomic step."""
        return int(self._outstanding(keys=[*self.all_queue_keys(), self.keys.doing_lists]))

    def seeding(self) -> bool:
        """The coordinator is still queueing the day's work: drained queues mean nothing yet."""
        return self.server.get(self.keys.state) == SEEDING.encode()

    def queued(self) -> dict[str, int]:
        """Queue depth per spider."""
        pipe = self.server.pipeline(transaction=False)
        for spider, site in self.queues:
            pipe.llen(self.keys.queue(spider, site))
        depth: dict[str, int] = {}
        for (spider, _site), n in zip(self.queues, pipe.execute(), strict=True):
            depth[spider] = depth.get(spider, 0) + int(n)
        return depth

    def doing_lists(self) -> list[tuple[str, str, str]]:
        """(key, spider, worker) of every doing list of the day."""
        found = []
        for raw in self.server.smembers(self.keys.doing_lists):
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            spider, _, worker = key[len(self.keys.base) + 1:].partition(":doing:")
            found.append((key, spider, worker))
        return found

    def recover(self, alive: Callable[[str], bool], max_attempts: int,
                site_of: Callable[[bytes], str],
                give_up: Callable[[str, bytes], None]) -> int:
        """Put back in their queues the requests of workers that are gone; a request lost
        ``max_attempts`` times is given up (``give_up``). Returns how many were put back."""
        back = 0
        for key, spider, worker in self.doing_lists():
            if alive(worker):
                continue
            back += self.release(key, spider, max_attempts, site_of, give_up)
        return back

    def release(self, key: str, spider: str, max_attempts: int,
                site_of: Callable[[bytes], str], give_up: Callable[[str, bytes], None]) -> int:
        back = 0
        while (raw := self.server.lindex(key, -1)) is not None:
            assert isinstance(raw, bytes)
            lost = int(self.server.hincrby(self.keys.attempts, digest(raw), 1))
            self.server.expire(self.keys.attempts, self.ttl)
            pipe = self.server.pipeline(transaction=True)
            pipe.lrem(key, -1, raw)  # type: ignore[arg-type]
            if lost < max_attempts:
                pipe.lpush(self.keys.queue(spider, site_of(raw)), raw)
                back += 1
            removed = pipe.execute()[0]
            if removed and lost >= max_attempts:
                give_up(spider, raw)
            if not removed:
                break  # the worker finished it after all: not ours to move
        if not self.server.llen(key):
            self.server.srem(self.keys.doing_lists, key)
        return back

    def release_worker(self, worker: str, max_attempts: int, site_of: Callable[[bytes], str],
                       give_up: Callable[[str, bytes], None]) -> int:
        """Put back what ``worker`` (a crawl child that ended) still had in hand."""
        return sum(self.release(key, spider, max_attempts, site_of, give_up)
                   for key, spider, who in self.doing_lists() if who == worker)

    # -- runs and counts -------------------------------------------------------------------
    def set_runs(self, runs: dict[str, str]) -> None:
        if runs:
            self.server.hset(self.keys.runs, mapping=runs)  # type: ignore[arg-type]
        self.server.expire(self.keys.runs, self.ttl)

    def runs(self) -> dict[str, str]:
        return {_text(k): _text(v) for k, v in
                self.server.hgetall(self.keys.runs).items()}

    def counts(self) -> dict[str, int]:
        return {_text(k): int(v) for k, v in
                self.server.hgetall(self.keys.counts).items()}

    def reasons(self, site: str, spider: str) -> list[str]:
        return [_text(r) for r in
                self.server.lrange(self.keys.reasons(site, spider), 0, -1)]

    def touch(self, keys: Iterable[str]) -> None:
        pipe = self.server.pipeline(transaction=False)
        for key in keys:
            pipe.expire(key, self.ttl)
        pipe.execute()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
