"""Small history charts behind alerts (matplotlib PNG): a product's rank or price, 30 days.

The digest attaches them inline (``cid:``), the HTML report embeds them (``data:``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation, Site

DAYS = 30
MAX_CHARTS = 40  # a digest with hundreds of alerts gets charts for the most severe ones
RANK_KINDS = frozenset(("rank_drop", "rank_lost", "rank_gain", "new_entrant"))
PRICE_KINDS = frozenset(("price_move", "undercut", "promotion_start", "promotion_end"))

Series = list[tuple[dt.date, float]]


def _product_id(alert: Any) -> str | None:
    return getattr(alert, "product_external_id", None) or getattr(alert, "product_id", None)


def rank_series(session: Session, site: str, keyword: str, product: str, day: dt.date) -> Series:
    """Best organic position per day over the last DAYS days (complete crawls only)."""
    statement = (
        select(CrawlRun.day, func.min(RankObservation.organic_position))
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .join(Keyword, Keyword.id == RankObservation.keyword_id)
        .join(Site, Site.id == Keyword.site_id)
        .join(Product, Product.id == RankObservation.product_id)
        .where(Site.name == site, Keyword.term == keyword, Product.external_id == product,
               CrawlRun.status == "ok", CrawlRun.day > day - dt.timedelta(days=DAYS),
               CrawlRun.day <= day, RankObservation.organic_position.is_not(None))
        .group_by(CrawlRun.day).order_by(CrawlRun.day))
    return [(d, float(p)) for d, p in session.execute(statement) if p is not None]


def price_series(session: Session, site: str, product: str, day: dt.date) -> Series:
    statement = (
        select(CrawlRun.day, func.min(ProductSnapshot.price))
        .join(CrawlRun, CrawlRun.id == ProductSnapshot.crawl_run_id)
        .join(Product, Product.id == ProductSnapshot.product_id)
        .join(Site, Site.id == Product.site_id)
        .where(Site.name == site, Product.external_id == product,
               CrawlRun.day > day - dt.timedelta(days=DAYS), CrawlRun.day <= day,
               ProductSnapshot.price.is_not(None))
        .group_by(CrawlRun.day).order_by(CrawlRun.day))
    return [(d, float(p)) for d, p in session.execute(statement) if p is not None]


def png(series: Series, label: str, invert: bool = False) -> bytes:
    """A 3.2 x 1.2 inch line chart (rank charts upside down: #1 at the top)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(3.2, 1.2), dpi=100)
    try:
        first = series[0][0]
        days = [(d - first).days for d, _ in series]
        axes.plot(days, [v for _, v in series], marker="o", markersize=3, linewidth=1.5,
                  color="#c0392b" if invert else "#2c6fbb")
        if invert:
            axes.invert_yaxis()
        axes.set_title(label, fontsize=8, loc="left")
        axes.tick_params(labelsize=6)
        ticks = sorted({days[0], days[len(days) // 2], days[-1]})
        axes.set_xticks(ticks, [(first + dt.timedelta(days=t)).strftime("%m-%d") for t in ticks])
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout(pad=0.3)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _chart_for(session: Session, alert: Any, day: dt.date) -> bytes | None:
    """The alert's history chart: rank for rank alerts, price for price alerts, when there
    are at least two days to draw."""
    product = _product_id(alert)
    if not product or not alert.site:
        return None
    if alert.kind in RANK_KINDS and alert.keyword:
        series = rank_series(session, alert.site, alert.keyword, product, day)
        label, invert = "rank (#1 on top)", True
    elif alert.kind in PRICE_KINDS:
        series = price_series(session, alert.site, product, day)
        label, invert = "price", False
    else:
        return None
    return png(series, label, invert) if len(series) >= 2 else None


def charts_for(session: Session, alerts: Sequence[Any], day: dt.date,
               limit: int = MAX_CHARTS, drawn: dict[int, bytes | None] | None = None,
               ) -> dict[int, bytes]:
    """PNG per alert, keyed by the alert's index in ``alerts``, for the first ``limit`` that
    have one. ``drawn`` (alert object id -> chart) lets digests that share alerts draw each
    chart once."""
    drawn = {} if drawn is None else drawn
    charts: dict[int, bytes] = {}
    for index, alert in enumerate(alerts):
        if len(charts) >= limit:
            break
        if id(alert) not in drawn:
            drawn[id(alert)] = _chart_for(session, alert, day)
        if (chart := drawn[id(alert)]) is not None:
            charts[index] = chart
    return charts
