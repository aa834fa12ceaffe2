"""关键词 Keywords: the week's library per group (hot, new, rising, fading), the coverage gaps
of our titles, and the CSV / XLSX downloads (``keywords.export``, as ``shopwatch keywords
export`` writes them)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.responses import PlainTextResponse, Response

from board.pages.common import shown_day
from board.queries.keywords import coverage_gaps, library_of, library_view
from board.web import Ctx, page
from keywords.export import build_export, export

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@page()
def library(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    group = ctx.arg("group")
    library = library_of(ctx.db, ctx.config, day, group or None)
    return ctx.render("keywords.html", day=day, group=group,
                      view=library_view(ctx.db, ctx.config, day, library=library),
                      gaps=coverage_gaps(ctx.db, ctx.config, day, library=library))


@page()
def download(ctx: Ctx) -> Response:
    """``/keywords/download.csv`` (the term list; ``?part=titles``: the title suggestions)
    or ``.xlsx`` (one book, both sheets)."""
    fmt = ctx.request.path_params["fmt"]
    if fmt not in MEDIA:
        return PlainTextResponse("404: csv or xlsx", status_code=404)
    day = shown_day(ctx)
    group = ctx.arg("group") or None
    data = build_export(ctx.db, ctx.config, group, day)
    name = f"keywords-{day.isoformat()}{'-' + group if group else ''}"
    with tempfile.TemporaryDirectory(prefix="shopwatch-board-") as folder:
        files = export(data, fmt, Path(folder) / f"keywords.{fmt}")
        chosen = files[1] if fmt == "csv" and ctx.arg("part") == "titles" and len(files) > 1 \
            else files[0]
        body = chosen.read_bytes()
    suffix = "-titles" if chosen is not files[0] else ""
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"keywords.{fmt}\"; "
                               f"filename*=UTF-8''{_quoted(name + suffix)}.{fmt}"})


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
