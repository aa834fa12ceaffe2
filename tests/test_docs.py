"""The README's alert table, the rules' list of alert kinds and the digest's words agree."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from config import Thresholds
from monitor.notify.digest import KIND_TITLES, NOUNS
from monitor.rules import (
    ALERT_KINDS,
    ListingRow,
    PricePair,
    RankRow,
    RunHealth,
    Visibility,
    crawl_alerts,
    listing_alerts,
    rank_alerts,
    undercut_alerts,
    visibility_alerts,
)

README = Path(__file__).resolve().parents[1] / "README.md"
DAY = dt.date(2026, 11, 25)


def readme_alert_kinds() -> list[list[str]]:
    """The kinds named in the first cell of each row of the README's alert table."""
    lines = README.read_text("utf-8").splitlines()
    start = lines.index("| kind | severity | when |") + 2  # past the header and its rule
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return rows


def emitted_kinds() -> set[str]:
    """The kinds the rule functions raise over rows that provoke each of them."""
    t = Thresholds()

    def resolve(*args: object, **kwargs: object) -> Thresholds:
        return t

    def rank(before: int | None, after: int | None, own: bool = True) -> RankRow:
        return RankRow("demo", "扫地机器人", "清洁", "1", None, None, own, after, before)

    def listing(price: str, before: str, **fields: object) -> ListingRow:
        row = ListingRow("demo", "1", "清洁", None, False, "t", "t", Decimal(price),
                         Decimal(before), None, "CNY", "CNY")
        return replace(row, **fields)

    ranks = [rank(3, None), rank(5, 9), rank(9, 4), rank(None, 2, own=False)]
    listings = [listing("80", "100", list_price=Decimal("100")),
                listing("100", "80", list_price_before=Decimal("100")),
                listing("100", "100", in_stock=False, in_stock_before=True),
                listing("100", "100", in_stock=True, in_stock_before=False),
                listing("100", "100", title="新款", sales=500, sales_before=100)]
    pairs = [PricePair("demo", "c1", None, None, Decimal(90), "CNY", "o1", None, Decimal(100),
                       "CNY")]
    seen = [Visibility("清洁", 0.2, 0.5, 8.0, 4.0, [])]
    runs = [RunHealth("demo", "ranks", "blocked", 0, "captcha"),
            RunHealth("demo", "listings", "failed", 0, "HTTP 503")]
    alerts = [*rank_alerts(DAY, ranks, resolve), *listing_alerts(DAY, listings, resolve),
              *undercut_alerts(DAY, pairs), *visibility_alerts(DAY, seen, resolve),
              *crawl_alerts(DAY, runs)]
    return {alert.kind for alert in alerts}


def test_readme_alert_table_lists_exactly_the_alert_kinds() -> None:
    rows = readme_alert_kinds()
    assert all(len(kinds) == 1 for kinds in rows), "one kind per row of the alert table"
    documented = [kinds[0] for kinds in rows]
    assert sorted(documented) == sorted(ALERT_KINDS)


def test_the_rules_raise_every_alert_kind_and_no_other() -> None:
    assert emitted_kinds() == set(ALERT_KINDS)


def test_the_digest_has_a_heading_and_a_noun_for_every_alert_kind() -> None:
    assert set(KIND_TITLES) == set(NOUNS) == set(ALERT_KINDS)
