"""预警 Alerts: the inbox, one alert with the history that explains it, acknowledging and
muting (editors only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from board import charts
from board.labels import RANK_KINDS
from board.pages.common import shown_day
from board.queries.alerts import FILTERS, alert_days, alert_row, facets, product_titles
from board.queries.alerts import inbox as inbox_rows
from board.queries.products import product_history
from board.queries.ranks import keyword_history
from board.web import Ctx, local_path, page
from db import repo
from monitor.notify.explain import explain

CHART_DAYS = 30
PER_PAGE = 200  # alerts per page of the inbox (a busy day of a large catalogue: 2 pages)
MAX_MUTE_DAYS = 365


@page()
def inbox(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    chosen = {name: ctx.arg(name) for name in FILTERS}
    open_only = ctx.arg("open") == "1"
    number = max(1, int(ctx.arg("page")) if ctx.arg("page").isdigit() else 1)
    rows = inbox_rows(ctx.db, day, open_only=open_only, **chosen)
    total = len(rows)
    rows = rows[(number - 1) * PER_PAGE:number * PER_PAGE]
    names = _names(ctx, [r.alert for r in rows])
    return ctx.render("alerts.html", day=day, rows=rows, chosen=chosen, open_only=open_only,
                      facets=facets(ctx.db, day), days=alert_days(ctx.db, day),
                      names=names, explained=_explained(ctx, [r.alert for r in rows], names),
                      total=total, page_number=number, pages=max(1, -(-total // PER_PAGE)))


def _names(ctx: Ctx, alerts: list[Any]) -> dict[tuple[str, str], str]:
    return product_titles(ctx.db, alerts)


def _explained(ctx: Ctx, alerts: list[Any], names: dict[tuple[str, str], str],
               ) -> dict[int, str]:
    """What each alert says in the board's language (the digest's and chat's sentences)."""
    return {a.id: explain(a, ctx.language, names) for a in alerts}


@page()
def alert(ctx: Ctx) -> Response:
    row = alert_row(ctx.db, ctx.request.path_params["alert_id"])
    if row is None:
        return ctx.render("missing.html", status=404, what=str(ctx.request.path_params[
            "alert_id"]))
    a = row.alert
    since = a.day - dt.timedelta(days=CHART_DAYS - 1)
    option, chart_id = None, None
    if a.kind in RANK_KINDS and a.keyword:
        include = (a.site, a.product_external_id) if a.site and a.product_external_id else None
        history = ctx.kept(keyword_history, ctx.db, a.keyword, a.day, CHART_DAYS,
                           include=include)
        own = a.product_external_id if a.kind != "new_entrant" else None
        if history.series:
            option = charts.rank_chart(history, ctx.language, only=own)
            chart_id = "chart-rank"
    elif a.site and a.product_external_id:
        found = ctx.kept(product_history, ctx.db, ctx.config, a.site, a.product_external_id,
                         a.day, CHART_DAYS)
        if found is not None:
            option = charts.price_chart(found, ctx.language, since, a.day)
            chart_id = "chart-price"
    return ctx.render("alert.html", row=row, alert=a, option=option, chart_id=chart_id,
                      names=(names := _names(ctx, [a])), explained=_explained(ctx, [a], names),
                      max_mute=MAX_MUTE_DAYS)


@page(write=True)
def acknowledge(ctx: Ctx) -> Response:
    alert_id = ctx.request.path_params["alert_id"]
    if alert_row(ctx.db, alert_id) is None:
        return PlainTextResponse("404: no such alert", status_code=404)
    repo.acknowledge_alert(ctx.db, alert_id, ctx.user or "local")
    return RedirectResponse(local_path(_field(ctx, "next"), f"/alerts/{alert_id}"), 303)


@page(write=True)
def mute(ctx: Ctx) -> Response:
    """Mute a product (``site`` + ``key``) or a keyword (``key``) for ``days`` days from
    today: its alerts are still recorded, not sent."""
    target, site, key = _field(ctx, "target"), _field(ctx, "site"), _field(ctx, "key")
    days = _field(ctx, "days")
    if target not in ("product", "keyword") or not key or (target == "product" and not site) \
            or not days.isdigit() or not 1 <= int(days) <= MAX_MUTE_DAYS:
        return PlainTextResponse("400: target product (site, key) or keyword (key) and "
                                 f"days 1-{MAX_MUTE_DAYS} are needed", status_code=400)
    until = dt.date.today() + dt.timedelta(days=int(days) - 1)
    repo.mute(ctx.db, target, site, key, until, ctx.user or "local")
    return RedirectResponse(local_path(_field(ctx, "next"), "/alerts"), 303)


def _field(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name, "") if ctx.form is not None else ""
    return value.strip() if isinstance(value, str) else ""
