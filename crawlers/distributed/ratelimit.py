"""A site's ``concurrency`` and ``download_delay`` for the whole fleet, and a shared back-off.

Each request to a site takes a lease in a sorted set of the site (member: a token, score: when
the lease runs out, so a worker that died mid-request frees its place after ``LEASE_MS``); at
most ``concurrency`` leases exist at once, and consecutive leases are ``download_delay`` apart
(a "next allowed" time stamp). A block seen by any worker moves that time stamp forward for
all of them, doubling with each block in a row (capped). Times come from the Redis server's
clock (``TIME``), so the machines' clocks need not agree. Written by hand on purpose: the rate
limiters on PyPI limit a rate, not a number of requests in flight plus a gap between them.
"""

from __future__ import annotations

import redis

from crawlers.distributed.keys import FleetKeys

LEASE_MS = 120_000  # a request's lease: longer than a download timeout, with a browser's margin
MAX_BACKOFF_MS = 60_000
STRIKES_TTL_S = 600  # a block this long ago no longer doubles the next back-off

# KEYS: leases, next allowed; ARGV: token, concurrency, delay ms, lease ms.
# Returns 0 (granted) or how many ms to wait; -1: full, wait for a lease to end.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], now + tonumber(ARGV[3]), 'PX', ARGV[3])
end
return 0
"""
# KEYS: next allowed, strikes; ARGV: base ms, cap ms, strikes ttl s. Returns the pause in ms.
_BLOCKED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
local pause = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) * 2 ^ (n - 1))
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + pause > nxt then redis.call('SET', KEYS[1], now + pause, 'PX', math.floor(pause)) end
return math.floor(pause)
"""


class FleetLimiter:
    def __init__(self, server: redis.Redis, keys: FleetKeys) -> None:
        self.server = server
        self.keys = keys
        self._acquire = server.register_script(_ACQUIRE)
        self._blocked = server.register_script(_BLOCKED)

    def try_acquire(self, site: str, token: str, concurrency: int, delay_s: float) -> float:
        """0.0: the request may go; otherwise seconds to wait before asking again."""
        wait = int(self._acquire(
            keys=[self.keys.rate(site, "leases"), self.keys.rate(site, "next")],
            args=[token, concurrency, int(delay_s * 1000), LEASE_MS]))
        if wait == 0:
            return 0.0
        return 0.02 if wait < 0 else wait / 1000

    def release(self, site: str, token: str) -> None:
        self.server.zrem(self.keys.rate(site, "leases"), token)

    def blocked(self, site: str, base_s: float) -> float:
        """A block seen on ``site``: every worker pauses it; returns the pause in seconds."""
        pause = int(self._blocked(
            keys=[self.keys.rate(site, "next"), self.keys.rate(site, "strikes")],
            args=[max(1000, int(base_s * 1000)), MAX_BACKOFF_MS, STRIKES_TTL_S]))
        return pause / 1000

    def in_flight(self, site: str) -> int:
        return int(self.server.zcard(self.keys.rate(site, "leases")))
