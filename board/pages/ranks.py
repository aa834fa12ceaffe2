"""排名 Ranks: keyword x own product, and one keyword's history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from starlette.responses import Response

from board import charts
from board.pages.common import SPANS, shown_day, span
from board.queries.ranks import RankLine, keyword_history, own_rank_lines
from board.web import Ctx, page


@page()
def table(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    group = ctx.arg("group")
    lines, sparks = ctx.kept(_lines, ctx.db, day)
    groups = sorted({line.group for line in lines})
    if group:
        kept = [(line, spark) for line, spark in zip(lines, sparks, strict=True)
                if line.group == group]
        lines, sparks = [line for line, _ in kept], [spark for _, spark in kept]
    return ctx.render("ranks.html", day=day, lines=lines, groups=groups, group=group,
                      sparks=sparks)


def _lines(db: Session, day: dt.date) -> tuple[list[RankLine], list[list[str]]]:
    """The rank lines and their trend lines (drawing hundreds of them takes longer than
    reading them)."""
    lines = own_rank_lines(db, day)
    return lines, [charts.svg_sparkline(line.trend, inverse=True) for line in lines]


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
