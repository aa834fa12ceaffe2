"""Detection over a stored history (SQL with window functions), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from config import Config
from monitor.runner import run_monitor
from tests.support.history import START, History

CONFIG = {
    "sites": [{"name": "demo", "base_url": "http://127.0.0.1:9"}],
    "keywords": [{"term": "扫地机器人", "group": "清洁"}],
    "products": [{"site": "demo", "id": "c1", "compare_to": "o1"},
                 {"site": "demo", "id": "o1", "role": "own"}],
    # visibility week over week has a test of its own
    "thresholds": {"visibility_drop_pts": 100, "visibility_rank_pct": 10000},
}


def _kinds(session: Session, day: dt.date, **changes: object
           ) -> list[tuple[str, str | None]]:
    config = Config.model_validate({**CONFIG, **changes})
    return sorted((a.kind, a.product_id) for a in run_monitor(session, config, day))


def test_a_blocked_day_gives_crawl_alerts_only(db_session: Session) -> None:
    h = History(db_session)
    h.ranks(START, {"o1": 3, "c1": 1})
    h.listings(START, {"o1": "100", "c1": "120"})
    h.ranks(START + dt.timedelta(1), {}, status="blocked", filler=0)
    h.listings(START + dt.timedelta(1), {}, status="blocked")
    assert _kinds(db_session, START + dt.timedelta(1)) == [("crawl_blocked", None)] * 2
    h.ranks(START + dt.timedelta(2), {}, status="blocked", filler=0)  # blocked again: said again
    assert _kinds(db_session, START + dt.timedelta(2)) == [("crawl_blocked", None)]
    # a run that "succeeded" with far fewer results is no evidence that our product vanished
    h.ranks(START + dt.timedelta(3), {"c1": 1}, filler=2)
    assert _kinds(db_session, START + dt.timedelta(3)) == [("crawl_failed", None)]
    # and a second short run in a row is as short: measured against the usual size, not
    # against yesterday's short run
    h.ranks(START + dt.timedelta(4), {"c1": 1}, filler=2)
    assert _kinds(db_session, START + dt.timedelta(4)) == [("crawl_failed", None)]


def test_noise_flip_flops_and_repeats(db_session: Session) -> None:
    """#3 for six days, then 9, 3, 9, 15: the first drop is reported; the way back to the
    usual #3 is noise, not a gain; the same drop to #9 again is not re-alerted; #15 is worse
    and is."""
    h = History(db_session)
    days = [START + dt.timedelta(i) for i in range(10)]
    for day, position in zip(days, [3, 3, 3, 3, 3, 3, 9, 3, 9, 15], strict=True):
        h.ranks(day, {"o1": position, "c1": 1})
    found = {day: _kinds(db_session, day) for day in days[1:]}
    assert found == {**{day: [] for day in days[1:]},
                     days[6]: [("rank_drop", "o1")], days[9]: [("rank_drop", "o1")]}


def test_new_entrant_and_lost(db_session: Session) -> None:
    h = History(db_session)
    h.ranks(START, {"o1": 3, "c1": 1, "c2": 14})
    h.ranks(START + dt.timedelta(1), {"c1": 1, "c2": 8, "c3": 2})
    assert _kinds(db_session, START + dt.timedelta(1)) == [
        ("new_entrant", "c2"), ("new_entrant", "c3"), ("rank_lost", "o1")]
    assert _kinds(db_session, START) == []  # the first day has nothing to compare with


def test_prices_unknown_days_medians_and_undercut(db_session: Session) -> None:
    h = History(db_session)
    days = [START + dt.timedelta(i) for i in range(5)]
    h.listings(days[0], {"o1": "2099", "c1": "2199"})
    h.listings(days[1], {"o1": "2099", "c1": None})     # unreadable price: unknown, not 0
    h.listings(days[2], {"o1": "2099", "c1": "1999"})   # vs the last known 2199: -9.1 %
    h.listings(days[3], {"o1": "2099", "c1": "1999"}, stock={"c1": False})
    h.listings(days[4], {"o1": "2099"})                 # c1's page not read today
    assert _kinds(db_session, days[1]) == []
    assert _kinds(db_session, days[2]) == [("price_move", "c1"), ("undercut", "c1")]
    assert _kinds(db_session, days[3]) == [("stock_out", "c1")]  # the undercut is not repeated
    assert _kinds(db_session, days[4]) == []


def test_visibility_week_over_week(db_session: Session) -> None:
    from monitor.detect import visibility
    from monitor.notify.digest import render

    h = History(db_session)
    monday = dt.date(2026, 11, 23)
    for i in range(7, 0, -1):  # the week before: ours at #3
        h.ranks(monday - dt.timedelta(i), {"c1": 1, "c2": 2, "o1": 3, "c3": 4})
    h.ranks(monday, {"c1": 1, "c2": 2, "c3": 4, "o1": 15})
    assert _kinds(db_session, monday, thresholds={}) == [
        ("rank_drop", "o1"), ("visibility_drop", None), ("visibility_drop", None)]
    config = Config.model_validate({**CONFIG, "thresholds": {}})
    (row,) = visibility(db_session, config, monday)
    alerts = run_monitor(db_session, config, monday)
    assert (row.group, row.own_share_before, row.own_share) == ("清洁", 0.25, 0.0)
    assert {a.group for a in alerts} == {"清洁"}  # recipient lists select by group
    assert (row.own_avg_rank_before, row.own_avg_rank) == (3.0, 15.0)
    text = render(monday, alerts, [], visibility=[row])[1]
    assert "清洁: our top-10 share 0% (was 25%), our average rank #15.0 (was #3.0)" in text
    h.ranks(monday + dt.timedelta(1), {"c1": 1, "c2": 2, "c3": 4, "o1": 15})
    # the same news is not repeated
    assert _kinds(db_session, monday + dt.timedelta(1), thresholds={}) == []


def _subjects(session: Session, day: dt.date, **changes: object
              ) -> list[tuple[str, str | None, str]]:
    config = Config.model_validate({**CONFIG, **changes})
    return sorted((a.kind, a.product_id, a.subject) for a in run_monitor(session, config, day))


def test_competitors_found_by_search_are_compared_on_their_result_entries(
        db_session: Session) -> None:
    """c2 is in no [[products]] block: the top results' price and stock label watch it. c3
    ranks below watch_top; c1 is watched page by page, so its card (another price) is not
    compared with its page."""
    h = History(db_session)
    day1, day2 = START, START + dt.timedelta(1)
    h.ranks(day1, {"o1": 3, "c1": 1, "c2": 2, "c3": 14},
            cards={"c1": ("90", True), "c2": ("100", True), "c3": ("100", True)})
    h.listings(day1, {"o1": "100", "c1": "120"})
    h.ranks(day2, {"o1": 3, "c1": 1, "c2": 2, "c3": 14},
            cards={"c1": ("60", True), "c2": ("80", False), "c3": ("50", False)})
    h.listings(day2, {"o1": "100", "c1": "120"})
    found = _subjects(db_session, day2)
    assert found == [  # 100 -> 80 and in stock -> out on the result entry
        ("price_move", "c2", "“vacuum c2” price cut 20.0% (search results for “扫地机器人”)"),
        ("stock_out", "c2", "“vacuum c2” is out of stock (search results for “扫地机器人”)")]
    # watch_top = 0: the search entries are stored, not watched
    off = [{"name": "demo", "base_url": "http://127.0.0.1:9", "watch_top": 0}]
    assert _subjects(db_session, day2, sites=off) == []
    # a blocked search crawl tomorrow: no conclusion about c2, whatever its card said before
    h.ranks(day2 + dt.timedelta(1), {}, status="blocked", filler=0)
    h.listings(day2 + dt.timedelta(1), {"o1": "100", "c1": "120"})
    assert [k for k, *_ in _subjects(db_session, day2 + dt.timedelta(1))] == ["crawl_blocked"]


def test_a_partial_listings_run_compares_the_pages_that_loaded(db_session: Session) -> None:
    """README ("When a crawl fails"): one product page that failed says nothing about the
    others; the pages that did load are compared, and the partial crawl is an alert of its own.
    The page that did not load (o1) raises nothing."""
    h = History(db_session)
    day1, day2 = START, START + dt.timedelta(1)
    h.ranks(day1, {"o1": 3, "c1": 1})
    h.ranks(day2, {"o1": 3, "c1": 1})
    h.listings(day1, {"o1": "100", "c1": "120"})
    h.listings(day2, {"c1": "120"}, status="partial", stock={"c1": False})
    assert _kinds(db_session, day2) == [("crawl_failed", None), ("stock_out", "c1")]
