"""关键词 Keywords: the week's library per group (hot, new, rising, fading), the coverage gaps
of our titles, and the CSV / XLSX downloads (``keywords.export``, as ``shopwatch keywords
export`` writes them)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.responses import PlainTextResponse, Response

from board.pages.common import shown_day
from board.queries.keywords import Gap, LibraryView, coverage_gaps, library_of, library_view
from board.web import Ctx, page
from config import Config
from keywords.export import build_export, coverage_path, export, titles_path

PARTS: dict[str, Callable[[Path], Path]] = {"titles": titles_path, "coverage": coverage_path}
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

@page()
def library(ctx: Ctx) -> Response:
    day = shown_day(ctx)
    group = ctx.arg("group")
    view, gaps = ctx.kept(_reads, ctx.db, ctx.config, day, group or None)
    return ctx.render("keywords.html", day=day, group=group, view=view, gaps=gaps)


def _reads(db: Session, config: Config, day: dt.date, group: str | None,
           ) -> tuple[LibraryView, list[Gap]]:
    library = library_of(db, config, day, group)
    return (library_view(db, config, day, library=library),
            coverage_gaps(db, config, day, library=library))


@page()
def download(ctx: Ctx) -> Response:
    """``/keywords/download.csv`` (the term list; ``?part=titles``: the title suggestions,
    ``?part=coverage``: the coverage table) or ``.xlsx`` (one book, every sheet), with the
    headers in the board's language."""
    fmt = ctx.request.path_params["fmt"]
    if fmt not in MEDIA:
        return PlainTextResponse("404: csv or xlsx", status_code=404)
    day = shown_day(ctx)
    group = ctx.arg("group") or None
    part = ctx.arg("part") if fmt == "csv" and ctx.arg("part") in PARTS else ""
    data = replace(build_export(ctx.db, ctx.config, group, day), language=ctx.language)
    name = f"keywords-{day.isoformat()}{'-' + group if group else ''}{'-' + part if part else ''}"
    with tempfile.TemporaryDirectory(prefix="shopwatch-board-") as folder:
        path = Path(folder) / f"keywords.{fmt}"
        export(data, fmt, path)
        body = PARTS[part](path).read_bytes() if part else path.read_bytes()
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"keywords.{fmt}\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}.{fmt}"})
