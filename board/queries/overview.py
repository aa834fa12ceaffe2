"""The overview of one day: alerts by severity and kind, own products' organic ranks, top-10
share per keyword group, the competitor price index, crawl health per site."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from board.queries import days_between
from board.queries.products import daily_prices
from config import Config
from db.models import Alert, CrawlRun, Keyword, Product, RankObservation, Site

STATUS_ORDER = ("failed", "blocked", "partial", "running", "ok")  # worst first


@dataclass(frozen=True)
class RankDay:
    day: dt.date
    average: float | None  # own products' mean best organic position over (keyword, product)
    page_one: int | None  # keywords with an own product on page 1; None: no rank crawl that day
    pairs: int  # (keyword, own product) pairs ranked


@dataclass(frozen=True)
class GroupShare:
    group: str
    own: int  # of the top-10 organic places of the group's keywords
    places: int

    @property
    def share(self) -> float:
        return self.own / self.places if self.places else 0.0


@dataclass(frozen=True)
class PriceIndex:
    site: str
    competitor: str
    own: str
    competitor_price: Decimal | None
    own_price: Decimal | None
    currency: str | None  # the competitor's
    own_currency: str | None

    @property
    def index(self) -> float | None:
        """Competitor's price per 100 of ours (under 100: they are cheaper); None when a price
        is unknown or the two are in different currencies."""
        if not self.competitor_price or not self.own_price or self.currency != self.own_currency:
            return None
        return float(self.competitor_price / self.own_price * 100)


@dataclass(frozen=True)
class SiteHealth:
    site: str
    status: str  # the worst of its runs
    runs: list[tuple[str, str, int, int]]  # spider, status, items, errors


def alert_counts(session: Session, day: dt.date) -> list[tuple[str, str, int]]:
    """(severity, kind, count) of the day's alerts."""
    rows = session.execute(select(Alert.severity, Alert.kind, func.count())
                           .where(Alert.day == day).group_by(Alert.severity, Alert.kind))
    return [(severity, kind, int(n)) for severity, kind, n in rows]


def own_rank_days(session: Session, since: dt.date, until: dt.date) -> list[RankDay]:
    """Per day from ``since`` to ``until``: own products' average organic rank and keywords on
    page 1 (a day without a rank crawl has neither: a gap, not a zero)."""
    crawled = set(session.scalars(
        select(CrawlRun.day).distinct()
        .where(CrawlRun.day.between(since, until),
               select(RankObservation.id).where(RankObservation.crawl_run_id == CrawlRun.id)
               .exists())))
    rows = session.execute(
        select(CrawlRun.day, RankObservation.keyword_id, RankObservation.product_id,
               func.min(RankObservation.organic_position), func.min(RankObservation.page))
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .join(Product, Product.id == RankObservation.product_id)
        .where(Product.is_own, CrawlRun.day.between(since, until),
               RankObservation.organic_position.is_not(None), RankObservation.sponsored.is_(False))
        .group_by(CrawlRun.day, RankObservation.keyword_id, RankObservation.product_id))
    positions: dict[dt.date, list[int]] = defaultdict(list)
    page_one: dict[dt.date, set[int]] = defaultdict(set)
    for day, keyword_id, _product, position, page in rows:
        positions[day].append(int(position or 0))
        if page == 1:
            page_one[day].add(keyword_id)
    return [RankDay(day, sum(positions[day]) / len(positions[day]) if positions[day] else None,
                    len(page_one[day]) if day in crawled else None, len(positions[day]))
            for day in days_between(since, until)]


def top10_share(session: Session, day: dt.date) -> list[GroupShare]:
    """Per keyword group: own products' organic places among the top 10 of its keywords."""
    rows = session.execute(
        select(Keyword.group, func.count(),
               func.sum(case((Product.is_own, 1), else_=0)))
        .select_from(RankObservation)
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .join(Keyword, Keyword.id == RankObservation.keyword_id)
        .join(Product, Product.id == RankObservation.product_id)
        .where(CrawlRun.day == day, RankObservation.organic_position <= 10,
               RankObservation.sponsored.is_(False))
        .group_by(Keyword.group).order_by(Keyword.group))
    return [GroupShare(group, int(own or 0), int(n)) for group, n, own in rows]


def price_index(session: Session, config: Config, day: dt.date, since: dt.date | None = None,
                ) -> tuple[list[PriceIndex], list[tuple[dt.date, float | None]]]:
    """The ``compare_to`` pairs' prices on ``day`` and the mean index per day from ``since``
    (default: the day alone). A pair in two currencies has no index."""
    from board.queries.products import compare_pairs

    pairs = compare_pairs(session, config)
    start = since or day
    ids = {(site, pid) for site, comp, own in pairs for pid in (comp, own)}
    prices = daily_prices(session, sorted(ids), start, day)
    today, trend = [], []
    for current in days_between(start, day):
        indexes = []
        for site, competitor, own in pairs:
            theirs = prices.get((site, competitor, current), (None, None))
            ours = prices.get((site, own, current), (None, None))
            row = PriceIndex(site, competitor, own, theirs[0], ours[0], theirs[1], ours[1])
            if row.index is not None:
                indexes.append(row.index)
            if current == day:
                today.append(row)
        trend.append((current, sum(indexes) / len(indexes) if indexes else None))
    return today, trend


def crawl_health(session: Session, day: dt.date) -> list[SiteHealth]:
    """The day's crawl runs per site, with the worst status of each site's runs."""
    runs: dict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    for site, spider, status, items, errors in session.execute(
            select(Site.name, CrawlRun.spider, CrawlRun.status, CrawlRun.items_count,
                   CrawlRun.errors_count).join(Site, Site.id == CrawlRun.site_id)
            .where(CrawlRun.day == day).order_by(Site.name, CrawlRun.spider)):
        runs[site].append((spider, status, items, errors))
    return [SiteHealth(site, min((r[1] for r in found), key=_badness), found)
            for site, found in runs.items()]


def _badness(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else 0
