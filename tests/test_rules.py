"""Alert rules as threshold tables: pure functions over the rows SQL detection returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from config import Config, Thresholds
from monitor.rules import (
    ListingRow,
    PricePair,
    RankRow,
    RunHealth,
    crawl_alerts,
    listing_alerts,
    rank_alerts,
    undercut_alerts,
)
from monitor.runner import thresholds_for

DAY = dt.date(2026, 11, 25)
T = Thresholds(rank_drop=3, rank_gain=3, price_move_pct=5.0, top_k=10)


def same(group: str, product: str | None = None, keyword: str | None = None) -> Thresholds:
    return T


def rank(before: int | None, after: int | None, median: float | None = None,
         own: bool = True, group: str = "清洁", product_group: str | None = None) -> RankRow:
    return RankRow("demo", "扫地机器人", group, "1", "title 1", None, own, after, before,
                   median, product_group)


@pytest.mark.parametrize(("before", "after", "median", "kinds"), [
    (5, 5, None, []),
    (5, 7, None, []),                 # 2 places: under the threshold
    (5, 8, None, ["rank_drop"]),      # 3 places
    (5, 8, 7.0, []),                  # only 1 place below the 7-day median: noise
    (5, 2, None, ["rank_gain"]),      # good news
    (5, 3, None, []),
    (5, 2, 3.0, []),                  # the 7-day median was #3 anyway
    (9, 11, None, ["rank_drop"]),     # left the top 10 with only 2 places
    (19, 21, None, ["rank_drop"]),    # left page 1 with only 2 places
    (21, 23, None, []),               # page 2 to page 2, under the threshold
    (5, None, None, ["rank_lost"]),
    (None, 4, None, []),              # newly ranked: not a drop
])
def test_own_rank_table(before: int | None, after: int | None, median: float | None,
                        kinds: list[str]) -> None:
    assert [a.kind for a in rank_alerts(DAY, [rank(before, after, median)], same)] == kinds


def test_leaving_page_one_is_critical_leaving_top_k_a_warning() -> None:
    page, top = rank_alerts(DAY, [rank(19, 21), rank(9, 11)], same)
    assert (page.severity, top.severity) == ("critical", "warning")
    assert "left page 1" in page.subject and "left the top 10" in top.subject


@pytest.mark.parametrize(("before", "after", "group", "product_group", "expected"), [
    # the two cases: #41 on another category's keyword vs #3 on its own group's
    (41, None, "空气", "清洁", ("rank_lost", "info")),
    (3, None, "清洁", "清洁", ("rank_lost", "critical")),
    # vanished: from page 1 critical, from beyond it a warning; another group one level down
    (20, None, "清洁", "清洁", ("rank_lost", "critical")),     # #20 is still page 1
    (21, None, "清洁", "清洁", ("rank_lost", "warning")),
    (3, None, "空气", "清洁", ("rank_lost", "warning")),
    (41, None, "清洁", None, ("rank_lost", "warning")),        # no group: never demoted
    (3, None, "空气", None, ("rank_lost", "critical")),
    (3, None, "default", None, ("rank_lost", "critical")),     # default + no group: same
    (3, None, "default", "清洁", ("rank_lost", "warning")),
    (3, None, "清洁", "default", ("rank_lost", "critical")),   # [[products]] without a group
    # left page 1, left the top K, dropped places
    (19, 21, "清洁", "清洁", ("rank_drop", "critical")),
    (19, 21, "空气", "清洁", ("rank_drop", "warning")),
    (19, 21, "空气", None, ("rank_drop", "critical")),
    (9, 11, "清洁", "清洁", ("rank_drop", "warning")),
    (9, 11, "空气", "清洁", ("rank_drop", "info")),
    (30, 35, "清洁", "清洁", ("rank_drop", "warning")),        # beyond page 1 and dropped
    (30, 35, "空气", "清洁", ("rank_drop", "info")),
    (5, 2, "空气", "清洁", ("rank_gain", "info")),             # good news stays info
])
def test_rank_severity_weighs_group_and_page_one(
        before: int, after: int | None, group: str, product_group: str | None,
        expected: tuple[str, str]) -> None:
    row = rank(before, after, group=group, product_group=product_group)
    assert [(a.kind, a.severity) for a in rank_alerts(DAY, [row], same)] == [expected]


@pytest.mark.parametrize(("before", "after", "median", "kinds"), [
    (None, 3, None, ["new_entrant"]),
    (14, 8, None, ["new_entrant"]),   # entered the top 10 from below
    (14, 8, 9.0, []),                 # usually in the top 10: flickered out yesterday
    (8, 3, None, []),                 # already in the top 10
    (None, 11, None, []),
    (2, 30, None, []),                # a competitor's drop is no alarm
])
def test_competitor_rank_table(before: int | None, after: int | None, median: float | None,
                               kinds: list[str]) -> None:
    row = rank(before, after, median, own=False)
    assert [a.kind for a in rank_alerts(DAY, [row], same)] == kinds


def listing(price: str | None, before: str | None, *, median: str | None = None,
            own: bool = False, currency: str = "CNY", list_price: str | None = None,
            list_before: str | None = None, stock: bool | None = True,
            stock_before: bool | None = True, title: str = "t", title_before: str = "t",
            sales: int | None = None, sales_before: int | None = None) -> ListingRow:
    def money(value: str | None) -> Decimal | None:
        return Decimal(value) if value is not None else None

    return ListingRow("demo", "1", "清洁", None, own, title, title_before, money(price),
                      money(before), money(median), currency, "CNY", money(list_price),
                      money(list_before), stock, stock_before, sales, sales_before)


@pytest.mark.parametrize(("row", "kinds"), [
    (listing("96", "100"), []),
    (listing("95", "100"), ["price_move"]),
    (listing("105", "100"), ["price_move"]),
    (listing("95", "100", median="96"), []),              # back near the 7-day median: noise
    (listing(None, "100"), []),                           # unknown price: no move
    (listing("50", None), []),
    (listing("50", "100", own=True), []),                 # our own price
    (listing("50", "100", currency="USD"), []),
    (listing("80", "100", list_price="100", list_before=None), ["price_move", "promotion_start"]),
    (listing("99", "99", list_price="129", list_before="129"), []),   # the same promotion
    (listing("129", "99", list_price=None, list_before="129"), ["price_move", "promotion_end"]),
    (listing("100", "100", stock=False), ["stock_out"]),
    (listing("100", "100", stock=True, stock_before=False), ["back_in_stock"]),
    (listing("100", "100", stock=None), []),              # unknown stock
    (listing("100", "100", title="追觅 X10 新款", title_before="追觅 X10"), ["title_change"]),
    (listing("100", "100", title="追觅  X10", title_before="追觅 X10"), []),  # spacing only
    (listing("100", "100", sales=400, sales_before=200), ["sales_jump"]),
    (listing("100", "100", sales=290, sales_before=200), []),   # +45 %: under 50 %
    (listing("100", "100", sales=60, sales_before=10), []),     # +500 % but only 50 more
])
def test_listing_table(row: ListingRow, kinds: list[str]) -> None:
    assert [a.kind for a in listing_alerts(DAY, [row], same)] == kinds


def test_an_absolute_price_move_threshold() -> None:
    loose = Thresholds(price_move_pct=50, price_move_abs=20)
    alerts = listing_alerts(DAY, [listing("880", "900"), listing("885", "900")],
                            lambda *a, **k: loose)
    assert [a.after for a in alerts] == ["880 CNY"]


def pair(price: str | None, own_price: str | None, currency: str = "CNY") -> PricePair:
    return PricePair("demo", "c1", "their vacuum", None,
                     Decimal(price) if price else None, currency, "o1", "our vacuum",
                     Decimal(own_price) if own_price else None, "CNY")


@pytest.mark.parametrize(("row", "kinds"), [
    (pair("1999", "2099"), ["undercut"]),
    (pair("2099", "2099"), []),
    (pair("2199", "2099"), []),
    (pair(None, "2099"), []),                 # their price unknown today
    (pair("1999", "2099", currency="USD"), []),
])
def test_undercut_table(row: PricePair, kinds: list[str]) -> None:
    assert [a.kind for a in undercut_alerts(DAY, [row])] == kinds


def test_crawl_health_alerts_and_dedup_keys() -> None:
    runs = [RunHealth("demo", "ranks", "blocked", 0, "captcha"),
            RunHealth("demo", "listings", "failed", 0, "HTTP 503"),
            RunHealth("shop2", "ranks", "ok", 100, None),
            RunHealth("shop3", "ranks", "ok", 20, None)]
    alerts = crawl_alerts(DAY, runs, {("shop2", "ranks"): 110, ("shop3", "ranks"): 120}, 0.5)
    assert [(a.kind, a.site) for a in alerts] == [
        ("crawl_blocked", "demo"), ("crawl_failed", "demo"), ("crawl_failed", "shop3")]
    assert "returned 20 items, usually 120" in alerts[2].subject
    assert len({a.dedup_key for a in alerts}) == 3


def test_thresholds_per_group_keyword_and_product() -> None:
    config = Config.model_validate({
        "sites": [{"name": "demo", "base_url": "http://x"}],
        "thresholds": {"rank_drop": 3, "groups": {"清洁": {"rank_drop": 5}, "空气": {"top_k": 5}}},
        "keywords": [{"term": "扫拖一体", "group": "清洁", "thresholds": {"rank_drop": 8}}],
        "products": [{"site": "demo", "id": "42", "role": "own",
                      "thresholds": {"rank_drop": 1}}]})
    resolve = thresholds_for(config)
    assert (resolve("音箱").rank_drop, resolve("音箱").top_k) == (3, 10)
    assert (resolve("清洁").rank_drop, resolve("空气").top_k) == (5, 5)
    assert resolve("清洁", keyword="扫拖一体").rank_drop == 8
    assert resolve("清洁", product="42", keyword="扫拖一体").rank_drop == 1  # product wins
    rows = [RankRow("demo", "扫地机器人", "清洁", "1", None, None, True, 9, 5),  # 4 < 5
            RankRow("demo", "空气净化器", "空气", "1", None, None, True, 9, 5),  # left top 5
            RankRow("demo", "智能音箱", "音箱", "1", None, None, True, 9, 5)]    # 4 >= 3
    assert [(a.keyword, a.subject.split("” ")[1]) for a in rank_alerts(DAY, rows, resolve)
            ] == [("空气净化器", "left the top 5 for “空气净化器”"),
                  ("智能音箱", "dropped 4 places for “智能音箱”")]
