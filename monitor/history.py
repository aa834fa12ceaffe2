"""Read what the rules compare from the database: run health, ranks and listings of a day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation, Site
from monitor.rules import ListingPoint, RankKey, RankPoint, RunHealth


def runs_of_day(session: Session, day: dt.date) -> list[RunHealth]:
    statement = (select(Site.name, CrawlRun.spider, CrawlRun.status, CrawlRun.items_count,
                        CrawlRun.error_summary)
                 .join(Site, Site.id == CrawlRun.site_id).where(CrawlRun.day == day)
                 .order_by(Site.name, CrawlRun.spider))
    return [RunHealth(*row) for row in session.execute(statement)]


def good_run(session: Session, site: str, spider: str, day: dt.date,
             before: bool = False) -> CrawlRun | None:
    """The site's complete (status ok) run of ``day``, or of the last such day before it."""
    statement = (select(CrawlRun).join(Site, Site.id == CrawlRun.site_id)
                 .where(Site.name == site, CrawlRun.spider == spider, CrawlRun.status == "ok"))
    if before:
        statement = statement.where(CrawlRun.day < day).order_by(CrawlRun.day.desc()).limit(1)
    else:
        statement = statement.where(CrawlRun.day == day)
    return session.scalars(statement).first()


def rank_points(session: Session, run: CrawlRun) -> dict[RankKey, RankPoint]:
    """Each product's best organic position per keyword in one run (ads are left out)."""
    statement = (
        select(Site.name, Keyword.term, Product.external_id, Product.title, Product.url,
               Product.is_own, func.min(RankObservation.organic_position),
               func.min(RankObservation.page))
        .join(Keyword, Keyword.id == RankObservation.keyword_id)
        .join(Site, Site.id == Keyword.site_id)
        .join(Product, Product.id == RankObservation.product_id)
        .where(RankObservation.crawl_run_id == run.id,
               RankObservation.organic_position.is_not(None))
        .group_by(Site.name, Keyword.term, Product.external_id, Product.title, Product.url,
                  Product.is_own))
    points: dict[RankKey, RankPoint] = {}
    for site, term, pid, title, url, own, position, page in session.execute(statement):
        if position is not None:  # the query keeps organic slots only
            points[site, term, pid] = RankPoint(site, term, pid, title, url, bool(own),
                                                position, page)
    return points


def listing_points(session: Session, run: CrawlRun) -> dict[tuple[str, str], ListingPoint]:
    statement = (
        select(Site.name, Product.external_id, ProductSnapshot.title, Product.url,
               Product.is_own, ProductSnapshot.price, ProductSnapshot.currency,
               ProductSnapshot.in_stock)
        .join(Product, Product.id == ProductSnapshot.product_id)
        .join(Site, Site.id == Product.site_id)
        .where(ProductSnapshot.crawl_run_id == run.id))
    return {(row[0], row[1]): ListingPoint(row[0], row[1], row[2], row[3], bool(row[4]),
                                           row[5], row[6], row[7])
            for row in session.execute(statement)}


def listing_points_partial(session: Session, site: str, day: dt.date,
                           ) -> dict[tuple[str, str], ListingPoint]:
    """Product pages read on ``day`` even if the run was partial: each page stands alone."""
    statement = (select(CrawlRun).join(Site, Site.id == CrawlRun.site_id)
                 .where(Site.name == site, CrawlRun.spider == "listings", CrawlRun.day == day,
                        CrawlRun.status.in_(("ok", "partial"))))
    run = session.scalars(statement).first()
    return listing_points(session, run) if run else {}
