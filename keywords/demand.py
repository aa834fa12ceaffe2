"""Search demand in the library: imported reports stored per term and week, demand per library
term, the score that combines it, and the weekly opportunity view.

A report's terms are search phrases ("静音扫地机器人"); a library term is a word or a phrase.
A term's demand is the volume of every reported search phrase that contains it (as operators
count a 词根, a root word): 静音 gets the searches of 静音扫地机器人 and of 静音加湿器. Rank-only
reports (Amazon Brand Analytics) give the best Search Frequency Rank instead.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import SearchDemand
from keywords.reports import Report
from keywords.titles import compact

DEMAND_WEIGHT = 1.0  # demand points (0..100) added to a term's library score
TREND_FACTOR = {"new": 1.2, "rising": 1.2, "fading": 0.8}


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def store_report(session: Session, report: Report, week: dt.date) -> int:
    """Replace the source's demand of ``week`` with the report's rows (re-importing a week's
    report replaces it); one row per term (the last of duplicates). Returns rows stored."""
    week = week_of(week)
    rows: dict[str, dict[str, object]] = {}
    for row in report.rows:
        key = compact(row.term)[:256]
        rows[key] = {"source": report.source, "week": week, "term": row.term[:256],
                     "term_key": key, "volume": row.volume, "rank": row.rank,
                     "click_rate": row.click_rate, "conversion": row.conversion,
                     "competing": row.competing, "extra": row.extra or None}
    session.execute(delete(SearchDemand).where(SearchDemand.source == report.source,
                                               SearchDemand.week == week))
    session.add_all(SearchDemand(**values) for values in rows.values())
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class Demand:
    volume: float | None  # searches of all reported phrases that contain the term
    rank: int | None  # the best rank of such a phrase
    points: float  # 0..100: volume on a log scale against the week's largest, else by rank


def demand_week(session: Session, day: dt.date | None) -> dt.date | None:
    """The week of ``day`` if it has demand, else the latest week with demand up to it."""
    statement = select(func.max(SearchDemand.week))
    if day is not None:
        statement = statement.where(SearchDemand.week <= week_of(day))
    return session.scalar(statement)


def reported(session: Session, week: dt.date) -> list[SearchDemand]:
    return list(session.scalars(select(SearchDemand).where(SearchDemand.week == week)
                                .order_by(SearchDemand.rank, SearchDemand.term_key)))


def demand_of(terms: Iterable[str], rows: Sequence[SearchDemand]) -> dict[str, Demand]:
    """Demand per term (terms no reported phrase contains are left out)."""
    # plain tuples: ORM attribute reads were half the time on a 50,000-phrase report
    phrases = [(r.term_key, r.volume, r.rank) for r in rows]
    largest = max((volume for _k, volume, _r in phrases if volume), default=0.0)
    # the reported phrases by each pair of characters they hold: a term is looked for only in
    # the phrases that hold the rarest of its pairs (thousands of terms x thousands of phrases
    # otherwise; its first pair, 扫地 or 智能, is in half of a category's phrases)
    by_pair: dict[str, list[tuple[str, float | None, int | None]]] = defaultdict(list)
    for phrase in phrases:
        key = phrase[0]
        for pair in {key[i:i + 2] for i in range(len(key) - 1)}:
            by_pair[pair].append(phrase)
    out: dict[str, Demand] = {}
    for term in terms:
        key = compact(term)
        if len(key) < 2:
            continue
        rarest = min((by_pair.get(key[i:i + 2], ()) for i in range(len(key) - 1)), key=len)
        found = [p for p in rarest if key in p[0]]
        if not found:
            continue
        volume = sum(v for _k, v, _r in found if v) or None
        rank = min((r for _k, _v, r in found if r), default=None)
        if volume and largest:
            points = 100 * math.log1p(volume) / math.log1p(largest * 2)
        elif rank:
            points = 100 / math.log2(rank + 1)
        else:
            points = 0.0
        out[term] = Demand(volume, rank, round(min(points, 100.0), 2))
    return out


def combined_score(score: float, demand: Demand | None, top10_share: float, trend: str
                   ) -> float:
    """The library's score (rank-weighted use in titles, suggestions and search terms), plus
    demand points, times the trend factor; use in the top-10 titles counts within the score."""
    points = demand.points if demand else 0.0
    return round((score + DEMAND_WEIGHT * points * (1 + top10_share))
                 * TREND_FACTOR.get(trend, 1.0), 4)


@dataclass(frozen=True)
class Opportunity:
    group: str
    term: str
    volume: float | None
    rank: int | None
    points: float
    top10_share: float  # share of the group's top-10 competitor titles that use it
    own_titles: int  # own products of the group whose title uses it
    click_rate: float | None
    conversion: float | None
    competing: int | None
    value: float  # demand points x (1 - top10_share): high demand, few top titles use it


def groups_of(term_key: str, group_terms: dict[str, list[str]]) -> list[str]:
    """The groups a reported search phrase belongs to: those whose keyword terms or product
    nouns it contains."""
    return [group for group, terms in group_terms.items()
            if any(compact(t) in term_key for t in terms)]


def opportunities(rows: Sequence[SearchDemand], library_share: dict[tuple[str, str], float],
                  group_terms: dict[str, list[str]], own_titles: dict[str, list[str]],
                  ) -> list[Opportunity]:
    """Reported search phrases of each group, best opportunity first."""
    largest = max((r.volume for r in rows if r.volume), default=0.0)
    best: dict[tuple[str, str], Opportunity] = {}
    for row in rows:
        demand = demand_of([row.term], [row]).get(row.term)
        if demand is None:
            continue
        if row.volume and largest:  # against the week's largest, as demand_of
            demand = Demand(row.volume, row.rank,
                            round(100 * math.log1p(row.volume) / math.log1p(largest * 2), 2))
        for group in groups_of(row.term_key, group_terms):
            share = library_share.get((group, row.term_key), 0.0)
            own = sum(row.term_key in compact(t) for t in own_titles.get(group, []))
            item = Opportunity(group, row.term, row.volume, row.rank, demand.points, share,
                               own, row.click_rate, row.conversion, row.competing,
                               round(demand.points * (1 - share), 2))
            key = (group, row.term_key)
            if key not in best or item.value > best[key].value:
                best[key] = item
    by_group: dict[str, list[Opportunity]] = defaultdict(list)
    for item in best.values():
        by_group[item.group].append(item)
    return [o for g in sorted(by_group) for o in sorted(by_group[g],
                                                        key=lambda o: (-o.value, o.term))]
