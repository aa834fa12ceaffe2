"""Competitors: the products seen lately with their latest observation, and one product's
history (price, list price, stock, title) with its ``compare_to`` counterparts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, tuple_
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


def _snapshots(ids: Sequence[tuple[str, str]], since: dt.date, until: dt.date,
               ) -> Select[*tuple[Any, ...]]:
    """Snapshots of the products (site, id) from ``since`` to ``until``, one day's best last
    (the product page's beats a listing's, a later one an earlier one)."""
    columns = (Site.name, Product.external_id, CrawlRun.day, ProductSnapshot.price,
               ProductSnapshot.list_price, ProductSnapshot.currency,
               ProductSnapshot.stock_state, ProductSnapshot.title, ProductSnapshot.sales_count)
    statement: Select[*tuple[Any, ...]] = (
        select(*columns)
        .join(Product, Product.id == ProductSnapshot.product_id)
        .join(Site, Site.id == Product.site_id)
        .join(CrawlRun, CrawlRun.id == ProductSnapshot.crawl_run_id)
        .where(tuple_(Site.name, Product.external_id).in_(list(ids)),
               CrawlRun.day.between(since, until))
        .order_by(CrawlRun.day, ProductSnapshot.from_page, ProductSnapshot.id))
    return statement


def daily_points(session: Session, ids: Sequence[tuple[str, str]], since: dt.date,
                 until: dt.date) -> dict[tuple[str, str], list[DayPoint]]:
    """Per product, one point a day it was seen (the day's best observation)."""
    if not ids:
        return {}
    days: dict[tuple[str, str], dict[dt.date, DayPoint]] = {}
    for site, pid, day, price, list_price, currency, stock, title, sales in session.execute(
            _snapshots(ids, since, until)):
        days.setdefault((site, pid), {})[day] = DayPoint(day, price, list_price, currency,
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
    keyword it was found for), shop, role. Returns a page of rows and how many match."""
    since = day - dt.timedelta(days=RECENT_DAYS - 1)
    # a product without a group of its own takes the group of a keyword it was found for
    searched = (select(RankObservation.product_id, func.min(Keyword.group).label("group"))
                .join(Keyword, Keyword.id == RankObservation.keyword_id)
                .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
                .where(CrawlRun.day.between(since, day))
                .group_by(RankObservation.product_id).subquery())
    group_of = func.coalesce(Product.group, searched.c.group)
    found = (select(ProductSnapshot.id.label("snapshot_id"), ProductSnapshot.product_id,
                    ProductSnapshot.price, CrawlRun.day,
                    func.row_number().over(
                        partition_by=ProductSnapshot.product_id,
                        order_by=(CrawlRun.day.desc(), ProductSnapshot.from_page.desc(),
                                  ProductSnapshot.id.desc())).label("n"),
                    func.dense_rank().over(partition_by=ProductSnapshot.product_id,
                                           order_by=CrawlRun.day.desc()).label("d"))
             .join(CrawlRun, CrawlRun.id == ProductSnapshot.crawl_run_id)
             .join(Product, Product.id == ProductSnapshot.product_id)
             .outerjoin(searched, searched.c.product_id == Product.id)
             .where(CrawlRun.day.between(since, day)))
    for column, value in ((group_of, group), (Product.shop, shop), (Product.role, role)):
        if value:
            found = found.where(column == value)
    ranked = found.subquery()
    latest = select(ranked).where(ranked.c.n == 1).subquery()
    before = (select(ranked.c.product_id, func.min(ranked.c.price).label("price"))
              .where(ranked.c.d == 2).group_by(ranked.c.product_id).subquery())
    total = session.scalar(select(func.count()).select_from(latest)) or 0
    rows = session.execute(
        select(Site.name, Product.external_id, Product.title, Product.shop, Product.role,
               group_of, latest.c.day, ProductSnapshot.price, before.c.price,
               ProductSnapshot.list_price, ProductSnapshot.currency,
               ProductSnapshot.stock_state, ProductSnapshot.sales_count)
        .select_from(latest)
        .join(ProductSnapshot, ProductSnapshot.id == latest.c.snapshot_id)
        .join(Product, Product.id == latest.c.product_id)
        .join(Site, Site.id == Product.site_id)
        .outerjoin(before, before.c.product_id == latest.c.product_id)
        .outerjoin(searched, searched.c.product_id == Product.id)
        .order_by(Product.role, group_of, Site.name, Product.external_id)
        .limit(limit).offset(offset))
    watched = watched_ids(session, config)
    return [ProductRow(site, pid, title, shop_, role_, group_, (site, pid) in watched, seen,
                       price, previous, list_price, currency, stock, sales)
            for (site, pid, title, shop_, role_, group_, seen, price, previous, list_price,
                 currency, stock, sales) in rows], int(total)


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
