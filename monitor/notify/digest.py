"""Render the daily digest e-mail (HTML and plain text) from the day's alerts."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from config import i18n
from config.i18n import N_, N_plural
from monitor.cliutil import http_url, inert
from monitor.notify import explain
from monitor.rules import ALERT_KINDS, SEVERITY_ORDER


def _autoescape(name: str | None) -> bool:
    """Every template is HTML-escaped but the plain-text ones (``.txt``)."""
    return not (name or "").endswith(".txt")


def _shown(value: Any) -> Any:
    """What every ``{{ … }}`` of a template prints: text made inert (no control character or
    terminal sequence reaches either part of an e-mail), then escaped in HTML."""
    if isinstance(value, Markup):
        return Markup(inert(str(value)))
    return inert(value) if isinstance(value, str) else value


@cache
def templates(language: str) -> Environment:
    """The digest's templates in ``language`` (one environment per language: the catalog is
    installed into its globals)."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=_autoescape,  # scraped text is escaped in the HTML part
        finalize=_shown,
        keep_trailing_newline=True,
    )
    # A stored URL becomes a link only through this filter: http(s) addresses, nothing else.
    env.filters["http_url"] = http_url
    return i18n.install(env, language)


# The digest's section heading per kind (English msgids; config.i18n translates them). The
# kinds and their fixed order live in ``monitor.rules.ALERT_KINDS``; the kind codes themselves
# are never translated.
KIND_TITLES = {
    "crawl_blocked": N_("Crawls blocked"),
    "crawl_failed": N_("Crawls failed"),
    "rank_lost": N_("Ranks lost"),
    "rank_drop": N_("Rank drops"),
    "visibility_drop": N_("Visibility"),
    "stock_out": N_("Stock-outs"),
    "undercut": N_("Undercuts"),
    "price_move": N_("Price moves"),
    "promotion_start": N_("Promotions started"),
    "new_entrant": N_("New entrants"),
    "back_in_stock": N_("Back in stock"),
    "promotion_end": N_("Promotions ended"),
    "title_change": N_("Title changes"),
    "sales_jump": N_("Sales jumps"),
    "rank_gain": N_("Rank gains"),
}
KIND_ORDER = {kind: index for index, kind in enumerate(ALERT_KINDS)}
# A kind counted in the headline: "1 rank drop", "3 rank drops" (singular and plural msgids).
NOUNS = {"rank_drop": N_plural("%(n)d rank drop", "%(n)d rank drops"),
         "rank_lost": N_plural("%(n)d rank lost", "%(n)d ranks lost"),
         "price_move": N_plural("%(n)d price move", "%(n)d price moves"),
         "stock_out": N_plural("%(n)d stock-out", "%(n)d stock-outs"),
         "back_in_stock": N_plural("%(n)d back in stock", "%(n)d back in stock"),
         "new_entrant": N_plural("%(n)d new entrant", "%(n)d new entrants"),
         "crawl_blocked": N_plural("%(n)d blocked crawl", "%(n)d blocked crawls"),
         "crawl_failed": N_plural("%(n)d failed crawl", "%(n)d failed crawls"),
         "rank_gain": N_plural("%(n)d rank gain", "%(n)d rank gains"),
         "undercut": N_plural("%(n)d undercut", "%(n)d undercuts"),
         "promotion_start": N_plural("%(n)d promotion started", "%(n)d promotions started"),
         "promotion_end": N_plural("%(n)d promotion ended", "%(n)d promotions ended"),
         "title_change": N_plural("%(n)d title change", "%(n)d title changes"),
         "sales_jump": N_plural("%(n)d sales jump", "%(n)d sales jumps"),
         "visibility_drop": N_plural("%(n)d visibility drop", "%(n)d visibility drops")}


class AlertLike(Protocol):
    kind: str
    severity: str
    subject: str
    magnitude: float | None


class RunLike(Protocol):
    status: str


A = TypeVar("A", bound=AlertLike)


SEVERITY_NAMES = {"critical": N_("critical"), "warning": N_("warning"), "info": N_("info")}
RUN_STATUSES = {"blocked": N_("blocked"), "failed": N_("failed"), "partial": N_("partial"),
                "running": N_("running"), "ok": N_("ok")}


def heading(kind: str, language: str = "en") -> str:
    """A section's heading: "Price moves" / "价格变动"."""
    title = KIND_TITLES.get(kind)
    return kind if title is None else i18n.gettext(language, title)


def _named(table: Mapping[str, str], code: str, language: str) -> str:
    return i18n.gettext(language, table[code]) if code in table else code


def ordered(alerts: Sequence[A]) -> list[A]:
    """Most severe first; within a severity by the digest's order of kinds, then the biggest
    magnitude (how bad) first."""
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9),
                                         KIND_ORDER.get(a.kind, len(KIND_ORDER)),
                                         -abs(a.magnitude or 0.0)))


def sections(alerts: Sequence[A]) -> list[tuple[str, list[A]]]:
    """One section per kind: kinds by their most severe alert (then the order of kinds),
    the alerts inside by severity, then magnitude."""
    by_kind: dict[str, list[A]] = {}
    for alert in ordered(alerts):  # a kind first appears with its most severe alert
        by_kind.setdefault(alert.kind, []).append(alert)
    return list(by_kind.items())


def headline(alerts: Sequence[AlertLike], language: str = "en") -> str:
    """"3 rank drops, 8 price moves" / "排名下降 3 个，价格变动 8 个": counts by kind, in the
    order of the digest's sections."""
    catalog = i18n.translations(language)
    if not alerts:
        return catalog.gettext("no alerts")

    def count(kind: str, items: Sequence[AlertLike]) -> str:
        if kind not in NOUNS:
            return f"{len(items)} {kind.replace('_', ' ')}"
        one, many = NOUNS[kind]
        return catalog.ngettext(one, many, len(items)) % {"n": len(items)}

    separator = catalog.pgettext("list separator", ", ")
    return separator.join(count(kind, items) for kind, items in sections(alerts))


@dataclass(frozen=True)
class Speech:
    """How a digest speaks: its language, the board it links to (``board.url``), the product
    names its explanations use (``explain.product_names``)."""

    language: str = "en"
    board: str | None = None
    names: Mapping[tuple[str, str], str] = field(default_factory=dict)


def subject_line(day: dt.date, alerts: Sequence[AlertLike], title: str | None = None,
                 language: str = "en") -> str:
    """"ShopWatch 2026-11-25: 1 rank drop, 1 price move" (the day as ISO in every language:
    it sorts in a mailbox)."""
    _ = i18n.translations(language).gettext
    line = headline(alerts, language)
    if title:
        return _("ShopWatch %(day)s · %(title)s: %(headline)s") % {
            "day": day.isoformat(), "title": title, "headline": line}
    return _("ShopWatch %(day)s: %(headline)s") % {"day": day.isoformat(), "headline": line}


def render(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any],
           images: Mapping[int, str] | None = None, visibility: Sequence[Any] = (),
           title: str | None = None, speech: Speech = Speech()) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the digest. ``images``: index of an alert in ``alerts``
    -> the ``src`` of its chart (a ``cid:`` or ``data:`` URL)."""
    by_alert = {id(alerts[i]): src for i, src in (images or {}).items()}
    language, board = speech.language, speech.board
    groups = sections(alerts)
    context = {
        "day": day.isoformat(), "long_day": i18n.format_date(language, day, "long"),
        "headline": headline(alerts, language), "groups": groups,
        "subject": subject_line(day, alerts, title, language),
        "failed_runs": [r for r in runs if r.status != "ok"],
        "kind_titles": {kind: heading(kind, language) for kind, _ in groups},
        "image": lambda alert: by_alert.get(id(alert)), "visibility": visibility,
        "explain": lambda alert: explain.explain(alert, language, speech.names),
        "value": lambda text: explain.value(language, text),
        "severity": lambda code: _named(SEVERITY_NAMES, code, language),
        "status": lambda code: _named(RUN_STATUSES, code, language),
        "share": lambda v: "-" if v is None else i18n.format_percent(language, v),
        "rank": lambda v: "#" + i18n.format_number(language, v, 1) if v else "-",
        "overview_link": explain.overview_link(board, day),
        "alert_link": lambda alert: explain.alert_link(board, alert),
        "board_links": lambda alert: _board_links(alert, board, language),
    }
    text = templates(language).get_template("digest.txt").render(**context)
    html = templates(language).get_template("digest.html").render(**context)
    return str(context["subject"]), text, html


def _board_links(alert: Any, board: str | None, language: str) -> list[tuple[str, str]]:
    """The board pages behind an alert: the alert, its keyword's ranks, its product."""
    _ = i18n.translations(language).gettext
    links = [(_("alert"), explain.alert_link(board, alert)),
             (_("keyword"), explain.keyword_link(board, getattr(alert, "keyword", None))
              if alert.kind != "visibility_drop" else None),
             (_("product"), explain.product_link(board, getattr(alert, "site", None),
                                                 explain.product_of(alert)))]
    return [(label, link) for label, link in links if link]


def build_message(day: dt.date, alerts: Sequence[AlertLike], runs: Sequence[Any], sender: str,
                  recipients: Sequence[str], charts: Mapping[int, bytes] | None = None,
                  visibility: Sequence[Any] = (), title: str | None = None,
                  speech: Speech = Speech()) -> EmailMessage:
    """The digest as a multipart/alternative message; charts (PNG per alert index) ride along
    inline in the HTML part (multipart/related), referenced by Content-ID."""
    cids = {index: make_msgid(domain="shopwatch.local") for index in charts or {}}
    subject, text, html = render(day, alerts, runs,
                                 {i: f"cid:{cid[1:-1]}" for i, cid in cids.items()}, visibility,
                                 title, speech)
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
                charts: Mapping[int, bytes] | None = None, visibility: Sequence[Any] = (),
                speech: Speech = Speech()) -> str:
    """The digest's HTML as one self-contained file (charts as ``data:`` URLs)."""
    images = {i: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
              for i, png in (charts or {}).items()}
    return render(day, alerts, runs, images, visibility, speech=speech)[2]
