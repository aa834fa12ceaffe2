"""The crawl-derived reads of the board, kept per data version.

What the Overview, Ranks, Competitors and Keywords pages show changes only when a crawl run
starts or ends (a rerun of a day reuses its row with new times), the keyword library is built
or search demand imported, so their reads are kept under that version: the count, the newest
id and the newest start and end times of ``crawl_runs`` and the newest ids of the library and
demand tables, a few small aggregates per request. A new version, or ``TTL_S`` seconds (a run
in progress writes before it ends), makes them read again. Alerts, acknowledgements, mutes,
the outbox and the runs page are never kept: they change without a crawl.

Concurrent requests for the same read wait for the one that computes it instead of reading
the same rows ten times (what a morning of operators opening the overview looks like).
Results are shared between requests: the pages only read them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Config
from db.models import CrawlRun, KeywordTermWeek, SearchDemand

T = TypeVar("T")
TTL_S = 60.0
SIZE = 256  # reads kept, the least recently used dropped first


def data_version(session: Session) -> tuple[Hashable, ...]:
    """The crawl runs' count, newest id, start and end; the newest keyword library and
    search-demand rows (a build or an import replaces rows: new ids)."""
    return tuple(session.execute(select(
        func.count(CrawlRun.id), func.max(CrawlRun.id), func.max(CrawlRun.started_at),
        func.max(CrawlRun.finished_at),
        select(func.max(KeywordTermWeek.id)).scalar_subquery(),
        select(func.max(SearchDemand.id)).scalar_subquery())).one())


class ReadCache:
    def __init__(self, size: int = SIZE, ttl_s: float = TTL_S) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, version: Hashable, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, kept under ``version``; the session and the config in the
        arguments are not part of the key (one board, one config)."""
        key = (version, fn.__module__, fn.__qualname__,
               tuple(a for a in args if not isinstance(a, (Session, Config))),
               tuple(sorted(kwargs.items())))
        found = self._fresh(key)
        if found is not None:
            return found[1]  # type: ignore[no-any-return]
        with self._lock:
            turn = self._computing.setdefault(key, threading.Lock())
        with turn:  # one request computes, the others wait for its result
            found = self._fresh(key)
            if found is not None:
                return found[1]  # type: ignore[no-any-return]
            value = fn(*args, **kwargs)
            with self._lock:
                self._kept[key] = (time.monotonic(), value)
                self._kept.move_to_end(key)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
                self._computing.pop(key, None)
            return value

    def _fresh(self, key: Hashable) -> tuple[float, Any] | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None or time.monotonic() - found[0] > self.ttl_s:
                return None
            self._kept.move_to_end(key)
            return found
