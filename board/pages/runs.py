"""运行 Runs: crawl runs, a run's kept page (as text), the day lock and the outbox."""

from __future__ import annotations

from starlette.responses import Response

from board.pages.common import shown_day
from board.queries.runs import blocked_page, crawl_runs, job_runs, outbox
from board.web import Ctx, page

DAYS = 7


@page()
def listing(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    counts, messages = outbox(ctx.db)
    return ctx.render("runs.html", day=day, days=DAYS, runs=crawl_runs(ctx.db, day, DAYS),
                      jobs=job_runs(ctx.db, day), outbox_counts=counts, messages=messages)


@page()
def kept_page(ctx: Ctx) -> Response:
    """The page the platform showed instead of results: text in a ``<pre>``, never HTML."""
    found = blocked_page(ctx.db, ctx.request.path_params["run_id"])
    if found is None:
        return ctx.render("missing.html", status=404, what=str(ctx.request.path_params["run_id"]))
    kept, site, spider, day = found
    return ctx.render("blocked.html", kept=kept, site=site, spider=spider, day=day)
