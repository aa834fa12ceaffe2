"""Detection as SQL over the history: window functions find, for every product and keyword,
today's value, the last good observation before it and the median of the last 7, and return
only the rows where something moved. The pure rules (``monitor.rules``) then apply the
thresholds to those few rows.

Portable SQL (SQLite 3.25+ and PostgreSQL): ROW_NUMBER/COUNT windows, the median as the middle
row(s) of each partition (SQLite has no percentile function), conditional aggregation instead
of FULL OUTER JOIN.

Over 300 lines on purpose: most of it is the SQL text of the three detections, kept beside the
code that reads their rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from config import Config
from monitor.rules import ListingRow, PricePair, RankRow, Visibility

HISTORY_DAYS = 30  # how far back the last good observation is looked for
MEDIAN_OF = 7  # crawls before today in the noise median
CENT = Decimal("0.01")

# The usual size of each complete run: the most items any of the 7 complete runs of its site
# and spider before it returned. One definition for the crawl-health alert and for which
# runs the rank comparison trusts (two short runs in a row are both short).
_SIZED_RUNS = """
sized AS (
  SELECT r.id, r.site_id, r.spider, r.day, r.items_count,
         MAX(r.items_count) OVER (PARTITION BY r.site_id, r.spider ORDER BY r.day
                                  ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS usual
  FROM crawl_runs r
  WHERE r.status = 'ok' AND r.day <= :day AND r.day > :since
)"""

# Good ranks runs of the last HISTORY_DAYS per site, newest first (k = 1 is today's when
# the site has a good run today); runs that returned far fewer items than usual count as
# incomplete (no rank conclusions from them).
_GOOD_RANK_RUNS = _SIZED_RUNS + """,
good AS (
  SELECT id, site_id, day,
         ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY day DESC) AS k
  FROM sized
  WHERE spider = 'ranks' AND (usual IS NULL OR items_count >= usual * :min_ratio)
)"""

RANKS_SQL = f"""
WITH {_GOOD_RANK_RUNS},
today_sites AS (  -- a good run today and one before it to compare with
  SELECT site_id FROM good WHERE k = 1 AND day = :day
  INTERSECT SELECT site_id FROM good WHERE k = 2
),
daily AS NOT MATERIALIZED (  -- see LISTINGS_SQL's note on NOT MATERIALIZED
  SELECT g.k, o.keyword_id, o.product_id, MIN(o.organic_position) AS pos
  FROM rank_observations o JOIN good g ON g.id = o.crawl_run_id
  WHERE g.k <= :median_of + 1 AND o.organic_position IS NOT NULL
    AND g.site_id IN (SELECT site_id FROM today_sites)
  GROUP BY g.k, o.keyword_id, o.product_id
),
hist AS (
  SELECT keyword_id, product_id, pos,
         ROW_NUMBER() OVER (PARTITION BY keyword_id, product_id ORDER BY pos) AS rn,
         COUNT(*) OVER (PARTITION BY keyword_id, product_id) AS n
  FROM daily WHERE k >= 2
),
med AS (
  SELECT keyword_id, product_id, AVG(pos) AS median FROM hist
  WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY keyword_id, product_id
),
pair AS (
  SELECT keyword_id, product_id, MIN(CASE WHEN k = 1 THEN pos END) AS today,
         MIN(CASE WHEN k = 2 THEN pos END) AS before
  FROM daily WHERE k <= 2 GROUP BY keyword_id, product_id
)
SELECT s.name, kw.term, kw."group", p.external_id, p.title, p.url, p.is_own,
       pair.today, pair.before, med.median, p."group"
FROM pair
JOIN keywords kw ON kw.id = pair.keyword_id
JOIN sites s ON s.id = kw.site_id
JOIN products p ON p.id = pair.product_id
LEFT JOIN med ON med.keyword_id = pair.keyword_id AND med.product_id = pair.product_id
WHERE (p.is_own AND pair.before IS NOT NULL
       AND (pair.today IS NULL OR pair.today <> pair.before))
   OR (NOT p.is_own AND pair.today <= :max_k AND (pair.before IS NULL OR pair.before > :min_k))
"""

# A product is compared on its own page where it is watched page by page (a listings run
# stored it within the window), else on its entry in the search results (a competitor found
# by search: ``sites[].watch_top``). One source per product, so a page price is never compared
# with a search-card price. Runs that stored something count: a partial run's pages are real.
# For each field the last observation before today that had it (an unknown price or stock is
# skipped, never a change).
# NOT MATERIALIZED (PostgreSQL 12+, SQLite 3.35+): a CTE used twice is otherwise computed once
# and the planner knows nothing of its rows; PostgreSQL then guessed 18 rows for 50,000
# products and joined the medians by nested loop, 1.25 billion comparisons (91 s at 50,000
# products, bench/monitor/large.py). Inlined, the tables' statistics plan hash joins.
LISTINGS_SQL = """
WITH runs AS (
  SELECT r.id, r.site_id, r.day,
         CASE WHEN r.spider = 'listings' THEN 'page' ELSE 'search' END AS src
  FROM crawl_runs r
  WHERE r.spider IN ('listings', 'ranks') AND r.status IN ('ok', 'partial')
    AND r.day <= :day AND r.day > :since
),
paged AS NOT MATERIALIZED (
  SELECT DISTINCT s.product_id FROM product_snapshots s JOIN runs r ON r.id = s.crawl_run_id
  WHERE r.src = 'page'
),
snap AS NOT MATERIALIZED (
  SELECT s.product_id, r.day, r.src, s.price, s.in_stock, s.sales_count, s.title
  FROM product_snapshots s JOIN runs r ON r.id = s.crawl_run_id
  WHERE r.src = 'page' OR s.product_id NOT IN (SELECT product_id FROM paged)
),
today AS (
  SELECT s.*, r.src FROM product_snapshots s JOIN runs r ON r.id = s.crawl_run_id
  WHERE r.day = :day
    AND (r.src = 'page' OR s.product_id NOT IN (SELECT product_id FROM paged))
),
best AS (  -- a search-found product's best organic place today (watch_top keeps the top N)
  SELECT o.product_id, MIN(o.organic_position) AS pos
  FROM rank_observations o JOIN runs r ON r.id = o.crawl_run_id
  WHERE r.day = :day AND r.src = 'search' AND o.organic_position IS NOT NULL
  GROUP BY o.product_id
),
last_day AS (  -- for each field, the last day before today that had it: one grouping pass
  SELECT product_id,
         MAX(CASE WHEN price IS NOT NULL THEN day END) AS price_day,
         MAX(CASE WHEN in_stock IS NOT NULL THEN day END) AS stock_day,
         MAX(CASE WHEN title IS NOT NULL THEN day END) AS title_day,
         MAX(CASE WHEN sales_count IS NOT NULL THEN day END) AS sales_day
  FROM snap WHERE day < :day GROUP BY product_id
),
recent AS (  -- the days of the median: the last crawl days before today
  SELECT day FROM (SELECT DISTINCT day FROM runs WHERE day < :day) d
  ORDER BY day DESC LIMIT :median_of
),
med_rows AS (
  SELECT product_id, price,
         ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY price) AS rn,
         COUNT(*) OVER (PARTITION BY product_id) AS n
  FROM snap WHERE price IS NOT NULL AND day IN (SELECT day FROM recent)
),
med AS (
  SELECT product_id, AVG(price) AS median FROM med_rows
  WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY product_id
)
SELECT s.name, p.external_id, p."group", p.url, p.is_own,
       t.title, lt.title, t.price, lp.price, med.median, t.currency, lp.currency,
       t.list_price, lp.list_price, t.in_stock, ls.in_stock, t.sales_count, ln.sales_count,
       t.src, b.pos
FROM today t
JOIN last_day d ON d.product_id = t.product_id
JOIN products p ON p.id = t.product_id
JOIN sites s ON s.id = p.site_id
LEFT JOIN best b ON b.product_id = t.product_id
LEFT JOIN med ON med.product_id = t.product_id
-- the observations themselves, by the (crawl run, product) key
LEFT JOIN runs rp ON rp.site_id = p.site_id AND rp.day = d.price_day AND rp.src = t.src
LEFT JOIN product_snapshots lp ON lp.crawl_run_id = rp.id AND lp.product_id = t.product_id
LEFT JOIN runs rs ON rs.site_id = p.site_id AND rs.day = d.stock_day AND rs.src = t.src
LEFT JOIN product_snapshots ls ON ls.crawl_run_id = rs.id AND ls.product_id = t.product_id
LEFT JOIN runs rt ON rt.site_id = p.site_id AND rt.day = d.title_day AND rt.src = t.src
LEFT JOIN product_snapshots lt ON lt.crawl_run_id = rt.id AND lt.product_id = t.product_id
LEFT JOIN runs rn ON rn.site_id = p.site_id AND rn.day = d.sales_day AND rn.src = t.src
LEFT JOIN product_snapshots ln ON ln.crawl_run_id = rn.id AND ln.product_id = t.product_id
WHERE (t.src = 'page' OR b.pos <= :watch_top)
  AND ((t.price IS NOT NULL AND lp.price IS NOT NULL AND (
         ABS(t.price - lp.price) * 100 >= :min_pct * lp.price
         OR ABS(t.price - lp.price) >= :min_abs
         OR (t.list_price IS NOT NULL AND t.price < t.list_price)
            <> (lp.list_price IS NOT NULL AND lp.price < lp.list_price)))
   OR (t.in_stock IS NOT NULL AND ls.in_stock IS NOT NULL AND t.in_stock <> ls.in_stock)
   OR (t.title IS NOT NULL AND lt.title IS NOT NULL AND t.title <> lt.title)
   OR (t.sales_count IS NOT NULL AND ln.sales_count IS NOT NULL
       AND t.sales_count - ln.sales_count >= :min_sales))
"""

# The keyword (and its group) a search-found product ranks best for today: the alert says
# where its figures were read, and the keyword's group decides its thresholds.
BEST_KEYWORD_SQL = """
SELECT p.external_id, kw.term, kw."group", o.organic_position
FROM rank_observations o
JOIN crawl_runs r ON r.id = o.crawl_run_id
JOIN keywords kw ON kw.id = o.keyword_id
JOIN products p ON p.id = o.product_id
JOIN sites s ON s.id = r.site_id
WHERE r.spider = 'ranks' AND r.day = :day AND s.name = :site
  AND o.organic_position IS NOT NULL AND p.external_id IN :ids
ORDER BY o.organic_position, kw.term
"""

TODAY_PRICES_SQL = """
SELECT s.name, p.external_id, sn.title, p.title, p.url, sn.price, sn.currency
FROM product_snapshots sn
JOIN crawl_runs r ON r.id = sn.crawl_run_id
JOIN products p ON p.id = sn.product_id
JOIN sites s ON s.id = p.site_id
WHERE r.spider = 'listings' AND r.status IN ('ok', 'partial') AND r.day = :day
  AND p.external_id IN :ids
"""


def _cents(value: Any) -> Decimal | None:
    """SQLite hands NUMERIC back as float, AVG as float everywhere: back to cents."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _all_thresholds(config: Config) -> list[Any]:
    t = config.thresholds
    return [t, *t.groups.values(), *(p.thresholds for p in config.products if p.thresholds),
            *(k.thresholds for k in config.keywords if k.thresholds)]


def _values(config: Config, name: str) -> list[Any]:
    """Every value the config sets for a threshold: global, per group, keyword, product."""
    return [getattr(t, name) for t in _all_thresholds(config) if getattr(t, name) is not None]


def _lowest(config: Config, name: str) -> float | None:
    return min(_values(config, name), default=None)


def rank_rows(session: Session, config: Config, day: dt.date) -> list[RankRow]:
    """Own products whose rank moved or vanished, competitors now in a top K (per the
    loosest thresholds in the config; the rules apply the exact ones)."""
    tops = _values(config, "top_k")
    params = {"day": day, "since": day - dt.timedelta(days=HISTORY_DAYS),
              "min_ratio": config.thresholds.min_items_ratio, "median_of": MEDIAN_OF,
              "max_k": max(tops), "min_k": min(tops)}
    return [RankRow(site, term, group, pid, title, url, bool(own), _int(today), _int(before),
                    None if median is None else float(median), product_group)
            for site, term, group, pid, title, url, own, today, before, median, product_group
            in session.execute(text(RANKS_SQL), params)]


def listing_rows(session: Session, config: Config, day: dt.date) -> list[ListingRow]:
    """Products seen today whose price, promotion, stock, title or sales count moved: those
    watched page by page, and competitors found in the top ``watch_top`` search results."""
    watch_top = {site.name: site.watch_top for site in config.sites}
    params = {"day": day, "since": day - dt.timedelta(days=HISTORY_DAYS),
              "median_of": MEDIAN_OF, "min_pct": _lowest(config, "price_move_pct"),
              "min_abs": _lowest(config, "price_move_abs") or 10**12,
              "min_sales": _lowest(config, "sales_jump_min"),
              "watch_top": max(watch_top.values(), default=0)}
    rows = []
    for (site, pid, group, url, own, title, title_before, price, price_before, median,
         currency, currency_before, list_price, list_before, stock, stock_before, sales,
         sales_before, source, best) in session.execute(text(LISTINGS_SQL), params):
        if source == "search" and (best is None or best > watch_top.get(site, 0)):
            continue
        rows.append(ListingRow(
            site, pid, group or "default", url, bool(own), title, title_before, _cents(price),
            _cents(price_before), _cents(median), currency, currency_before,
            _cents(list_price), _cents(list_before), _bool(stock), _bool(stock_before),
            _int(sales), _int(sales_before), source))
    return _with_best_keyword(session, day, rows)


def _with_best_keyword(session: Session, day: dt.date,
                       rows: list[ListingRow]) -> list[ListingRow]:
    """Search-found rows get the keyword they rank best for today, and its group."""
    found: dict[str, set[str]] = {}
    for row in rows:
        if row.source == "search":
            found.setdefault(row.site, set()).add(row.product_id)
    best: dict[tuple[str, str], tuple[str, str]] = {}
    statement = text(BEST_KEYWORD_SQL).bindparams(bindparam("ids", expanding=True))
    for site, ids in found.items():
        for pid, term, group, _pos in session.execute(
                statement, {"day": day, "site": site, "ids": sorted(ids)}):
            best.setdefault((site, pid), (term, group))
    result = []
    for row in rows:
        term, group = best.get((row.site, row.product_id), (None, None))
        if term is not None:
            # a product with no group of its own takes the keyword's
            row = replace(row, keyword=term,
                          group=group if row.group == "default" and group else row.group)
        result.append(row)
    return result


def price_pairs(session: Session, config: Config, day: dt.date) -> list[PricePair]:
    """Today's prices of the competitors mapped to own products (``compare_to``)."""
    mapped = [(p.site, p.id, p.compare_to) for p in config.products if p.compare_to]
    groups = {(p.site, p.id): p.group for p in config.products}
    if not mapped:
        return []
    ids = sorted({pid for _s, pid, _o in mapped} | {own for _s, _p, own in mapped if own})
    statement = text(TODAY_PRICES_SQL).bindparams(bindparam("ids", expanding=True))
    today: dict[tuple[str, str], tuple[Any, ...]] = {
        (row[0], row[1]): row for row in session.execute(statement, {"day": day, "ids": ids})}
    pairs = []
    for site, pid, own in mapped:
        theirs, ours = today.get((site, pid)), today.get((site, own or ""))
        if theirs is None or ours is None:
            continue  # not seen today (blocked, failed): no conclusion
        pairs.append(PricePair(site, pid, theirs[2] or theirs[3], theirs[4], _cents(theirs[5]),
                               theirs[6], own or "", ours[2] or ours[3], _cents(ours[5]),
                               ours[6], groups.get((site, pid))))
    return pairs


def usual_items(session: Session, day: dt.date) -> dict[tuple[str, str], int]:
    """The usual size (see ``_SIZED_RUNS``) of each site's and spider's complete run of
    ``day``."""
    statement = text(f"WITH {_SIZED_RUNS} SELECT s.name, sized.spider, sized.usual "
                     "FROM sized JOIN sites s ON s.id = sized.site_id "
                     "WHERE sized.day = :day AND sized.usual IS NOT NULL")
    return {(site, spider): int(items) for site, spider, items in session.execute(
        statement, {"day": day, "since": day - dt.timedelta(days=HISTORY_DAYS)})}


# Week-over-week visibility per keyword group: top-10 organic slots by brand (ours = is_own)
# and the average organic rank of our products, this week so far vs the whole week before.
VISIBILITY_SQL = f"""
WITH {_GOOD_RANK_RUNS},
slots AS (
  SELECT kw."group" AS grp, CASE WHEN g.day >= :week THEN 1 ELSE 0 END AS this_week,
         CASE WHEN p.is_own THEN 1 ELSE 0 END AS own,
         COALESCE(p.brand, p.shop, '') AS brand, o.organic_position AS pos
  FROM rank_observations o
  JOIN good g ON g.id = o.crawl_run_id
  JOIN keywords kw ON kw.id = o.keyword_id
  JOIN products p ON p.id = o.product_id
  WHERE o.organic_position IS NOT NULL AND g.day >= :previous
)
SELECT grp, this_week, own, brand,
       SUM(CASE WHEN pos <= 10 THEN 1 ELSE 0 END) AS top10, SUM(pos) AS pos_sum,
       COUNT(*) AS n
FROM slots GROUP BY grp, this_week, own, brand
"""


def visibility(session: Session, config: Config, day: dt.date) -> list[Visibility]:
    """Per keyword group: our share of the top-10 slots, the leading competitor brands' shares
    and our average rank, this ISO week so far and the week before (None: no data)."""
    week = day - dt.timedelta(days=day.weekday())
    params = {"day": day, "week": week, "previous": week - dt.timedelta(days=7),
              "since": week - dt.timedelta(days=7 + HISTORY_DAYS),
              "min_ratio": config.thresholds.min_items_ratio}
    totals: dict[tuple[str, int], int] = {}
    own: dict[tuple[str, int], list[int]] = {}  # top-10 slots, position sum, observations
    brands: dict[tuple[str, int], dict[str, int]] = {}
    for grp, this_week, is_own, brand, top10, pos_sum, n in session.execute(
            text(VISIBILITY_SQL), params):
        key = (grp, int(this_week))
        totals[key] = totals.get(key, 0) + int(top10)
        if is_own:
            mine = own.setdefault(key, [0, 0, 0])
            mine[0] += int(top10)
            mine[1] += int(pos_sum)
            mine[2] += int(n)
        elif brand and top10:
            brands.setdefault(key, {})[brand] = brands.get(key, {}).get(brand, 0) + int(top10)
    result = []
    for grp in sorted({g for g, _w in totals}):
        def share(week_flag: int, grp: str = grp) -> float | None:
            total = totals.get((grp, week_flag))
            return round(own.get((grp, week_flag), [0])[0] / total, 4) if total else None

        def avg(week_flag: int, grp: str = grp) -> float | None:
            mine = own.get((grp, week_flag))
            return round(mine[1] / mine[2], 2) if mine and mine[2] else None

        now_total = totals.get((grp, 1)) or 0
        leaders = sorted(brands.get((grp, 1), {}).items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        result.append(Visibility(grp, share(1), share(0), avg(1), avg(0),
                                 [(b, round(n / now_total, 4)) for b, n in leaders]
                                 if now_total else []))
    return result
