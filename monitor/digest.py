"""Render the daily digest e-mail (HTML and plain text) from the day's alerts."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape

from monitor.rules import SEVERITY_ORDER

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),  # scraped text is escaped in the HTML part
    keep_trailing_newline=True,
)
KIND_TITLES = {
    "crawl_blocked": "Crawls blocked", "crawl_failed": "Crawls failed",
    "rank_lost": "Ranks lost", "rank_drop": "Rank drops", "visibility_drop": "Visibility",
    "stock_out": "Stock-outs", "undercut": "Undercuts", "price_move": "Price moves",
    "promotion_start": "Promotions started", "new_entrant": "New entrants",
    "back_in_stock": "Back in stock", "promotion_end": "Promotions ended",
    "title_change": "Title changes", "sales_jump": "Sales jumps", "rank_gain": "Rank gains",
}
NOUNS = {"rank_drop": ("rank drop", "rank drops"), "rank_lost": ("rank lost", "ranks lost"),
         "price_move": ("price move", "price moves"), "stock_out": ("stock-out", "stock-outs"),
         "back_in_stock": ("back in stock", "back in stock"),
         "new_entrant": ("new entrant", "new entrants"),
         "crawl_blocked": ("blocked crawl", "blocked crawls"),
         "crawl_failed": ("failed crawl", "failed crawls"),
         "rank_gain": ("rank gain", "rank gains"), "undercut": ("undercut", "undercuts"),
         "promotion_start": ("promotion started", "promotions started"),
         "promotion_end": ("promotion ended", "promotions ended"),
         "title_change": ("title change", "title changes"),
         "sales_jump": ("sales jump", "sales jumps"),
         "visibility_drop": ("visibility drop", "visibility drops")}


class AlertLike(Protocol):
    kind: str
    severity: str
    subject: str


class RunLike(Protocol):
    status: str


def headline(alerts: Sequence[AlertLike]) -> str:
    """"3 rank drops, 8 price moves": counts by kind, most severe kinds first."""
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert.kind] = counts.get(alert.kind, 0) + 1
    if not counts:
        return "no alerts"
    order = list(KIND_TITLES)
    kinds = sorted(counts, key=lambda k: order.index(k) if k in order else len(order))
    def noun(kind: str) -> str:
        one, many = NOUNS.get(kind, (kind.replace("_", " "),) * 2)
        return one if counts[kind] == 1 else many

    return ", ".join(f"{counts[k]} {noun(k)}" for k in kinds)


A = TypeVar("A", bound=AlertLike)


def ordered(alerts: Sequence[A]) -> list[A]:
    """Most severe first, then grouped by kind (in the digest's order of kinds)."""
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9),
                                         list(KIND_TITLES).index(a.kind)
                                         if a.kind in KIND_TITLES else 99))


def render(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any],
           images: Mapping[int, str] | None = None, visibility: Sequence[Any] = (),
           title: str | None = None) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the digest. ``images``: index of an alert in ``alerts``
    -> the ``src`` of its chart (a ``cid:`` or ``data:`` URL)."""
    by_alert = {id(alerts[i]): src for i, src in (images or {}).items()}
    groups = [(kind, list(items)) for kind, items in groupby(ordered(alerts),
                                                             key=lambda a: a.kind)]
    failed = [r for r in runs if r.status != "ok"]
    line = headline(alerts)
    subject = f"ShopWatch {day.isoformat()}{f' · {title}' if title else ''}: {line}"
    context = {"day": day.isoformat(), "headline": line, "groups": groups, "subject": subject,
               "failed_runs": failed, "kind_titles": KIND_TITLES,
               "image": lambda alert: by_alert.get(id(alert)), "visibility": visibility}
    text = TEMPLATES.get_template("digest.txt").render(**context)
    html = TEMPLATES.get_template("digest.html").render(**context)
    return subject, text, html


def build_message(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any], sender: str,
                  recipients: Sequence[str], charts: Mapping[int, bytes] | None = None,
                  visibility: Sequence[Any] = (), title: str | None = None) -> EmailMessage:
    """The digest as a multipart/alternative message; charts (PNG per alert index) ride along
    inline in the HTML part (multipart/related), referenced by Content-ID."""
    cids = {index: make_msgid(domain="shopwatch.local") for index in charts or {}}
    subject, text, html = render(day, alerts, runs,
                                 {i: f"cid:{cid[1:-1]}" for i, cid in cids.items()}, visibility,
                                 title)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients) if recipients else sender
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="shopwatch.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if charts:
        html_part = message.get_body(("html",))
        assert html_part is not None
        for index, cid in cids.items():
            html_part.add_related(charts[index], maintype="image", subtype="png", cid=cid,
                                  filename=f"chart-{index + 1}.png", disposition="inline")
    return message


def report_html(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any],
                charts: Mapping[int, bytes] | None = None, visibility: Sequence[Any] = ()
                ) -> str:
    """The digest's HTML as one self-contained file (charts as ``data:`` URLs)."""
    images = {i: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
              for i, png in (charts or {}).items()}
    return render(day, alerts, runs, images, visibility)[2]
