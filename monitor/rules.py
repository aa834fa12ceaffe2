"""Pure alert rules: (rows the SQL detection found, thresholds) -> alerts. No database, no clock.

The heavy lifting over the history (last good observation, 7-crawl medians, only the products
where anything moved) is SQL with window functions in ``monitor.detect``; these functions apply
the thresholds, which can differ per keyword group, product and keyword, to the few candidate
rows. Rank positions are organic positions (ads are bought, not earned). A keyword's results
are only compared when the site's crawls were complete; ``detect`` makes sure of that.

Over 300 lines on purpose: every alert rule with its small helpers, one function per alert kind,
read top to bottom beside its table tests (tests/test_rules.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from config import Thresholds
from config.schema import SEVERITIES

SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(SEVERITIES)}
# Every kind of alert the rules raise, in the digest's fixed order (the most urgent kinds
# first), with what it means. The README's alert table lists exactly these (tests/test_docs.py).
ALERT_KINDS = {
    "crawl_blocked": "a crawl hit a captcha, slider or login wall",
    "crawl_failed": "a crawl failed, was partial, or returned far fewer items than usual",
    "rank_lost": "our product is no longer in the result pages crawled",
    "rank_drop": "our product left page 1 or the top K, or dropped places",
    "visibility_drop": "our share of a keyword group's top-10 slots or our average rank fell",
    "stock_out": "a product went out of stock",
    "undercut": "a competitor is cheaper than the own product it is mapped to",
    "price_move": "a competitor's price moved",
    "promotion_start": "a competitor's price went below its struck list price",
    "new_entrant": "a competitor entered the top K",
    "back_in_stock": "a product is back in stock",
    "promotion_end": "a competitor's promotion ended",
    "title_change": "a product's title changed",
    "sales_jump": "a product's sales count jumped",
    "rank_gain": "our product gained places",
}


@dataclass(frozen=True)
class RankRow:
    """One product's organic rank for one keyword: today, at the last good crawl before, and
    the median over the last 7 good crawls before today (None: not ranked)."""

    site: str
    keyword: str
    group: str
    product_id: str
    title: str | None
    url: str | None
    is_own: bool
    today: int | None
    before: int | None
    median: float | None = None
    product_group: str | None = None  # the product's own group (None: it has none)


@dataclass(frozen=True)
class ListingRow:
    """A product as its page showed it today, next to the last observation before today that
    had each field (an unknown price or stock is never a change) and the median price of the
    last 7 observations."""

    site: str
    product_id: str
    group: str
    url: str | None
    is_own: bool
    title: str | None
    title_before: str | None
    price: Decimal | None
    price_before: Decimal | None
    price_median: Decimal | None
    currency: str | None
    currency_before: str | None
    list_price: Decimal | None = None
    list_price_before: Decimal | None = None
    in_stock: bool | None = None
    in_stock_before: bool | None = None
    sales: int | None = None
    sales_before: int | None = None
    # Where today's figures come from: the product's own page, or (for a competitor found in
    # the search results and not crawled page by page) its entry for ``keyword``.
    source: str = "page"
    keyword: str | None = None


@dataclass(frozen=True)
class AlertDraft:
    day: dt.date
    kind: str
    severity: str
    site: str | None
    subject: str
    before: str | None = None
    after: str | None = None
    product_id: str | None = None
    keyword: str | None = None
    url: str | None = None
    scope: str | None = None  # what else tells two alerts apart (the spider of a crawl alert)
    magnitude: float | None = None  # how bad: a repeat within repeat_days must be worse
    group: str | None = None  # the keyword or product group (recipient lists filter by it)

    @property
    def dedup_key(self) -> str:
        return "|".join(str(x) for x in (self.day, self.kind, self.site, self.product_id,
                                         self.keyword, self.scope))


Resolve = Callable[..., Thresholds]  # (group, product id, keyword) -> thresholds
LOST = 1_000_000.0  # the magnitude of "not ranked": worse than any position


def _name(title: str | None, product_id: str) -> str:
    return (title or product_id)[:40]


def same_group(row: RankRow) -> bool:
    """Whether the keyword belongs to the product's own group. A product with no group of its
    own counts as in every keyword's group: ``product_group`` None (an own product recognised by
    shop or brand) or "default" (a ``[[products]]`` block that sets no group)."""
    return row.product_group in (None, "default", row.group)


def _weigh(severity: str, row: RankRow) -> str:
    """The severity of an own product's rank alert: one level down (critical -> warning ->
    info) when the keyword belongs to another group than the product's."""
    if same_group(row):
        return severity
    return {"critical": "warning", "warning": "info"}.get(severity, severity)


def rank_alerts(day: dt.date, rows: Iterable[RankRow], thresholds: Resolve) -> list[AlertDraft]:
    """Our products that dropped N places, left the top K or page 1, or vanished; our gains
    (good news); competitors that entered the top K. A move must hold against the last good
    crawl and against the 7-crawl median (noise).

    Severity weighs how much the keyword matters to the product (``same_group``) and page 1:

    - critical only when a product leaves page 1 (``old <= first_page_size < new``) or
      vanishes from the results while it was on page 1;
    - warning when it was beyond page 1 and vanishes, or left the top K, or dropped
      ``rank_drop`` places;
    - an alert for a product of another group than the keyword's is demoted one level
      (critical -> warning -> info), so a fall from #41 on another category's keyword is info.
    Gains and new entrants are info.
    """
    alerts: list[AlertDraft] = []
    for row in rows:
        t = thresholds(row.group, product=row.product_id, keyword=row.keyword)
        base: dict[str, Any] = {"day": day, "site": row.site, "product_id": row.product_id,
                                "keyword": row.keyword, "url": row.url, "group": row.group}
        alert = _own_rank_alert(row, t, base) if row.is_own else _entrant_alert(row, t, base)
        if alert is not None:
            alerts.append(alert)
    return alerts


def _entrant_alert(row: RankRow, t: Thresholds, base: dict[str, Any]) -> AlertDraft | None:
    """A competitor in the top K that was outside it at the last crawl and by the median."""
    new, old, median = row.today, row.before, row.median
    was_out = (old is None or old > t.top_k) and (median is None or median > t.top_k)
    if new is None or new > t.top_k or not was_out:
        return None
    return AlertDraft(kind="new_entrant", severity="info",
                      subject=f"competitor “{_name(row.title, row.product_id)}” entered the "
                              f"top {t.top_k} for “{row.keyword}” at #{new}",
                      before=f"#{old}" if old else "not ranked", after=f"#{new}",
                      magnitude=float(-new), **base)


def _own_rank_alert(row: RankRow, t: Thresholds, base: dict[str, Any]) -> AlertDraft | None:
    """Our product vanished, left page 1 or the top K, dropped, or gained (or nothing)."""
    name = _name(row.title, row.product_id)
    new, old, median = row.today, row.before, row.median
    if old is None:
        return None
    if new is None:
        on_page_1 = old <= t.first_page_size
        return AlertDraft(kind="rank_lost",
                          severity=_weigh("critical" if on_page_1 else "warning", row),
                          subject=f"“{name}” vanished from “{row.keyword}” results",
                          before=f"#{old}", after="not ranked", magnitude=LOST, **base)
    reference = old if median is None else max(old, median)  # the move holds vs both
    if old <= t.first_page_size < new:
        what, severity = "left page 1", "critical"
    elif old <= t.top_k < new:
        what, severity = f"left the top {t.top_k}", "warning"
    elif new - reference >= t.rank_drop:
        what, severity = f"dropped {new - old} places", "warning"
    elif min(old, median if median is not None else old) - new >= t.rank_gain:
        return AlertDraft(kind="rank_gain", severity="info",
                          subject=f"“{name}” gained {old - new} places for “{row.keyword}”",
                          before=f"#{old}", after=f"#{new}", magnitude=float(-new), **base)
    else:
        return None
    return AlertDraft(kind="rank_drop", severity=_weigh(severity, row),
                      subject=f"“{name}” {what} for “{row.keyword}”",
                      before=f"#{old}", after=f"#{new}", magnitude=float(new), **base)


def _pct(old: Decimal, new: Decimal) -> Decimal:
    return (new - old) / old * 100


def _price_text(price: Decimal, currency: str | None) -> str:
    return f"{price} {currency or ''}".strip()


def _moved(old: Decimal, new: Decimal, t: Thresholds) -> bool:
    if abs(_pct(old, new)) >= Decimal(str(t.price_move_pct)):
        return True
    return t.price_move_abs is not None and abs(new - old) >= Decimal(str(t.price_move_abs))


def _promotion(price: Decimal | None, list_price: Decimal | None) -> bool | None:
    """A sale price below a struck list price; None when the price is unknown."""
    if price is None:
        return None
    return list_price is not None and price < list_price


def listing_alerts(day: dt.date, rows: Iterable[ListingRow],
                   thresholds: Resolve) -> list[AlertDraft]:
    """Competitor price moves (against the last known price and the 7-day median) and
    promotions; stock-outs and restocks, title changes and sales jumps of any watched
    product."""
    alerts: list[AlertDraft] = []
    for row in rows:
        t = thresholds(row.group, product=row.product_id)
        base: dict[str, Any] = {"day": day, "site": row.site, "product_id": row.product_id,
                                "url": row.url, "group": row.group}
        name = _name(row.title, row.product_id)
        found = [a for check in LISTING_CHECKS if (a := check(row, t, name, base)) is not None]
        if row.source == "search" and found:  # say where the figure was read
            where = f" (search results for “{row.keyword}”)" if row.keyword else \
                " (search results)"
            found = [replace(a, subject=a.subject + where) for a in found]
        alerts += found
    return alerts


def _price_alert(row: ListingRow, t: Thresholds, name: str,
                 base: dict[str, Any]) -> AlertDraft | None:
    new, old = row.price, row.price_before
    if (row.is_own or new is None or not old or row.currency != row.currency_before
            or not _moved(old, new, t)
            or (row.price_median and not _moved(row.price_median, new, t))):
        return None
    change = _pct(old, new)
    return AlertDraft(
        kind="price_move", severity="warning" if change < 0 else "info",
        subject=f"“{name}” price {'cut' if change < 0 else 'raised'} {abs(change):.1f}%",
        before=_price_text(old, row.currency), after=_price_text(new, row.currency),
        magnitude=float(change), scope="down" if change < 0 else "up", **base)


def _promotion_alert(row: ListingRow, t: Thresholds, name: str,
                     base: dict[str, Any]) -> AlertDraft | None:
    promo_now = _promotion(row.price, row.list_price)
    promo_before = _promotion(row.price_before, row.list_price_before)
    if row.is_own or promo_now is None or promo_before is None or promo_now == promo_before:
        return None
    assert row.price is not None
    if not promo_now:
        return AlertDraft(kind="promotion_end", severity="info",
                          subject=f"“{name}” promotion ended",
                          after=_price_text(row.price, row.currency), magnitude=0.0, **base)
    assert row.list_price is not None
    off = -_pct(row.list_price, row.price)
    return AlertDraft(kind="promotion_start", severity="warning",
                      subject=f"“{name}” on promotion: {off:.0f}% off the list price",
                      before=_price_text(row.list_price, row.currency),
                      after=_price_text(row.price, row.currency), magnitude=float(off), **base)


def _stock_alert(row: ListingRow, t: Thresholds, name: str,
                 base: dict[str, Any]) -> AlertDraft | None:
    if row.in_stock_before is True and row.in_stock is False:
        return AlertDraft(kind="stock_out", severity="critical" if row.is_own else "warning",
                          subject=f"“{name}” is out of stock", before="in stock",
                          after="out of stock", magnitude=1.0, **base)
    if row.in_stock_before is False and row.in_stock is True:
        return AlertDraft(kind="back_in_stock", severity="info",
                          subject=f"“{name}” is back in stock", before="out of stock",
                          after="in stock", magnitude=1.0, **base)
    return None


def _title_alert(row: ListingRow, t: Thresholds, name: str,
                 base: dict[str, Any]) -> AlertDraft | None:
    if not (row.title and row.title_before) or \
            " ".join(row.title.split()) == " ".join(row.title_before.split()):
        return None
    return AlertDraft(kind="title_change", severity="info",
                      subject=f"“{_name(row.title_before, row.product_id)}” changed its title",
                      before=row.title_before, after=row.title, magnitude=0.0, **base)


def _sales_alert(row: ListingRow, t: Thresholds, name: str,
                 base: dict[str, Any]) -> AlertDraft | None:
    if row.sales is None or row.sales_before is None:
        return None
    jump = row.sales - row.sales_before
    if jump < t.sales_jump_min or (row.sales_before and jump * 100 < (
            t.sales_jump_pct * row.sales_before)):
        return None
    return AlertDraft(kind="sales_jump", severity="info",
                      subject=f"“{name}” sales count jumped by {jump}",
                      before=str(row.sales_before), after=str(row.sales),
                      magnitude=float(jump), **base)


# In the order a product's alerts are listed.
LISTING_CHECKS = (_price_alert, _promotion_alert, _stock_alert, _title_alert, _sales_alert)


@dataclass(frozen=True)
class PricePair:
    """A competitor's product and the own product the config maps it to, both today."""

    site: str
    product_id: str
    title: str | None
    url: str | None
    price: Decimal | None
    currency: str | None
    own_id: str
    own_title: str | None
    own_price: Decimal | None
    own_currency: str | None
    group: str | None = None


def undercut_alerts(day: dt.date, pairs: Iterable[PricePair]) -> list[AlertDraft]:
    """A competitor priced below the own product it is mapped to (same currency, both known)."""
    alerts = []
    for pair in pairs:
        if pair.price is None or pair.own_price is None or pair.currency != pair.own_currency:
            continue
        if pair.price < pair.own_price:
            gap = -_pct(pair.own_price, pair.price)
            alerts.append(AlertDraft(
                day, "undercut", "warning", pair.site,
                f"“{_name(pair.title, pair.product_id)}” undercuts our "
                f"“{_name(pair.own_title, pair.own_id)}” by {gap:.1f}%",
                _price_text(pair.own_price, pair.own_currency),
                _price_text(pair.price, pair.currency),
                pair.product_id, url=pair.url, scope=pair.own_id, magnitude=float(gap),
                group=pair.group))
    return alerts


@dataclass(frozen=True)
class Visibility:
    """A keyword group's visibility this ISO week so far and the week before."""

    group: str
    own_share: float | None  # of the group's top-10 organic slots
    own_share_before: float | None
    own_avg_rank: float | None
    own_avg_rank_before: float | None
    leaders: list[tuple[str, float]]  # competitor brands with the most top-10 slots, shares


def visibility_alerts(day: dt.date, rows: Iterable[Visibility],
                      thresholds: Resolve) -> list[AlertDraft]:
    """Our share of a group's top-10 slots fell by ``visibility_drop_pts`` points, or our
    average rank worsened by ``visibility_rank_pct`` %, against the week before."""
    alerts = []
    for row in rows:
        t = thresholds(row.group)
        if row.own_share is not None and row.own_share_before is not None:
            fall = (row.own_share_before - row.own_share) * 100
            if fall >= t.visibility_drop_pts:
                alerts.append(AlertDraft(
                    day, "visibility_drop", "warning", None,
                    f"our share of the top-10 results for “{row.group}” fell {fall:.0f} "
                    "points this week", f"{row.own_share_before:.0%}", f"{row.own_share:.0%}",
                    keyword=row.group, scope="share", magnitude=fall, group=row.group))
        if row.own_avg_rank and row.own_avg_rank_before:
            worse = (row.own_avg_rank - row.own_avg_rank_before) / row.own_avg_rank_before * 100
            if worse >= t.visibility_rank_pct:
                alerts.append(AlertDraft(
                    day, "visibility_drop", "warning", None,
                    f"our average rank for “{row.group}” is {worse:.0f}% worse this week",
                    f"#{row.own_avg_rank_before:.1f}", f"#{row.own_avg_rank:.1f}",
                    keyword=row.group, scope="rank", magnitude=worse, group=row.group))
    return alerts


@dataclass(frozen=True)
class RunHealth:
    site: str
    spider: str
    status: str
    items: int
    error_summary: str | None


def crawl_alerts(day: dt.date, runs: list[RunHealth],
                 usual_items: dict[tuple[str, str], int] | None = None,
                 min_items_ratio: float = 0.5) -> list[AlertDraft]:
    """A crawl that was blocked or failed is an alert of its own (and nothing else is
    inferred); so is one that returned far fewer items than usual (``usual_items``: the most
    of the 7 complete runs of its site and spider before it)."""
    alerts = []
    for run in runs:
        usual = (usual_items or {}).get((run.site, run.spider))
        if run.status == "ok" and usual and run.items < usual * min_items_ratio:
            alerts.append(AlertDraft(day, "crawl_failed", "warning", run.site,
                                     f"{run.spider} crawl of {run.site} returned {run.items} "
                                     f"items, usually {usual}",
                                     str(usual), str(run.items), scope=run.spider))
        if run.status in ("blocked", "failed", "partial"):
            kind = "crawl_blocked" if run.status == "blocked" else "crawl_failed"
            severity = "warning" if run.status == "partial" else "critical"
            alerts.append(AlertDraft(day, kind, severity, run.site,
                                     f"{run.spider} crawl of {run.site} {run.status}",
                                     None, run.error_summary or run.status, scope=run.spider))
    return alerts


def sort_alerts(alerts: list[AlertDraft]) -> list[AlertDraft]:
    """Most severe first, then grouped by kind."""
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.kind, a.subject))
