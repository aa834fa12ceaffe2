"""Detection at agency size on PostgreSQL (issue 20): one day's alerts over 1,000,000
products and 20,000 keywords.

    .venv/bin/python bench/monitor/large.py [--products 1000000] [--keywords 20000]
                                            [--days 31] [--reuse]

``bench/monitor/run.py`` builds its history in Python, row by row, and checks the SQL against
a naive loop; at a million products that takes hours on a small machine. Here PostgreSQL
generates the history itself (``INSERT ... SELECT`` over ``generate_series``, pseudo-random
from ``hashint8`` so the same sizes give the same rows) and only ShopWatch's detection is
timed: ``monitor.runner.detect`` and, one by one, the queries it is made of. The history is
the detection's own window (``monitor.detect.HISTORY_DAYS`` = 30 days before the day, plus
the day): the detection reads runs of that window only, through the ``crawl_run_id``
indexes, so older days change the size of the tables and their indexes, not the rows read.

The market, per product: a base price; about 1 % of products a day make a real move
(5-30 %), 5 % of product-days show up to 2 % noise, 0.2 % of prices are unreadable;
promotions, stock-outs and title changes start on a product's own day; sales grow. Per
keyword: 40 candidate products (one of ours among them), the top 20 shown; on 20 % of
keyword-days the order is shaken. Products 1-100 are ours; 101-200 are mapped to them as
competitors (undercuts). Results go to bench/monitor/results-large-postgresql.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402

from config import Config  # noqa: E402
from db.session import get_engine, session_scope, upgrade  # noqa: E402
from monitor import detect as detection  # noqa: E402
from monitor.runner import detect, with_watchlist  # noqa: E402

PG_URL = os.environ.get("SHOPWATCH_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "shopwatch_bench_large"
LAST = dt.date(2026, 11, 25)
OWN, MAPPED, RESULTS, CANDIDATES = 100, 100, 20, 40

# r(a, b): a pseudo-random float in [0, 1) from two integers, the same on every run
R = "((hashint8(({a})::bigint * 1000003 + ({b})) & 2147483647)::float8 / 2147483648.0)"


def r(a: str, b: str) -> str:
    return R.format(a=a, b=b)


def generate(url: str, products: int, keywords: int, days: int) -> dict[str, Any]:
    first = LAST - dt.timedelta(days=days - 1)
    timings: dict[str, float] = {}
    engine = get_engine(url)
    with engine.begin() as c:
        start = time.perf_counter()
        c.execute(text("INSERT INTO sites (id, name, adapter, base_url) "
                       "VALUES (1, 'bench', 'generic', 'http://x')"))
        c.execute(text(
            "INSERT INTO products (id, site_id, external_id, title, is_own, role, \"group\", "
            "first_seen, url) SELECT i, 1, 'p' || i, 'product ' || i, i <= :own, "
            "CASE WHEN i <= :own THEN 'own' ELSE 'competitor' END, 'g' || (i % 10), "
            "'2026-01-01', 'http://x/item/' || i FROM generate_series(1, :n) i"),
            {"own": OWN, "n": products})
        c.execute(text(
            "INSERT INTO keywords (id, site_id, term, \"group\", source) SELECT k, 1, "
            "'keyword ' || k, 'g' || (k % 10), 'manual' FROM generate_series(1, :n) k"),
            {"n": keywords})
        c.execute(text(
            "INSERT INTO crawl_runs (id, site_id, spider, day, attempt, started_at, "
            "finished_at, status, items_count, pages_count, errors_count, unknown_prices) "
            "SELECT 2 * d + s, 1, CASE s WHEN 1 THEN 'listings' ELSE 'ranks' END, "
            ":first + d, 1, '2026-01-01', '2026-01-01', 'ok', "
            "CASE s WHEN 1 THEN :products ELSE :ranked END, 0, 0, 0 "
            "FROM generate_series(0, :days - 1) d, generate_series(1, 2) s"),
            {"first": first, "products": products, "ranked": keywords * RESULTS,
             "days": days})
        timings["catalogue_s"] = time.perf_counter() - start
    snapshot = f"""
        INSERT INTO product_snapshots (crawl_run_id, product_id, attempt, price, list_price,
            currency, in_stock, sales_count, title, from_page)
        SELECT 2 * :d + 1, p, 1,
               CASE WHEN {r('p', ':d * 7 + 1')} < 0.002 THEN NULL ELSE round(price::numeric, 2) END,
               CASE WHEN promo THEN round(price::numeric * 1.25, 2) END, 'CNY',
               NOT ({r('p', '-3')} * 200 <= :d AND :d < {r('p', '-3')} * 200 + 3),
               (({r('p', '-4')} * 5000)::int + :d * 10
                + CASE WHEN {r('p', '-5')} * 1000 <= :d THEN 300 ELSE 0 END),
               'product ' || p || CASE WHEN {r('p', '-6')} * 1000 <= :d THEN ' v1' ELSE ''
                                       END,
               false
        FROM (SELECT p,
                     (50 + {r('p', '-1')} * 4950)
                     * CASE WHEN {r('p', '-2')} * 100 <= :d
                            THEN 1 + (CASE WHEN {r('p', '-7')} < 0.5 THEN -1 ELSE 1 END)
                                     * (0.05 + 0.25 * {r('p', '-8')})
                            ELSE 1 END
                     * CASE WHEN {r('p', ':d * 7 + 2')} < 0.05
                            THEN 1 + 0.04 * ({r('p', ':d * 7 + 3')} - 0.5) ELSE 1 END
                     AS price,
                     ({r('p', '-9')} * 300 <= :d AND :d < {r('p', '-9')} * 300 + 5) AS promo
              FROM generate_series(1, :n) p) m"""
    ranks = f"""
        INSERT INTO rank_observations (crawl_run_id, keyword_id, product_id, attempt,
            position, organic_position, page, sponsored)
        SELECT 2 * :d + 2, k, product, 1, position, position, 1, false
        FROM (SELECT k, product, row_number() OVER (PARTITION BY k ORDER BY score) AS position
              FROM (SELECT k,
                           CASE WHEN s = 1 + (k % :candidates) THEN 1 + (k % :own)
                                ELSE 1 + (hashint8(k::bigint * 64 + s) & 2147483647) % :n
                                END AS product,
                           s + CASE WHEN {r('k', ':d * 5 + 1')} < 0.2
                                    THEN ({r('k * 64 + s', ':d * 5 + 2')} - 0.5) * 12
                                    ELSE 0 END AS score
                    FROM generate_series(1, :keywords) k,
                         generate_series(1, :candidates) s) c) o
        WHERE position <= :results"""
    with engine.begin() as c:  # secondary indexes: built once after the load, not row by row
        indexes = [d for (d,) in c.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = :s AND tablename IN "
            "('product_snapshots', 'rank_observations') AND indexname LIKE 'ix_%'"),
            {"s": SCHEMA})]
        c.execute(text("DROP INDEX " + ", ".join(
            d.split(" INDEX ", 1)[1].split(" ON ", 1)[0] for d in indexes)))
    start = time.perf_counter()
    for d in range(days):
        with engine.begin() as c:
            # the rows are generated against the ids above: no foreign-key trigger per row
            c.execute(text("SET LOCAL session_replication_role = replica"))
            c.execute(text(snapshot), {"d": d, "n": products})
            c.execute(text(ranks), {"d": d, "n": products, "keywords": keywords,
                                    "candidates": CANDIDATES, "own": OWN,
                                    "results": RESULTS})
        print(f"  day {d + 1}/{days}: {time.perf_counter() - start:.0f}s", flush=True)
    timings["history_s"] = time.perf_counter() - start
    start = time.perf_counter()
    with engine.begin() as c:
        for definition in indexes:
            c.execute(text(definition))
    timings["indexes_s"] = time.perf_counter() - start
    start = time.perf_counter()
    with engine.begin() as c:
        for table in ("sites", "products", "keywords", "crawl_runs"):
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT MAX(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
        counts = {t: int(c.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
                  for t in ("products", "keywords", "product_snapshots", "rank_observations")}
        size = c.scalar(text("SELECT pg_size_pretty(sum(pg_total_relation_size("
                             "quote_ident(schemaname) || '.' || quote_ident(tablename)))) "
                             "FROM pg_tables WHERE schemaname = :s"), {"s": SCHEMA})
    timings["analyze_s"] = time.perf_counter() - start
    return {"products": products, "keywords": keywords, "days": days, **counts,
            "database_size": size, **{k: round(v, 1) for k, v in timings.items()}}


def bench_config(url: str) -> Config:
    return Config.model_validate({
        "database_url": url, "sites": [{"name": "bench", "base_url": "http://x"}],
        "products": [{"site": "bench", "id": f"p{OWN + i}", "compare_to": f"p{i}"}
                     for i in range(1, MAPPED + 1)]})


class QueryClock:
    """Wall time of every statement the detection sends, by the function that sent it."""

    def __init__(self, url: str) -> None:
        self.engine = get_engine(url)
        self.spent: dict[str, float] = defaultdict(float)
        self.stage = "other"
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["t0"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        self.spent[self.stage] += time.perf_counter() - conn.info.pop("t0")


PARTS: list[tuple[str, Any]] = [
    ("usual_items", lambda session, _config: detection.usual_items(session, LAST)),
    ("rank_rows", lambda session, config: detection.rank_rows(session, config, LAST)),
    ("listing_rows", lambda session, config: detection.listing_rows(session, config, LAST)),
    ("price_pairs", lambda session, config: detection.price_pairs(session, config, LAST)),
    ("visibility", lambda session, config: detection.visibility(session, config, LAST))]


def measure(url: str, rounds: int) -> dict[str, Any]:
    config = bench_config(url)
    clock = QueryClock(url)
    totals: list[float] = []
    seconds: dict[str, list[float]] = defaultdict(list)  # each part, wall time
    in_sql: dict[str, list[float]] = defaultdict(list)  # of which in its SQL statements
    rows: dict[str, int] = {}
    alerts: list[Any] = []
    for _ in range(rounds):
        with session_scope(url) as session:
            start = time.perf_counter()
            alerts = detect(session, config, LAST)
            totals.append(time.perf_counter() - start)
            session.rollback()
        with session_scope(url) as session:  # each part alone, its SQL timed
            watched = with_watchlist(config, session)
            for name, part in PARTS:
                clock.stage, clock.spent[name] = name, 0.0
                start = time.perf_counter()
                rows[name] = len(part(session, watched))
                seconds[name].append(time.perf_counter() - start)
                in_sql[name].append(clock.spent[name])
            session.rollback()
        print(f"  detect {totals[-1]:.1f}s", flush=True)
    kinds: dict[str, int] = defaultdict(int)
    for alert in alerts:
        kinds[alert.kind] += 1
    return {"alerts": len(alerts), "by_kind": dict(sorted(kinds.items())),
            "detect_best_s": round(min(totals), 2),
            "detect_median_s": round(statistics.median(totals), 2),
            "parts_median_s": {k: round(statistics.median(v), 2) for k, v in seconds.items()},
            "parts_sql_median_s": {k: round(statistics.median(v), 2)
                                   for k, v in in_sql.items()},
            "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--keywords", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=detection.HISTORY_DAYS + 1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the history a previous run generated")
    parser.add_argument("--keep", action="store_true", help="leave the schema in place")
    args = parser.parse_args()
    url = f"{PG_URL}?options=-csearch_path%3D{SCHEMA}"
    out = HERE / "results-large-postgresql.json"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        if not args.reuse:
            with admin.connect() as c:
                c.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                c.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            upgrade(url)
        with admin.connect() as c:
            server = c.scalar(text("SELECT version()"))
            settings = {name: c.scalar(text(f"SHOW {name}")) for name in
                        ("shared_buffers", "work_mem", "max_parallel_workers_per_gather")}
        result: dict[str, Any] = {
            "measured": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}",
            "server": server, "settings": settings,
            "generate": json.loads(out.read_text())["generate"] if args.reuse
            else generate(url, args.products, args.keywords, args.days)}
        print("generated", result["generate"], flush=True)
        result["detection"] = measure(url, args.rounds)
        print("detection", json.dumps(result["detection"], indent=1), flush=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
