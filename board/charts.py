"""ECharts options (plain dicts, sent as JSON) from the queries' rows; ``static/board.js``
hands them to ``echarts.setOption``. Days without data are ``null`` (a gap in the line);
a day whose crawl was blocked or failed is shaded as unknown, never drawn as "not ranked"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from board.queries import days_between
from board.queries.products import DayPoint, ProductHistory
from board.queries.ranks import KeywordHistory
from config import i18n

Option = dict[str, Any]
NAME_CHARS = 24
OWN_COLOUR = "#d9480f"
UNKNOWN_AREA = {"color": "rgba(120,120,120,0.18)"}
PROMOTION_AREA = {"color": "rgba(250,200,50,0.25)"}
STOCK_OUT_AREA = {"color": "rgba(220,40,40,0.15)"}


def _short(text: str | None, fallback: str) -> str:
    text = (text or fallback).strip()
    return text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1] + "…"


def _ranges(days: Sequence[dt.date], marked: set[dt.date]) -> list[list[dict[str, str]]]:
    """Consecutive marked days as markArea ranges. A day is shaded up to the next day, where
    the step line (``step: "end"``) changes, so that a one-day promotion has a width; on the
    axis's last day, from the day before."""
    ranges: list[list[dict[str, str]]] = []
    start: int | None = None
    for index, day in enumerate(days):
        if day in marked and start is None:
            start = index
        last = index == len(days) - 1
        if start is not None and (day not in marked or last):
            end = index if day not in marked else index + 1
            if end >= len(days):
                end = len(days) - 1
                start = min(start, max(end - 1, 0))
            ranges.append([{"xAxis": days[start].isoformat()}, {"xAxis": days[end].isoformat()}])
            start = None
    return ranges


def _area_series(name: str, ranges: list[list[dict[str, str]]], style: dict[str, str],
                 ) -> Option:
    """An empty series that carries shaded ranges under its own legend entry."""
    return {"name": name, "type": "line", "data": [], "markArea": {
        "silent": True, "itemStyle": style, "data": ranges}}


def _frame(days: Sequence[dt.date], y_name: str, *, inverse: bool = False) -> Option:
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 48, "right": 24, "top": 48, "bottom": 56},
        "dataZoom": [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}],
        "xAxis": {"type": "category", "data": [d.isoformat() for d in days]},
        "yAxis": {"type": "value", "name": y_name, "inverse": inverse,
                  **({"min": 1} if inverse else {"scale": True})},
        "series": [],
    }


def _trimmed(option: Option, keep: int = 7) -> Option:
    """Leave out the leading days nothing was recorded on (a history younger than the span),
    keeping at least ``keep`` days."""
    days: list[str] = option["xAxis"]["data"]
    found = [i for series in option["series"] for i, v in enumerate(series["data"])
             if v is not None]
    found += [days.index(r[0]["xAxis"]) for series in option["series"]
              for r in series.get("markArea", {}).get("data", []) if r[0]["xAxis"] in days]
    start = max(0, min(min(found, default=0), len(days) - keep))
    if start:
        option["xAxis"]["data"] = days[start:]
        for series in option["series"]:
            if series["data"]:
                series["data"] = series["data"][start:]
    return option


def rank_chart(history: KeywordHistory, language: str, only: str | None = None) -> Option:
    """Organic places (lines) and ads (triangles) of ``history``; ``only``: that product and
    the competitors, for an alert's chart."""
    _ = i18n.translations(language).gettext
    option = _frame(history.days, _("Position"), inverse=True)
    several = len(history.sites) > 1
    for series in history.series:
        if only and series.own and series.product_id != only:
            continue
        name = _short(series.title, series.product_id)
        if several:
            name = f"{name} · {series.site}"
        if series.organic:
            line: Option = {"name": name, "type": "line", "connectNulls": False,
                            "symbolSize": 5,
                            "data": [series.organic.get(d) for d in history.days]}
            if series.own:
                line["lineStyle"] = {"width": 3}
                line["itemStyle"] = {"color": OWN_COLOUR} if only else {}
            else:
                line["lineStyle"] = {"type": "dashed"}
            option["series"].append(line)
        if series.ads:
            option["series"].append({
                "name": _("Ad") + " · " + name, "type": "scatter", "symbol": "triangle",
                "data": [series.ads.get(d) for d in history.days]})
    unknown = {d for days in history.unknown.values() for d in days}
    if unknown:
        option["series"].append(_area_series(
            _("Crawl blocked or failed"), _ranges(history.days, unknown), UNKNOWN_AREA))
    return _trimmed(option)


def _prices(points: Sequence[DayPoint], days: Sequence[dt.date]) -> list[float | None]:
    by_day = {p.day: p.price for p in points}
    return [float(v) if (v := by_day.get(d)) is not None else None for d in days]


def price_chart(history: ProductHistory, language: str, since: dt.date, until: dt.date,
                ) -> Option:
    """Price and list price, promotions shaded, stock-outs shaded, title changes marked, and
    the ``compare_to`` partners' prices on the same axis."""
    _ = i18n.translations(language).gettext
    days = days_between(since, until)
    option = _frame(days, _("Price"))
    points = history.points
    option["series"].append({"name": _("Price"), "type": "line", "step": "end",
                             "connectNulls": False, "lineStyle": {"width": 3},
                             "data": _prices(points, days)})
    by_day = {p.day: p.list_price for p in points}
    option["series"].append({
        "name": _("List price"), "type": "line", "step": "end", "connectNulls": False,
        "lineStyle": {"type": "dashed"},
        "data": [float(v) if (v := by_day.get(d)) is not None else None for d in days]})
    for partner, partner_points in history.counterparts.items():
        label = _("Ours") if history.role != "own" else _("Competitor")
        option["series"].append({"name": f"{label} · {partner}", "type": "line",
                                 "step": "end", "connectNulls": False,
                                 "data": _prices(partner_points, days)})
    promotions = {p.day for p in points if p.price and p.list_price and p.list_price > p.price}
    stock_outs = {p.day for p in points if p.stock_state == "out_of_stock"}
    if promotions:
        option["series"].append(_area_series(_("Promotion"), _ranges(days, promotions),
                                             PROMOTION_AREA))
    if stock_outs:
        option["series"].append(_area_series(_("Out of stock"), _ranges(days, stock_outs),
                                             STOCK_OUT_AREA))
    changes = [p.day for before, p in pairwise(points)
               if before.title and p.title and before.title != p.title]
    if changes:
        option["series"].append({"name": _("Title changed"), "type": "line", "data": [],
                                 "markLine": {"symbol": "none", "data": [
                                     {"xAxis": d.isoformat()} for d in changes]}})
    return _trimmed(option)


def sparkline(days: Sequence[dt.date], values: Sequence[float | int | None], *,
              inverse: bool = False) -> Option:
    """A small line without axes (the overview's and the rank table's trends)."""
    return {"animation": False, "grid": {"left": 2, "right": 2, "top": 4, "bottom": 4},
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "show": False,
                      "data": [d.isoformat() for d in days]},
            "yAxis": {"type": "value", "show": False, "inverse": inverse, "scale": True},
            "series": [{"type": "line", "symbol": "none", "connectNulls": False,
                        "data": [None if v is None else round(float(v), 2) for v in values]}]}


def svg_sparkline(values: Sequence[float | int | None], width: int = 120, height: int = 24,
                  *, inverse: bool = False) -> list[str]:
    """A trend drawn on the server as SVG polyline points (one string per run of known days,
    so an unknown day is a gap): the rank table has a line per row, too many for charts."""
    known = [float(v) for v in values if v is not None]
    if not known or len(values) < 2:
        return []
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    runs: list[str] = []
    current: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(" ".join(current))
            current = []
            continue
        share = (float(value) - low) / span
        y = share * (height - 2) + 1 if inverse else (1 - share) * (height - 2) + 1
        current.append(f"{index * step:.1f},{y:.1f}")
    if current:
        runs.append(" ".join(current))
    return runs
