"""Small history charts behind alerts (matplotlib PNG): a product's rank or price, 30 days,
titled with its name in the config's language (a CJK font draws Chinese names).

The digest attaches them inline (``cid:``), the HTML report embeds them (``data:``).
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import i18n
from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation, Site
from monitor.notify.explain import product_names, product_of

DAYS = 30
MAX_CHARTS = 40  # a digest with hundreds of alerts gets charts for the most severe ones
RANK_KINDS = frozenset(("rank_drop", "rank_lost", "rank_gain", "new_entrant"))
PRICE_KINDS = frozenset(("price_move", "undercut", "promotion_start", "promotion_end"))

Series = list[tuple[dt.date, float]]


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


# CJK fonts by family name (Debian's fonts-noto-cjk; matplotlib names a .ttc by its first
# face); the first one matplotlib finds draws Chinese titles, DejaVu Sans the rest.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR",
                "Source Han Sans SC", "WenQuanYi Zen Hei")
# a chart's title fits this many columns (a Chinese character takes two) at 8 pt in 3.2 in
TITLE_COLUMNS = 50


@cache
def cjk_family() -> str | None:
    """The first CJK family matplotlib finds, or None (then Chinese names would be boxes, so
    charts fall back to labels without names)."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
        except ValueError:
            continue
        return family
    return None


def png(series: Series, label: str, invert: bool = False) -> bytes:
    """A 3.2 x 1.2 inch line chart (rank charts upside down: #1 at the top)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = cjk_family()
    fonts: Any = {"font.family": ["sans-serif"],
             "font.sans-serif": [*([family] if family else []), "DejaVu Sans"]}
    with matplotlib.rc_context(fonts):
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
            axes.set_xticks(ticks,
                            [(first + dt.timedelta(days=t)).strftime("%m-%d") for t in ticks])
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            figure.tight_layout(pad=0.3)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            return buffer.getvalue()
        finally:
            plt.close(figure)


def _titled(label: str, name: str | None) -> str:
    """"智享扫地机器人 X1 · 排名（第 1 名在上）": the product's name when a font can draw it."""
    if not name or (cjk_family() is None and not name.isascii()):
        return label
    name = " ".join(name.split())
    room = TITLE_COLUMNS - _columns(label) - 3
    if _columns(name) > room:
        while name and _columns(name) > room - 2:
            name = name[:-1]
        name = name.rstrip() + "…"
    return f"{name} · {label}"


def _columns(text: str) -> int:
    """How wide ``text`` is drawn, in half-width columns (wide and full-width characters: 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _chart_for(session: Session, alert: Any, day: dt.date, language: str = "en",
               name: str | None = None) -> bytes | None:
    """The alert's history chart: rank for rank alerts, price for price alerts, when there
    are at least two days to draw; titled with the product's name and what is drawn."""
    product = product_of(alert)
    if not product or not alert.site:
        return None
    _ = i18n.translations(language).gettext
    if alert.kind in RANK_KINDS and alert.keyword:
        series = rank_series(session, alert.site, alert.keyword, product, day)
        label, invert = _("rank (#1 on top)"), True
    elif alert.kind in PRICE_KINDS:
        series = price_series(session, alert.site, product, day)
        label, invert = _("price"), False
    else:
        return None
    return png(series, _titled(label, name), invert) if len(series) >= 2 else None


def charts_for(session: Session, alerts: Sequence[Any], day: dt.date,
               limit: int = MAX_CHARTS, drawn: dict[int, bytes | None] | None = None,
               language: str = "en") -> dict[int, bytes]:
    """PNG per alert, keyed by the alert's index in ``alerts``, for the first ``limit`` that
    have one. ``drawn`` (alert object id -> chart) lets digests that share alerts draw each
    chart once."""
    drawn = {} if drawn is None else drawn
    charts: dict[int, bytes] = {}
    names = product_names(session, alerts[:limit * 4])
    for index, alert in enumerate(alerts):
        if len(charts) >= limit:
            break
        if id(alert) not in drawn:
            drawn[id(alert)] = _chart_for(session, alert, day, language,
                                          names.get((alert.site, product_of(alert) or "")))
        if (chart := drawn[id(alert)]) is not None:
            charts[index] = chart
    return charts
