"""Chart options built for ECharts: shaded ranges have a width even for one day."""

from __future__ import annotations

import datetime as dt

from board.charts import _ranges

DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(6)]


def iso(n: int) -> str:
    return DAYS[n].isoformat()


def test_a_one_day_promotion_is_shaded_up_to_the_next_day() -> None:
    assert _ranges(DAYS, {DAYS[2]}) == [[{"xAxis": iso(2)}, {"xAxis": iso(3)}]]


def test_consecutive_days_form_one_range_and_separate_runs_two() -> None:
    assert _ranges(DAYS, {DAYS[0], DAYS[1], DAYS[4]}) == [
        [{"xAxis": iso(0)}, {"xAxis": iso(2)}], [{"xAxis": iso(4)}, {"xAxis": iso(5)}]]


def test_the_axis_last_day_is_shaded_from_the_day_before() -> None:
    assert _ranges(DAYS, {DAYS[5]}) == [[{"xAxis": iso(4)}, {"xAxis": iso(5)}]]
    assert _ranges(DAYS, {DAYS[3], DAYS[4], DAYS[5]}) == [[{"xAxis": iso(3)}, {"xAxis": iso(5)}]]
    assert _ranges(DAYS[:1], {DAYS[0]}) == [[{"xAxis": iso(0)}, {"xAxis": iso(0)}]]
    assert _ranges(DAYS, set()) == []
