"""竞品 Competitors: the products seen lately, and one product's price history."""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response

from board import charts
from board.pages.common import SPANS, shown_day, span
from board.queries.products import product_filters, product_history, product_rows
from board.web import Ctx, page

PER_PAGE = 100


@page()
def listing(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    chosen = {name: ctx.arg(name) for name in ("group", "shop", "role")}
    number = int(ctx.arg("page")) if ctx.arg("page").isdigit() else 1
    number = max(1, number)
    rows, total = ctx.kept(product_rows, ctx.db, ctx.config, day, limit=PER_PAGE,
                           offset=(number - 1) * PER_PAGE, **chosen)
    return ctx.render("products.html", day=day, rows=rows, total=total, chosen=chosen,
                      filters=product_filters(ctx.db), page_number=number,
                      pages=max(1, -(-total // PER_PAGE)))


@page()
def product(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    days = span(ctx, 90)
    site, product_id = ctx.request.path_params["site"], ctx.request.path_params["product_id"]
    history = ctx.kept(product_history, ctx.db, ctx.config, site, product_id, day, days)
    if history is None:
        return ctx.render("missing.html", status=404, what=f"{site}/{product_id}")
    since = day - dt.timedelta(days=days - 1)
    return ctx.render("product.html", day=day, days=days, spans=SPANS, history=history,
                      latest=history.points[-1] if history.points else None,
                      option=charts.price_chart(history, ctx.language, since, day))
