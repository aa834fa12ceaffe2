"""Many crawl workers on shared Redis queues (roadmap step 14): scrapy-redis's scheduler and
duplicate filter, a ledger of requests in progress so that a dead worker costs a retry and not
a gap, counters shared by the fleet, a fleet-wide rate limit per site, and heartbeats.

- ``keys``: the Redis key names (per day, expiring) and the connection;
- ``ledger``: queues per spider and site, the requests each worker has in hand, the day's
  shared counters (Lua scripts: a move between lists is one atomic step);
- ``serial``: how a request is stored in Redis (pickle, sites by name);
- ``ratelimit``: a site's concurrency and delay for the whole fleet, and its shared back-off;
- ``components``: the Scrapy parts a worker runs (scheduler, spiders, middlewares, pipeline);
- ``coordinator``: seeding a day, waiting until it is done, closing its crawl runs;
- ``worker``: ``shopwatch worker``'s loop and the crawl child it starts per day.
"""
