"""``shopwatch worker``: wait for a day's work in Redis, crawl it in a child process (Twisted's
reactor cannot restart, and a crashed crawl must not take the worker down), put back what
the child left in hand, and go on: wait for more (``idle = "wait"``) or stop when the day's
queues are drained (``idle = "stop"`` or ``--once``). It waits by sleeping ``poll_s`` between
looks, never spinning. A heartbeat in Redis (``<prefix>:worker:<host>:<pid>``, expiring after
three missed beats) says it is alive: the coordinator puts back the requests of a worker whose
heartbeat stopped, and ``shopwatch workers`` lists the live ones.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import redis

from config import Config, load_config
from config.schema import DistributedConfig
from crawlers.distributed.components import FLEET_SPIDERS, ledger_for, worker_settings
from crawlers.distributed.coordinator import record_given_up
from crawlers.distributed.keys import FleetKeys, connect, parse_active
from crawlers.distributed.ledger import Ledger
from crawlers.distributed.serial import RequestSerializer

log = logging.getLogger(__name__)
ORPHANED = 3


def settings_of(config: Config) -> DistributedConfig:
    """The config's [distributed] section; without one, its defaults (and
    ``$SHOPWATCH_REDIS_URL``)."""
    return config.distributed or DistributedConfig()


class Heartbeat:
    """The worker's hash in Redis, refreshed every ``heartbeat_s`` by a thread."""

    def __init__(self, server: redis.Redis, key: str, every_s: float, fields: dict[str, str]
                 ) -> None:
        self.server, self.key, self.every = server, key, every_s
        self.fields = dict(fields)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="shopwatch-heartbeat",
                                       daemon=True)

    def start(self) -> Heartbeat:
        self.beat()
        self.thread.start()
        return self

    def set(self, **fields: str) -> None:
        self.fields.update(fields)
        self.beat()

    def beat(self) -> None:
        try:
            pipe = self.server.pipeline(transaction=False)
            fields: dict[Any, Any] = {**self.fields, "seen_at": _now()}
            pipe.hset(self.key, mapping=fields)
            pipe.expire(self.key, int(self.every * 3) + 1)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("heartbeat not written: %s", exc)

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            self.beat()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=15)  # a beat in progress must not re-create the key
        with contextlib.suppress(redis.RedisError):
            self.server.delete(self.key)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


class Worker:
    def __init__(self, config_path: str, sites: list[str] | None, once: bool,
                 log_level: str = "WARNING") -> None:
        self.config_path = config_path
        self.config = load_config(config_path)
        if self.config.distributed is None:
            self.config = self.config.model_copy(update={"distributed": DistributedConfig()})
        self.settings = settings_of(self.config)
        unknown = [s for s in sites or [] if s not in {x.name for x in self.config.sites}]
        if unknown:
            raise ValueError(f"--sites: no site named {', '.join(unknown)} in the config")
        self.sites = sites or []
        self.stop_when_drained = once or self.settings.idle == "stop"
        self.log_level = log_level
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self.server = connect(self.settings)
        self.keys = FleetKeys(self.settings.key_prefix)
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def request_stop(self, *_args: Any) -> None:
        """SIGTERM/SIGINT: the crawl child finishes what it has in hand, then the worker ends."""
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        beat = Heartbeat(self.server, self.keys.worker(self.id), self.settings.heartbeat_s,
                         {"host": socket.gethostname(), "pid": str(os.getpid()),
                          "sites": ",".join(self.sites) or "*", "state": "idle",
                          "started_at": _now()}).start()
        worked = False
        try:
            while not self.stopping:
                try:
                    ledger = self._active()
                    if ledger is not None:
                        self._release(ledger)  # what a child that died left in hand
                    if ledger is not None and self._has_work(ledger):
                        beat.set(state=f"crawling {ledger.keys.day}")
                        self._crawl(ledger)
                        worked = True
                        beat.set(state="idle")
                        continue
                    if self.stop_when_drained and (worked or ledger is not None) \
                            and (ledger is None
                                 or (ledger.outstanding() == 0 and not ledger.seeding())):
                        return 0
                except redis.RedisError as exc:
                    log.warning("Redis: %s", exc)
                    beat.fields["last_error"] = f"Redis: {exc}"[:300]
                time.sleep(self.settings.poll_s)
            return 0
        finally:
            beat.stop()

    def _active(self) -> Ledger | None:
        """The ledger of the crawl going on, if any."""
        active = parse_active(self.server.get(self.keys.active))
        if active is None:
            return None
        return ledger_for(self.config, active[0], active[1], self.server)

    def _has_work(self, ledger: Ledger) -> bool:
        mine = [(spider, site) for spider, site in ledger.queues
                if not self.sites or site in self.sites]
        pipe = self.server.pipeline(transaction=False)
        for spider, site in mine:
            pipe.llen(ledger.keys.queue(spider, site))
        return any(int(n) for n in pipe.execute())

    def _crawl(self, ledger: Ledger) -> None:
        day = ledger.keys.day
        parent_fd, keep_fd = os.pipe()
        command = [sys.executable, "-m", "crawlers.distributed.worker", "--config",
                   self.config_path, "--date", day.isoformat(), "--epoch", ledger.keys.epoch,
                   "--worker-id", self.id, "--parent-fd", str(parent_fd),
                   "--log-level", self.log_level]
        for site in self.sites:
            command += ["--site", site]
        try:
            with subprocess.Popen(command, pass_fds=(parent_fd,)) as child:
                os.close(parent_fd)
                self.child = child
                child.wait()
        finally:
            self.child = None
            os.close(keep_fd)
        if child.returncode != 0:
            log.warning("crawl child for %s exited with status %s", day, child.returncode)
        self._release(ledger)

    def _release(self, ledger: Ledger) -> None:
        serializer = RequestSerializer(self.config)
        ledger.release_worker(
            self.id, self.settings.max_attempts,
            lambda raw: str(serializer.loads(raw)["meta"]["site"]),
            lambda spider, raw: record_given_up(ledger, spider, serializer.loads(raw),
                                                self.settings.max_attempts))


def _stop_with_parent(fd: int) -> None:
    def watch() -> None:
        while os.read(fd, 1):
            pass
        os._exit(ORPHANED)  # the worker died: what this child has in hand goes back

    threading.Thread(target=watch, name="shopwatch-parent-watch", daemon=True).start()


def child_main(argv: list[str] | None = None) -> int:
    """The crawl child: the three spiders on the day's queues until they are drained."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.watch import with_watchlist
    from db.session import session_scope

    parser = argparse.ArgumentParser(prog="python -m crawlers.distributed.worker")
    parser.add_argument("--config", required=True)
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--epoch", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--site", action="append")
    parser.add_argument("--parent-fd", type=int)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.parent_fd is not None:
        _stop_with_parent(args.parent_fd)
    config = load_config(args.config)
    config = config.model_copy(update={"distributed": settings_of(config)})
    with session_scope(config.database_url) as session:
        config = with_watchlist(config, session)
    # The engine looks for new requests (and asks an idle spider whether to stay open) every
    # 5 s by default; a worker waiting on other workers' pages looks more often (a class
    # constant of Scrapy's engine, no setting exists for it).
    from scrapy.core.engine import ExecutionEngine

    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = min(5.0, max(0.2, settings_of(config).poll_s))
    process = CrawlerProcess(worker_settings(config, args.date, args.epoch, args.worker_id,
                                             args.site, args.log_level))
    for spider in FLEET_SPIDERS.values():
        process.crawl(spider)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
