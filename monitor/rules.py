"""Pure alert rules: (yesterday, today, thresholds) -> alerts. No database, no clock.

Rank positions are organic positions (ads are bought, not earned). A keyword's results are only
compared when both days' crawls of the site were complete; the runner makes sure of that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from config import Thresholds

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class RankPoint:
    """A product's best organic position for a keyword on one day (and the page it was on)."""

    site: str
    keyword: str
    product_id: str
    title: str | None
    url: str | None
    is_own: bool
    position: int
    page: int


@dataclass(frozen=True)
class ListingPoint:
    """A product as its product page showed it on one day."""

    site: str
    product_id: str
    title: str | None
    url: str | None
    is_own: bool
    price: Decimal | None
    currency: str | None
    in_stock: bool | None


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

    @property
    def dedup_key(self) -> str:
        return "|".join(str(x) for x in (self.day, self.kind, self.site, self.product_id,
                                         self.keyword, self.scope))


RankKey = tuple[str, str, str]  # site, keyword, product id


def _name(point: RankPoint | ListingPoint) -> str:
    return (point.title or point.product_id)[:40]


def rank_alerts(day: dt.date, before: dict[RankKey, RankPoint], today: dict[RankKey, RankPoint],
                thresholds: Thresholds) -> list[AlertDraft]:
    """Our products that dropped, left page 1 or vanished; competitors new in the top K."""
    alerts: list[AlertDraft] = []
    for key, old in before.items():
        if not old.is_own:
            continue
        new = today.get(key)
        site, keyword, pid = key
        if new is None:
            alerts.append(AlertDraft(day, "rank_lost", "critical", site,
                                     f"“{_name(old)}” vanished from “{keyword}” results",
                                     f"#{old.position}", "not ranked", pid, keyword, old.url))
            continue
        dropped = new.position - old.position
        left_first_page = old.position <= thresholds.first_page_size < new.position
        if dropped >= thresholds.rank_drop or left_first_page:
            what = "left page 1" if left_first_page else f"dropped {dropped} places"
            alerts.append(AlertDraft(day, "rank_drop",
                                     "critical" if left_first_page else "warning", site,
                                     f"“{_name(new)}” {what} for “{keyword}”",
                                     f"#{old.position}", f"#{new.position}", pid, keyword,
                                     new.url))
    seen_before = {(site, keyword, pid) for site, keyword, pid in before}
    for key, new in today.items():
        if new.is_own or key in seen_before or new.position > thresholds.top_k:
            continue
        site, keyword, pid = key
        alerts.append(AlertDraft(day, "new_entrant", "info", site,
                                 f"new competitor “{_name(new)}” at #{new.position} for "
                                 f"“{keyword}”", None, f"#{new.position}", pid, keyword, new.url))
    return alerts


def _pct(old: Decimal, new: Decimal) -> Decimal:
    return (new - old) / old * 100


def listing_alerts(day: dt.date, before: dict[tuple[str, str], ListingPoint],
                   today: dict[tuple[str, str], ListingPoint],
                   thresholds: Thresholds) -> list[AlertDraft]:
    """Competitor price moves, and stock-outs / restocks of any watched product."""
    alerts: list[AlertDraft] = []
    for key, new in today.items():
        old = before.get(key)
        if old is None:
            continue
        site, pid = key
        if (not new.is_own and old.price and new.price is not None
                and old.currency == new.currency):
            change = _pct(old.price, new.price)
            if abs(change) >= Decimal(str(thresholds.price_move_pct)):
                direction = "cut" if change < 0 else "raised"
                alerts.append(AlertDraft(
                    day, "price_move", "warning" if change < 0 else "info", site,
                    f"“{_name(new)}” price {direction} {abs(change):.1f}%",
                    f"{old.price} {old.currency or ''}".strip(),
                    f"{new.price} {new.currency or ''}".strip(), pid, None, new.url))
        if old.in_stock is True and new.in_stock is False:
            alerts.append(AlertDraft(day, "stock_out", "critical" if new.is_own else "warning",
                                     site, f"“{_name(new)}” is out of stock", "in stock",
                                     "out of stock", pid, None, new.url))
        elif old.in_stock is False and new.in_stock is True:
            alerts.append(AlertDraft(day, "back_in_stock", "info", site,
                                     f"“{_name(new)}” is back in stock", "out of stock",
                                     "in stock", pid, None, new.url))
    return alerts


@dataclass(frozen=True)
class RunHealth:
    site: str
    spider: str
    status: str
    items: int
    error_summary: str | None


def crawl_alerts(day: dt.date, runs: list[RunHealth]) -> list[AlertDraft]:
    """A crawl that was blocked or failed is an alert of its own (and nothing else is inferred)."""
    alerts = []
    for run in runs:
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
