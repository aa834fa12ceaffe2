"""Competitors: the products seen lately with their latest observation, and one product's
history (price, list price, stock, title) with its ``compare_to`` counterparts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from config import Config
from db import repo
from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation, Site

RECENT_DAYS = 30  # a product's "last seen" is looked for this far back


@dataclass(frozen=True)
class ProductRow:
    site: str
    product_id: str
    title: str | None
    shop: str | None
    role: str
    group: str | None
    watched: bool  # in the config's [[products]] or the imported watch list
    last_seen: dt.date
    price: Decimal | None
    previous_price: Decimal | None  # on the day it was seen before
    list_price: Decimal | None
    currency: str | None
    stock_state: str | None
    sales: int | None

    @property
    def change(self) -> Decimal | None:
        if self.price is None or self.previous_price is None:
            return None
        return self.price - self.previous_price

    @property
    def promotion(self) -> bool:
        return bool(self.price and self.list_price and self.list_price > self.price)


@dataclass(frozen=True)
class DayPoint:
    day: dt.date
    price: Decimal | None
    list_price: Decimal | None
    currency: str | None
    stock_state: str | None
    title: str | None
    sales: int | None


@dataclass(frozen=True)
class ProductHistory:
    site: str
    product_id: str
    title: str | None
    shop: str | None
    role: str
    group: str | None
    url: str | None
    points: list[DayPoint]
    counterparts: dict[str, list[DayPoint]]  # compare_to partners' ids -> their days


def compare_pairs(session: Session, config: Config) -> list[tuple[str, str, str]]:
    """(site, competitor id, own id) of ``compare_to``: the config's and the watch list's."""
    pairs = {(p.site, p.id, p.compare_to) for p in config.products if p.compare_to}
    configured = {(p.site, p.id) for p in config.products}
    pairs |= {(w.site, w.external_id, w.compare_to) for w in repo.watchlist(session)
              if w.compare_to and (w.site, w.external_id) not in configured}
    return sorted((site, comp, own) for site, comp, own in pairs if own)


def watched_ids(session: Session, config: Config) -> set[tuple[str, str]]:
    return ({(p.site, p.id) for p in config.products}
            | {(w.site, w.external_id) for w in repo.watchlist(session)})


def product_ids(session: Session, ids: Sequence[tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """Row id -> (site, product id) of the products named (unknown ones left out)."""
    if not ids:
        return {}
    rows = session.execute(select(Product.id, Site.name, Product.external_id)
                           .join(Site, Site.id == Product.site_id)
                           .where(tuple_(Site.name, Product.external_id).in_(list(ids))))
    return {row_id: (site, pid) for row_id, site, pid in rows}


def daily_points(session: Session, ids: Sequence[tuple[str, str]], since: dt.date,
                 until: dt.date) -> dict[tuple[str, str], list[DayPoint]]:
    """Per product (site, id), one point a day it was seen: the day's best observation (the
    product page's beats a listing's, a later one an earlier one)."""
    named = product_ids(session, ids)
    if not named:
        return {}
    rows = session.execute(
        select(ProductSnapshot.product_id, CrawlRun.day, ProductSnapshot.price,
               ProductSnapshot.list_price, ProductSnapshot.currency,
               ProductSnapshot.stock_state, ProductSnapshot.title, ProductSnapshot.sales_count)
        .join(CrawlRun, CrawlRun.id == ProductSnapshot.crawl_run_id)
        .where(ProductSnapshot.product_id.in_(list(named)),  # by its index, then the days
               CrawlRun.day.between(since, until))
        .order_by(CrawlRun.day, ProductSnapshot.from_page, ProductSnapshot.id))
    days: dict[tuple[str, str], dict[dt.date, DayPoint]] = {}
    for row_id, day, price, list_price, currency, stock, title, sales in rows:
        days.setdefault(named[row_id], {})[day] = DayPoint(day, price, list_price, currency,
                                                           stock, title, sales)
    return {key: list(found.values()) for key, found in days.items()}


def daily_prices(session: Session, ids: Sequence[tuple[str, str]], since: dt.date,
                 until: dt.date) -> dict[tuple[str, str, dt.date], tuple[Decimal, str | None]]:
    """(site, product id, day) -> (price, currency), for the days a price was read."""
    return {(site, pid, p.day): (p.price, p.currency)
            for (site, pid), points in daily_points(session, ids, since, until).items()
            for p in points if p.price is not None}


def product_rows(session: Session, config: Config, day: dt.date, *, group: str = "",
                 shop: str = "", role: str = "", limit: int = 200, offset: int = 0,
                 ) -> tuple[list[ProductRow], int]:
    """Products seen in the ``RECENT_DAYS`` up to ``day`` with their latest observation and
    the price of the day before it was last seen; filtered by group (its own, else that of a
    keyword it was found for), shop, role; by role, group, site and id. Returns a page of
    rows and how many match.

    Three light reads instead of one window over every snapshot of the month: the day each
    product was last seen (one aggregate), the products (filtered), then the observations of
    the page's products only."""
    since = day - dt.timedelta(days=RECENT_DAYS - 1)
    last_seen = _last_seen(session, since, day)
    products = select(Product.id, Site.name, Product.external_id, Product.shop,
                      Product.role, Product.group).join(Site, Site.id == Product.site_id)
    if shop:
        products = products.where(Product.shop == shop)
    if role:
        products = products.where(Product.role == role)
    found = [row for row in session.execute(products) if row[0] in last_seen]
    groups = _search_groups(session, [row[0] for row in found if row[5] is None], since, day)
    rows = [(row_id, site, pid, shop_, role_, own_group or groups.get(row_id))
            for row_id, site, pid, shop_, role_, own_group in found]
    if group:
        rows = [row for row in rows if row[5] == group]
    rows.sort(key=lambda r: (r[4], r[5] or "", r[1], r[2]))
    page = rows[offset:offset + limit]
    latest = _latest(session, [row[0] for row in page], since, day)
    titles: dict[int, str | None] = {row_id: title for row_id, title in session.execute(
        select(Product.id, Product.title).where(Product.id.in_([row[0] for row in page])))}
    watched = watched_ids(session, config)
    out = []
    for row_id, site, pid, shop_, role_, group_ in page:
        now, previous = latest.get(row_id, (None, None))
        out.append(ProductRow(
            site, pid, titles.get(row_id), shop_, role_, group_, (site, pid) in watched,
            last_seen[row_id],
            now.price if now else None, previous, now.list_price if now else None,
            now.currency if now else None, now.stock_state if now else None,
            now.sales if now else None))
    return out, len(rows)


def _last_seen(session: Session, since: dt.date, until: dt.date) -> dict[int, dt.date]:
    """Product row id -> the last day from ``since`` to ``until`` it was seen. Day by day
    from the newest, each day's runs read through their (run, product) index, stopping once
    every product is placed: on a store that sees its products daily one day is read (one
    GROUP BY over the month's snapshots took seconds on 10,000 products)."""
    products = session.scalar(select(func.count()).select_from(Product)) or 0
    runs: dict[dt.date, list[int]] = {}
    for run_id, day in session.execute(select(CrawlRun.id, CrawlRun.day)
                                       .where(CrawlRun.day.between(since, until))):
        runs.setdefault(day, []).append(run_id)
    seen: dict[int, dt.date] = {}
    for day in sorted(runs, reverse=True):
        for row_id in session.scalars(select(ProductSnapshot.product_id).distinct()
                                      .where(ProductSnapshot.crawl_run_id.in_(runs[day]))):
            seen.setdefault(row_id, day)
        if len(seen) >= products:
            break
    return seen


def _search_groups(session: Session, product_ids: list[int], since: dt.date,
                   until: dt.date) -> dict[int, str]:
    """The group of a keyword each product was found for (a product without a group)."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(RankObservation.product_id, func.min(Keyword.group))
        .join(Keyword, Keyword.id == RankObservation.keyword_id)
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .where(CrawlRun.day.between(since, until),
               RankObservation.product_id.in_(product_ids))
        .group_by(RankObservation.product_id))
    return {row_id: group for row_id, group in rows if group}


def _latest(session: Session, product_ids: list[int], since: dt.date, until: dt.date,
            ) -> dict[int, tuple[DayPoint, Decimal | None]]:
    """Per product, its latest day's best observation and the lowest price of the day it
    was seen before that."""
    if not product_ids:
        return {}
    days: dict[int, dict[dt.date, list[DayPoint]]] = {}
    for row_id, day, price, list_price, currency, stock, title, sales in session.execute(
            select(ProductSnapshot.product_id, CrawlRun.day, ProductSnapshot.price,
                   ProductSnapshot.list_price, ProductSnapshot.currency,
                   ProductSnapshot.stock_state, ProductSnapshot.title,
                   ProductSnapshot.sales_count)
            .join(CrawlRun, CrawlRun.id == ProductSnapshot.crawl_run_id)
            .where(ProductSnapshot.product_id.in_(product_ids),
                   CrawlRun.day.between(since, until))
            .order_by(CrawlRun.day, ProductSnapshot.from_page, ProductSnapshot.id)):
        days.setdefault(row_id, {}).setdefault(day, []).append(
            DayPoint(day, price, list_price, currency, stock, title, sales))
    latest = {}
    for row_id, by_day in days.items():
        ordered = sorted(by_day)
        before = [p.price for p in by_day[ordered[-2]] if p.price is not None] \
            if len(ordered) > 1 else []
        latest[row_id] = (by_day[ordered[-1]][-1], min(before) if before else None)
    return latest


def product_filters(session: Session) -> dict[str, list[str]]:
    """The groups, shops and roles there are (for the filter menus)."""
    def distinct(column: Any) -> list[str]:
        return sorted(v for v in session.scalars(select(column).distinct()) if v)

    groups = sorted(set(distinct(Product.group)) | set(distinct(Keyword.group)))
    return {"group": groups, "shop": distinct(Product.shop),
            "role": distinct(Product.role)}


def product_history(session: Session, config: Config, site: str, product_id: str,
                    day: dt.date, days: int) -> ProductHistory | None:
    """A product's days up to ``day`` (``days`` of them) and those of its ``compare_to``
    partners: our product for a competitor, the competitors for one of ours."""
    product = session.execute(
        select(Product).join(Site, Site.id == Product.site_id)
        .where(Site.name == site, Product.external_id == product_id)).scalar_one_or_none()
    if product is None:
        return None
    partners = [own if comp == product_id else comp
                for s, comp, own in compare_pairs(session, config)
                if s == site and product_id in (comp, own)]
    since = day - dt.timedelta(days=days - 1)
    points = daily_points(session, [(site, product_id), *((site, p) for p in partners)],
                          since, day)
    return ProductHistory(site, product_id, product.title, product.shop, product.role,
                          product.group, product.url, points.get((site, product_id), []),
                          {p: points.get((site, p), []) for p in partners})
