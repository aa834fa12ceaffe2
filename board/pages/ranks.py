"""排名 Ranks: keyword x own product, and one keyword's history."""

from __future__ import annotations

from starlette.responses import Response

from board import charts
from board.pages.common import SPANS, shown_day, span
from board.queries.ranks import keyword_history, own_rank_lines
from board.web import Ctx, page


@page()
def table(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    group = ctx.arg("group")
    lines = ctx.kept(own_rank_lines, ctx.db, day)
    groups = sorted({line.group for line in lines})
    if group:
        lines = [line for line in lines if line.group == group]
    return ctx.render("ranks.html", day=day, lines=lines, groups=groups, group=group,
                      sparks=[charts.svg_sparkline(line.trend, inverse=True)
                              for line in lines])


@page()
def keyword(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    days = span(ctx)
    term = ctx.request.path_params["keyword"]
    history = ctx.kept(keyword_history, ctx.db, term, day, days)
    if not history.series and not history.unknown:
        return ctx.render("missing.html", status=404, what=term)
    return ctx.render("keyword.html", day=day, term=term, days=days, spans=SPANS,
                      history=history, option=charts.rank_chart(history, ctx.language))
