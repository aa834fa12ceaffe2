"""What several pages share: the day shown, the chart spans."""

from __future__ import annotations

import datetime as dt

from board.queries import newest_day
from board.web import Ctx

SPANS = (7, 30, 90, 365)  # the history charts' ranges, in days


def shown_day(ctx: Ctx) -> dt.date:
    """``?date=`` or the newest day with data (today on an empty store)."""
    return ctx.day(newest_day(ctx.db) or dt.date.today())


def span(ctx: Ctx, default: int = 30) -> int:
    value = ctx.arg("days")
    return int(value) if value.isdigit() and int(value) in SPANS else default
