"""Alert rules as threshold tables: pure functions, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from config import Thresholds
from monitor.rules import (
    ListingPoint,
    RankPoint,
    RunHealth,
    crawl_alerts,
    listing_alerts,
    rank_alerts,
)

DAY = dt.date(2026, 11, 25)
T = Thresholds(rank_drop=3, price_move_pct=5.0, top_k=10)


def rank(pid: str, position: int, own: bool = True, keyword: str = "扫地机器人") -> RankPoint:
    return RankPoint("demo", keyword, pid, f"title {pid}", None, own, position,
                     (position - 1) // 20 + 1)


@pytest.mark.parametrize(("before", "after", "kinds"), [
    (5, 5, []),
    (5, 7, []),                 # 2 places: under the threshold
    (5, 8, ["rank_drop"]),      # 3 places
    (5, 2, []),                 # a gain is no alarm
    (19, 21, ["rank_drop"]),    # left page 1 with only 2 places
    (21, 23, []),               # page 2 to page 2, under the threshold
    (5, None, ["rank_lost"]),
])
def test_own_rank_table(before: int, after: int | None, kinds: list[str]) -> None:
    old = {("demo", "扫地机器人", "1"): rank("1", before)}
    new = {} if after is None else {("demo", "扫地机器人", "1"): rank("1", after)}
    assert [a.kind for a in rank_alerts(DAY, old, new, T)] == kinds


def test_competitor_drops_are_not_alerts_but_new_entrants_in_top_k_are() -> None:
    old = {("demo", "k", "c1"): rank("c1", 2, own=False, keyword="k")}
    new = {("demo", "k", "c1"): rank("c1", 30, own=False, keyword="k"),
           ("demo", "k", "c2"): rank("c2", 3, own=False, keyword="k"),
           ("demo", "k", "c3"): rank("c3", 11, own=False, keyword="k")}
    alerts = rank_alerts(DAY, old, new, T)
    assert [(a.kind, a.product_id) for a in alerts] == [("new_entrant", "c2")]


def listing(pid: str, price: str | None, in_stock: bool | None = True, own: bool = False,
            currency: str = "CNY") -> ListingPoint:
    return ListingPoint("demo", pid, f"t{pid}", None, own,
                        Decimal(price) if price is not None else None, currency, in_stock)


@pytest.mark.parametrize(("before", "after", "kinds"), [
    (listing("1", "100"), listing("1", "96"), []),
    (listing("1", "100"), listing("1", "95"), ["price_move"]),
    (listing("1", "100"), listing("1", "105"), ["price_move"]),
    (listing("1", "100"), listing("1", None), []),              # unknown price: no move
    (listing("1", None), listing("1", "50"), []),
    (listing("1", "100", own=True), listing("1", "50", own=True), []),  # our own price
    (listing("1", "100"), listing("1", "50", currency="USD"), []),
    (listing("1", "100"), listing("1", "100", in_stock=False), ["stock_out"]),
    (listing("1", "100", in_stock=False), listing("1", "100"), ["back_in_stock"]),
    (listing("1", "100"), listing("1", "100", in_stock=None), []),  # unknown stock
])
def test_listing_table(before: ListingPoint, after: ListingPoint, kinds: list[str]) -> None:
    alerts = listing_alerts(DAY, {("demo", "1"): before}, {("demo", "1"): after}, T)
    assert [a.kind for a in alerts] == kinds


def test_crawl_health_alerts_and_dedup_keys() -> None:
    runs = [RunHealth("demo", "ranks", "blocked", 0, "captcha"),
            RunHealth("demo", "listings", "failed", 0, "HTTP 503"),
            RunHealth("shop2", "ranks", "ok", 100, None)]
    alerts = crawl_alerts(DAY, runs)
    assert [a.kind for a in alerts] == ["crawl_blocked", "crawl_failed"]
    assert len({a.dedup_key for a in alerts}) == 2
