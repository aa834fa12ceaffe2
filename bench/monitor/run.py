"""Monitor benchmark: one day's detection over a year of history, SQL vs a naive Python loop.

    .venv/bin/python bench/monitor/run.py [--db sqlite|postgresql|both] [--products 10000]
                                          [--keywords 500] [--days 365]

Generates, reproducibly (seed 2026), one site with 10,000 products (100 of them ours, 100
competitors mapped to them for undercuts) and 500 tracked keywords in 10 groups, and 365 days
of history: a listings run per day with a snapshot of every product (3.65 million snapshots:
price random walk with 2 % daily noise on some products and real moves on others, promotions,
stock-outs, title changes, sales counts) and a ranks run per day with 20 organic results per
keyword (3.65 million rank observations, shuffled a little every day). Then, for the last day:

- **sql**: ShopWatch's detection (``monitor.runner.detect``: the window-function SQL of
  ``monitor.detect``, the rules, the repeat check), alerts not stored;
- **naive**: the same rules fed by a plain Python implementation that reads the same 30 days
  of rows and finds last observations and medians with loops and ``statistics.median``.

Both must find the same alerts. Each is timed 3 times; the best and the median are reported.
Figures go to bench/README.md; results to bench/monitor/results-<db>.json.

Over 300 lines on purpose: the generator, the SQL run and the naive loop it is checked against
belong to one measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from config import Config  # noqa: E402
from db.session import get_engine, session_scope, upgrade  # noqa: E402
from monitor import detect as detection  # noqa: E402
from monitor.rules import (  # noqa: E402
    ListingRow,
    PricePair,
    RankRow,
    Visibility,
    listing_alerts,
    rank_alerts,
    sort_alerts,
    undercut_alerts,
    visibility_alerts,
)
from monitor.runner import detect, thresholds_for  # noqa: E402

LAST = dt.date(2026, 11, 25)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OWN, MAPPED = 100, 100
RESULTS = 20


class _Bulk:
    """Rows into a table by the DB-API's bulk paths: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, cursor: Any, postgres: bool) -> None:
        self.cursor, self.postgres = cursor, postgres

    def __call__(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if self.postgres:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
            with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        else:
            marks = ", ".join("?" * len(columns))
            rows = [tuple(str(v) if isinstance(v, Decimal) else v for v in row) for row in rows]
            self.cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _catalogue(bulk: _Bulk, products: int, keywords: int, days: int, first: dt.date) -> None:
    """The site, its products and keywords, and a listings and a ranks run per day."""
    bulk("sites", ["id", "name", "adapter", "base_url"], [(1, "bench", "generic", "http://x")])
    groups = [f"g{i}" for i in range(10)]
    now = dt.datetime(2026, 1, 1)
    bulk("products", ["id", "site_id", "external_id", "title", "is_own", "role", '"group"',
                      "first_seen", "url"],
         [(i, 1, f"p{i}", f"product {i}", i <= OWN, "own" if i <= OWN else "competitor",
           groups[i % 10], now, f"http://x/item/{i}") for i in range(1, products + 1)])
    bulk("keywords", ["id", "site_id", "term", '"group"', "source"],
         [(k, 1, f"keyword {k}", groups[k % 10], "manual") for k in range(1, keywords + 1)])
    runs = []
    for d in range(days):
        day = first + dt.timedelta(days=d)
        runs.append((2 * d + 1, 1, "listings", day, 1, now, now, "ok", products, 0, 0, 0))
        runs.append((2 * d + 2, 1, "ranks", day, 1, now, now, "ok", keywords * RESULTS, 0, 0,
                     0))
    bulk("crawl_runs", ["id", "site_id", "spider", "day", "attempt", "started_at",
                        "finished_at", "status", "items_count", "pages_count", "errors_count",
                        "unknown_prices"], runs)


class _Market:
    """Every product's price, stock, sales, title and promotion, and every keyword's result
    order, moved on day by day (one seeded random stream: same seed, same history)."""

    def __init__(self, rng: random.Random, products: int, keywords: int) -> None:
        self.rng, self.products = rng, products
        self.price = [Decimal(rng.randint(50, 5000)) for _ in range(products + 1)]
        self.stock = [True] * (products + 1)
        self.sales = [rng.randint(0, 5000) for _ in range(products + 1)]
        self.titles = [0] * (products + 1)
        self.promo = [False] * (products + 1)
        self.pools = {k: rng.sample(range(1, products + 1), 40) for k in range(1, keywords + 1)}
        for k in self.pools:  # every keyword ranks a few of our products
            self.pools[k][rng.randrange(40)] = rng.randint(1, OWN)
        self.snapshot_id = self.rank_id = 1

    def _move(self, p: int) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:  # daily noise of up to 2 %
            self.price[p] = (self.price[p] * Decimal(1 + rng.uniform(-0.02, 0.02))).quantize(
                Decimal("0.01"))
        elif roll < 0.06:  # a real move
            self.price[p] = (self.price[p] * Decimal(
                1 + rng.choice((-1, 1)) * rng.uniform(0.05, 0.3))).quantize(Decimal("0.01"))
        if rng.random() < 0.003:
            self.promo[p] = not self.promo[p]
        if rng.random() < 0.005:
            self.stock[p] = not self.stock[p]
        if rng.random() < 0.001:
            self.titles[p] += 1
        self.sales[p] += rng.randint(0, 20) + (300 if rng.random() < 0.001 else 0)

    def snapshots(self, d: int) -> list[tuple[Any, ...]]:
        rows = []
        for p in range(1, self.products + 1):
            self._move(p)
            shown = None if self.rng.random() < 0.002 else self.price[p]  # unreadable now and then
            list_price = (self.price[p] * Decimal("1.25")).quantize(Decimal("0.01")) \
                if self.promo[p] else None
            rows.append((self.snapshot_id, 2 * d + 1, p, 1, shown, list_price, "CNY",
                         self.stock[p], self.sales[p], f"product {p} v{self.titles[p]}", False))
            self.snapshot_id += 1
        return rows

    def ranks(self, d: int) -> list[tuple[Any, ...]]:
        rows = []
        for k, pool in self.pools.items():
            if self.rng.random() < 0.2:  # the order shifts a little
                i = self.rng.randrange(len(pool) - 1)
                j = min(len(pool) - 1, i + self.rng.randint(1, 6))
                pool[i], pool[j] = pool[j], pool[i]
            for position, p in enumerate(pool[:RESULTS], start=1):
                rows.append((self.rank_id, 2 * d + 2, k, p, 1, position, position, 1, False))
                self.rank_id += 1
        return rows


def generate(url: str, products: int, keywords: int, days: int) -> dict[str, Any]:
    """Write the history with the DB-API's bulk paths (executemany / COPY)."""
    start = time.perf_counter()
    postgres = url.startswith("postgresql")
    raw = get_engine(url).raw_connection()
    cursor = raw.cursor()
    bulk = _Bulk(cursor, postgres)
    _catalogue(bulk, products, keywords, days, LAST - dt.timedelta(days=days - 1))
    market = _Market(random.Random(2026), products, keywords)
    for d in range(days):
        bulk("product_snapshots", ["id", "crawl_run_id", "product_id", "attempt", "price",
                                   "list_price", "currency", "in_stock", "sales_count",
                                   "title", "from_page"], market.snapshots(d))
        bulk("rank_observations", ["id", "crawl_run_id", "keyword_id", "product_id", "attempt",
                                   "position", "organic_position", "page", "sponsored"],
             market.ranks(d))
        raw.commit()
    if postgres:
        for table in ("sites", "products", "keywords", "crawl_runs", "product_snapshots",
                      "rank_observations"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT MAX(id) FROM {table}))")
    cursor.execute("ANALYZE")
    raw.commit()
    raw.close()
    return {"products": products, "keywords": keywords, "days": days,
            "snapshots": market.snapshot_id - 1, "rank_observations": market.rank_id - 1,
            "seconds": round(time.perf_counter() - start, 1)}


def bench_config(url: str) -> Config:
    return Config.model_validate({
        "database_url": url, "sites": [{"name": "bench", "base_url": "http://x"}],
        "products": [{"site": "bench", "id": f"p{OWN + i}", "compare_to": f"p{i}"}
                     for i in range(1, MAPPED + 1)]})


# -- the naive implementation: the same rows, Python loops ------------------------------------

def _median(values: list[Any]) -> Any:
    return statistics.median(values) if values else None


def naive_rows(session: Any, config: Config, day: dt.date
               ) -> tuple[list[RankRow], list[ListingRow], list[PricePair]]:
    """What the SQL detection finds, found by loading the history into Python."""
    since = day - dt.timedelta(days=detection.HISTORY_DAYS)
    products = {pid: (ext, title, url, bool(own), group) for pid, ext, title, url, own, group
                in session.execute(text(
                    'SELECT id, external_id, title, url, is_own, "group" FROM products'))}
    listing_rows, today_prices = _naive_listings(session, day, since, products)
    pairs = []
    for p in config.products:
        theirs, ours = today_prices.get(p.id), today_prices.get(p.compare_to or "")
        if theirs and ours:
            pairs.append(PricePair("bench", p.id, theirs[0][7], theirs[2],
                                   detection._cents(theirs[0][2]), theirs[0][4],
                                   p.compare_to or "", ours[0][7],
                                   detection._cents(ours[0][2]), ours[0][4]))
    return _naive_ranks(session, day, since, products), listing_rows, pairs


def _naive_ranks(session: Any, day: dt.date, since: dt.date,
                 products: dict[int, tuple[Any, ...]]) -> list[RankRow]:
    ranks: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
    runs = {}
    for run_id, run_day in session.execute(text(
            "SELECT id, day FROM crawl_runs WHERE spider = 'ranks' "
            "AND status = 'ok' AND day <= :day AND day > :since ORDER BY day"),
            {"day": day, "since": since}):
        runs[run_id] = dt.date.fromisoformat(str(run_day))
    for run_id, keyword, product, position in session.execute(text(
            "SELECT crawl_run_id, keyword_id, product_id, organic_position "
            "FROM rank_observations WHERE crawl_run_id IN (SELECT id FROM crawl_runs "
            "WHERE spider = 'ranks' AND status = 'ok' AND day <= :day AND day > :since)"),
            {"day": day, "since": since}):
        if position is not None:
            old = ranks[keyword, product].get(runs[run_id])
            ranks[keyword, product][runs[run_id]] = min(position, old or position)
    keywords = {kid: (term, group) for kid, term, group in session.execute(text(
        'SELECT id, term, "group" FROM keywords'))}
    good_days = sorted(set(runs.values()), reverse=True)[:detection.MEDIAN_OF + 1]
    rank_rows = []
    if good_days and good_days[0] == day and len(good_days) > 1:
        for (keyword, product), seen in ranks.items():
            today, before = seen.get(good_days[0]), seen.get(good_days[1])
            history = [seen[d] for d in good_days[1:] if d in seen]
            ext, title, url, own, _g = products[product]
            term, group = keywords[keyword]
            if (own and before is not None and today != before) or (
                    not own and today is not None and today <= 10
                    and (before is None or before > 10)):
                median = _median(history)
                rank_rows.append(RankRow("bench", term, group, ext, title, url, own, today,
                                          before, None if median is None else float(median)))
    return rank_rows


def _naive_listings(session: Any, day: dt.date, since: dt.date,
                    products: dict[int, tuple[Any, ...]]
                    ) -> tuple[list[ListingRow], dict[str, Any]]:
    snaps: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in session.execute(text(
            "SELECT s.product_id, r.day, s.price, s.list_price, s.currency, s.in_stock, "
            "s.sales_count, s.title FROM product_snapshots s JOIN crawl_runs r "
            "ON r.id = s.crawl_run_id WHERE r.spider = 'listings' AND r.status IN "
            "('ok', 'partial') AND r.day <= :day AND r.day > :since"),
            {"day": day, "since": since}):
        snaps[row[0]].append(row)
    listing_rows, today_prices = [], {}
    for product, rows in snaps.items():
        rows.sort(key=lambda r: str(r[1]))
        seen_today = [r for r in rows if str(r[1]) == str(day)]
        if not seen_today:
            continue
        t = seen_today[-1]
        earlier = [r for r in rows if str(r[1]) < str(day)]

        def last(index: int, earlier: list[Any] = earlier) -> Any:
            return next((r[index] for r in reversed(earlier) if r[index] is not None), None)

        priced = [r for r in earlier if r[2] is not None]
        median = _median([detection._cents(r[2]) for r in priced[-detection.MEDIAN_OF:]])
        ext, title, url, own, group = products[product]
        today_prices[ext] = (t, title, url)
        listing_rows.append(ListingRow(
            "bench", ext, group, url, own, t[7], last(7), detection._cents(t[2]),
            detection._cents(priced[-1][2]) if priced else None,
            median.quantize(detection.CENT) if median is not None else None, t[4],
            priced[-1][4] if priced else None, detection._cents(t[3]),
            detection._cents(priced[-1][3]) if priced else None,
            detection._bool(t[5]), detection._bool(last(5)), t[6], last(6)))
    return listing_rows, today_prices


def naive_visibility(session: Any, day: dt.date) -> list[Visibility]:
    """Top-10 slot shares and our average rank per group, this week and the week before."""
    week = day - dt.timedelta(days=day.weekday())
    slots: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    brands: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run_day, group, own, brand, position in session.execute(text(
            'SELECT r.day, k."group", p.is_own, COALESCE(p.brand, p.shop, \'\'), '
            "o.organic_position FROM rank_observations o JOIN crawl_runs r "
            "ON r.id = o.crawl_run_id JOIN keywords k ON k.id = o.keyword_id JOIN products p "
            "ON p.id = o.product_id WHERE r.spider = 'ranks' AND r.status = 'ok' "
            "AND r.day >= :previous AND r.day <= :day"),
            {"day": day, "previous": week - dt.timedelta(days=7)}):
        if position is None:
            continue
        this_week = int(str(run_day) >= str(week))
        counts = slots[group, this_week]  # top-10 slots, ours in them, our positions, ours
        counts[0] += position <= 10
        if own:
            counts[1] += position <= 10
            counts[2] += position
            counts[3] += 1
        elif this_week and brand and position <= 10:
            brands[group][brand] += 1
    rows = []
    for group in sorted({g for g, _w in slots}):
        now, before = slots.get((group, 1)), slots.get((group, 0))

        def share(c: list[int] | None) -> float | None:
            return round(c[1] / c[0], 4) if c and c[0] else None

        def avg(c: list[int] | None) -> float | None:
            return round(c[2] / c[3], 2) if c and c[3] else None

        leaders = sorted(brands[group].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        rows.append(Visibility(group, share(now), share(before), avg(now), avg(before),
                               [(b, round(n / now[0], 4)) for b, n in leaders]
                               if now and now[0] else []))
    return rows


def naive_detect(session: Any, config: Config, day: dt.date) -> list[Any]:
    ranks, listings, pairs = naive_rows(session, config, day)
    resolve = thresholds_for(config)
    return sort_alerts(rank_alerts(day, ranks, resolve) + listing_alerts(day, listings, resolve)
                       + undercut_alerts(day, pairs)
                       + visibility_alerts(day, naive_visibility(session, day), resolve))


def _key(alert: Any) -> tuple[Any, ...]:
    return alert.kind, alert.product_id, alert.keyword, alert.before, alert.after


def measure(url: str) -> dict[str, Any]:
    config = bench_config(url)
    timings: dict[str, list[float]] = {"sql": [], "naive": []}
    found: dict[str, list[Any]] = {}
    for _ in range(3):
        for name, run in (("sql", detect), ("naive", naive_detect)):
            with session_scope(url) as session:
                start = time.perf_counter()
                found[name] = run(session, config, LAST)
                timings[name].append(time.perf_counter() - start)
                session.rollback()
    sql_keys = sorted(map(_key, found["sql"]))
    naive_keys = sorted(map(_key, found["naive"]))
    kinds: dict[str, int] = defaultdict(int)
    for alert in found["sql"]:
        kinds[alert.kind] += 1
    return {"alerts": len(found["sql"]), "by_kind": dict(sorted(kinds.items())),
            "same_alerts": sql_keys == naive_keys,
            **{f"{name}_best_s": round(min(t), 3) for name, t in timings.items()},
            **{f"{name}_median_s": round(statistics.median(t), 3)
               for name, t in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--keywords", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sqlite-path", default="/tmp/shopwatch-bench-monitor.db")
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the history a previous run generated")
    args = parser.parse_args()
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        out = ROOT / "bench" / "monitor" / f"results-{db}.json"
        if db == "sqlite":
            path = Path(args.sqlite_path)
            if not args.reuse:
                path.unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = _pg_schema(fresh=not args.reuse)
        upgrade(url)
        result: dict[str, Any] = {
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, "
                       f"Python {platform.python_version()}", "database": db,
            "generate": json.loads(out.read_text())["generate"] if args.reuse
            else generate(url, args.products, args.keywords, args.days)}
        print(db, "generated", result["generate"], flush=True)
        result["detection"] = measure(url)
        print(db, "detection", result["detection"], flush=True)
        out.write_text(json.dumps(result, indent=2) + "\n")


def _pg_schema(fresh: bool) -> str:
    from sqlalchemy import create_engine

    if fresh:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS shopwatch_bench CASCADE"))
            connection.execute(text("CREATE SCHEMA shopwatch_bench"))
        admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3Dshopwatch_bench"


if __name__ == "__main__":
    main()
