"""概览 Overview: one day at a glance (the landing page)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from starlette.responses import Response

from board import charts
from board.pages.common import shown_day
from board.queries import days_between
from board.queries.overview import (
    RankDay,
    alert_counts,
    crawl_health,
    own_rank_days,
    price_index,
    top10_share,
)
from board.web import Ctx, page
from config.schema import SEVERITIES

TREND_DAYS = 30


@page()
def overview(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    since = day - dt.timedelta(days=TREND_DAYS - 1)
    counts = alert_counts(ctx.db, day)
    by_severity: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for severity, kind, n in counts:
        by_severity[severity].append((kind, n))
    rank_days = ctx.kept(own_rank_days, ctx.db, since, day)
    ranks = {r.day: r for r in rank_days}
    days = days_between(since, day)
    index_rows, index_trend = ctx.kept(price_index, ctx.db, ctx.config, day, since)
    today = ranks[day]

    def rank_change(before: RankDay) -> float | None:
        """Places gained on average since ``before`` (negative: lost)."""
        if today.average is None or before.average is None:
            return None
        return round(before.average - today.average, 1)

    def page_one_change(before: RankDay) -> int | None:
        """Keywords with us on page 1 gained since ``before`` (negative: lost)."""
        if today.page_one is None or before.page_one is None:
            return None
        return today.page_one - before.page_one

    return ctx.render(
        "overview.html", day=day, rank_change=rank_change,
        page_one_change=page_one_change, previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
        severities=[(s, sorted(by_severity[s], key=lambda k: -k[1])) for s in SEVERITIES
                    if by_severity.get(s)],
        total=sum(n for _s, _k, n in counts),
        today=today, yesterday=ranks[day - dt.timedelta(days=1)],
        last_week=ranks[day - dt.timedelta(days=7)],
        shares=ctx.kept(top10_share, ctx.db, day), index_rows=index_rows,
        index_today=index_trend[-1][1] if index_trend else None,
        health=crawl_health(ctx.db, day),
        charts={
            "chart-avg-rank": charts.sparkline(days, [r.average for r in rank_days],
                                               inverse=True),
            "chart-page-one": charts.sparkline(days, [r.page_one for r in rank_days]),
            "chart-price-index": charts.sparkline(days, [v for _d, v in index_trend]),
        })
