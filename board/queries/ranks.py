"""Ranks: every tracked keyword x own product (position, change over 1 and 7 days, best,
trend), and one keyword's history for our products and the top competitors.

Organic places and ads are kept apart (an ad's place is its position on the page). A day
whose ranks crawl was blocked or failed is unknown: a gap, never "not ranked"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from board.queries import bad_rank_days, days_between
from db.models import CrawlRun, Keyword, Product, RankObservation, Site

BEST_OF_DAYS = 90  # "best" is the best place in this many days
TREND_DAYS = 30
TOP_COMPETITORS = 5


@dataclass(frozen=True)
class RankLine:
    site: str
    term: str
    group: str
    product_id: str
    title: str | None
    today: int | None
    day_before: int | None
    week_before: int | None
    best: int | None
    trend: list[int | None]  # the last TREND_DAYS days, oldest first
    unknown: frozenset[dt.date]  # days in the trend whose crawl was blocked or failed

    @staticmethod
    def _change(now: int | None, then: int | None) -> int | None:
        return then - now if now is not None and then is not None else None

    @property
    def change_1d(self) -> int | None:
        """Places gained since yesterday (negative: lost)."""
        return self._change(self.today, self.day_before)

    @property
    def change_7d(self) -> int | None:
        return self._change(self.today, self.week_before)


@dataclass
class Series:
    site: str
    product_id: str
    title: str | None
    own: bool
    organic: dict[dt.date, int] = field(default_factory=dict)
    ads: dict[dt.date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class KeywordHistory:
    term: str
    days: list[dt.date]
    series: list[Series]  # ours first, then the top competitors, per site
    unknown: dict[str, list[dt.date]]  # site -> days its ranks crawl was blocked or failed
    sites: list[str]


def own_rank_lines(session: Session, day: dt.date) -> list[RankLine]:
    """Every (site, keyword, own product) seen in the last ``BEST_OF_DAYS`` days."""
    since = day - dt.timedelta(days=BEST_OF_DAYS - 1)
    trend_days = days_between(day - dt.timedelta(days=TREND_DAYS - 1), day)
    # ids first, names after: the observations are read through their product index
    own = {row_id: (pid, title) for row_id, pid, title in session.execute(
        select(Product.id, Product.external_id, Product.title).where(Product.is_own))}
    runs = {run_id: (site, seen) for run_id, site, seen in session.execute(
        select(CrawlRun.id, Site.name, CrawlRun.day).join(Site, Site.id == CrawlRun.site_id)
        .where(CrawlRun.day.between(since, day)))}
    if not own or not runs:
        return []
    rows = session.execute(
        select(RankObservation.crawl_run_id, RankObservation.keyword_id,
               RankObservation.product_id, func.min(RankObservation.organic_position))
        .where(RankObservation.product_id.in_(list(own)),
               RankObservation.crawl_run_id.in_(list(runs)),
               RankObservation.organic_position.is_not(None),
               RankObservation.sponsored.is_(False))
        .group_by(RankObservation.crawl_run_id, RankObservation.keyword_id,
                  RankObservation.product_id))
    found_rows = rows.all()
    terms = {row_id: (term, group) for row_id, term, group in session.execute(
        select(Keyword.id, Keyword.term, Keyword.group)
        .where(Keyword.id.in_({r[1] for r in found_rows})))}
    places: dict[tuple[str, str, str, str, str | None], dict[dt.date, int]] = defaultdict(dict)
    for run_id, keyword_id, product_id, position in found_rows:
        site, seen = runs[run_id]
        term, group = terms[keyword_id]
        pid, title = own[product_id]
        best = places[site, term, group, pid, title]
        best[seen] = min(int(position or 0), best.get(seen, 10**9))
    bad = bad_rank_days(session, trend_days[0], day)
    lines = []
    for (site, term, group, pid, title), found in places.items():
        unknown = frozenset(d for d in trend_days if (site, d) in bad)
        lines.append(RankLine(
            site, term, group, pid, title, found.get(day),
            found.get(day - dt.timedelta(days=1)), found.get(day - dt.timedelta(days=7)),
            min(found.values()), [found.get(d) for d in trend_days], unknown))
    lines.sort(key=lambda r: (r.group, r.term, r.site, r.today is None, r.today or 0))
    return lines


def keyword_history(session: Session, term: str, day: dt.date, days: int,
                    competitors: int = TOP_COMPETITORS,
                    include: tuple[str, str] | None = None) -> KeywordHistory:
    """``term``'s ranks over ``days`` days up to ``day``: our products' and the
    ``competitors`` best-placed other products' organic places, and their ads apart;
    ``include``: a (site, product id) shown whatever its place (an alert's)."""
    since = day - dt.timedelta(days=days - 1)
    sponsored = case((RankObservation.sponsored, RankObservation.position))
    rows = session.execute(
        select(Site.name, Product.external_id, Product.title, Product.is_own, CrawlRun.day,
               func.min(RankObservation.organic_position), func.min(sponsored))
        .select_from(RankObservation)
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .join(Site, Site.id == CrawlRun.site_id)
        .join(Keyword, Keyword.id == RankObservation.keyword_id)
        .join(Product, Product.id == RankObservation.product_id)
        .where(Keyword.term == term, CrawlRun.day.between(since, day))
        .group_by(Site.name, Product.external_id, Product.title, Product.is_own, CrawlRun.day))
    found: dict[tuple[str, str], Series] = {}
    for site, pid, title, own, seen, organic, ad in rows:
        series = found.setdefault((site, pid), Series(site, pid, title, bool(own)))
        if organic is not None:
            series.organic[seen] = int(organic)
        if ad is not None:
            series.ads[seen] = int(ad)
    ours = [s for s in found.values() if s.own]
    seen_days: dict[str, set[dt.date]] = defaultdict(set)
    for series in found.values():
        seen_days[series.site] |= series.organic.keys()

    def mean_place(s: Series) -> float:  # a day it was not among the results counts as 100
        absent = len(seen_days[s.site]) - len(s.organic)
        return (sum(s.organic.values()) + 100 * absent) / max(1, len(seen_days[s.site]))

    others = sorted((s for s in found.values() if not s.own and s.organic), key=mean_place)
    shown = [*ours, *others[:competitors]]
    if include in found and found[include] not in shown:
        shown.append(found[include])
    shown += [s for s in found.values() if s.ads and s not in shown]  # every ad is shown
    bad = bad_rank_days(session, since, day)
    sites = sorted({s.site for s in found.values()} | {site for site, _d in bad})
    unknown = {site: sorted(d for s, d in bad if s == site) for site in sites}
    return KeywordHistory(term, days_between(since, day), shown, unknown, sites)


def tracked_terms(session: Session) -> list[tuple[str, str]]:
    """(group, term) of the keywords the ranks crawl searches (suggestions left out)."""
    rows = session.execute(select(Keyword.group, Keyword.term).distinct()
                           .where(Keyword.source == "manual").order_by(Keyword.group,
                                                                       Keyword.term))
    return [(group, term) for group, term in rows]
