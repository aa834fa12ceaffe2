"""运行 Runs: crawl runs, a run's kept page (as text), the day lock, the outbox and, in
distributed mode, the live workers and the queued work."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from board.pages.common import shown_day
from board.queries.runs import blocked_page, crawl_runs, job_runs, outbox
from board.web import Ctx, page

DAYS = 7


@page()
def listing(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    counts, messages = outbox(ctx.db)
    fleet, fleet_error = _fleet(ctx)
    return ctx.render("runs.html", day=day, days=DAYS, runs=crawl_runs(ctx.db, day, DAYS),
                      jobs=job_runs(ctx.db, day), outbox_counts=counts, messages=messages,
                      fleet=fleet, fleet_error=fleet_error)


def _fleet(ctx: Ctx) -> tuple[dict[str, Any] | None, str | None]:
    """``shopwatch workers``'s view (heartbeats, queued requests) when the config has a
    ``[distributed]`` table; Redis out of reach is said on the page, the rest still shows."""
    if ctx.config.distributed is None:
        return None, None
    import redis

    from crawlers.distributed.fleetview import fleet_status

    try:
        return fleet_status(ctx.config), None
    except redis.RedisError as exc:
        return None, str(exc)


@page()
def kept_page(ctx: Ctx) -> Response:
    """The page the platform showed instead of results: text in a ``<pre>``, never HTML."""
    found = blocked_page(ctx.db, ctx.request.path_params["run_id"])
    if found is None:
        return ctx.render("missing.html", status=404, what=str(ctx.request.path_params["run_id"]))
    kept, site, spider, day = found
    return ctx.render("blocked.html", kept=kept, site=site, spider=spider, day=day)
