"""Render the daily digest e-mail (HTML and plain text) from the day's alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape

from monitor.rules import SEVERITY_ORDER

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),  # scraped text is escaped in the HTML part
    keep_trailing_newline=True,
)
KIND_TITLES = {
    "crawl_blocked": "Crawls blocked", "crawl_failed": "Crawls failed",
    "rank_lost": "Ranks lost", "rank_drop": "Rank drops", "new_entrant": "New entrants",
    "price_move": "Price moves", "stock_out": "Stock-outs", "back_in_stock": "Back in stock",
}
NOUNS = {"rank_drop": ("rank drop", "rank drops"), "rank_lost": ("rank lost", "ranks lost"),
         "price_move": ("price move", "price moves"), "stock_out": ("stock-out", "stock-outs"),
         "back_in_stock": ("back in stock", "back in stock"),
         "new_entrant": ("new entrant", "new entrants"),
         "crawl_blocked": ("blocked crawl", "blocked crawls"),
         "crawl_failed": ("failed crawl", "failed crawls")}


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


def render(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the digest."""
    ordered = sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9),
                                            list(KIND_TITLES).index(a.kind)
                                            if a.kind in KIND_TITLES else 99))
    groups = [(kind, list(items)) for kind, items in groupby(ordered, key=lambda a: a.kind)]
    failed = [r for r in runs if r.status != "ok"]
    line = headline(alerts)
    subject = f"ShopWatch {day.isoformat()}: {line}"
    context = {"day": day.isoformat(), "headline": line, "groups": groups, "subject": subject,
               "failed_runs": failed, "kind_titles": KIND_TITLES}
    text = TEMPLATES.get_template("digest.txt").render(**context)
    html = TEMPLATES.get_template("digest.html").render(**context)
    return subject, text, html


def build_message(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any], sender: str,
                  recipients: Sequence[str]) -> EmailMessage:
    subject, text, html = render(day, alerts, runs)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients) if recipients else sender
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="shopwatch.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
