"""What an alert says, in the operator's language, and the board pages it links to.

Detection stores each alert with an English ``subject`` written by ``monitor.rules`` (the text
``alerts --json`` and scripts read; never translated). In English the digest and chat show
that subject as it is. In another language the explanation is built again from the alert's
fields (kind, product, keyword, before, after) with the catalog's sentence for its kind; an
alert whose fields cannot fill the sentence (no product name known) keeps its stored subject.

The board (``shopwatch serve``) serves the pages linked here: the day's overview
``/?date=D``, an alert ``/alerts/<id>``, a keyword ``/ranks/<keyword>``, a product
``/products/<site>/<id>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from config import i18n
from config.i18n import N_
from db.models import Product, Site

Names = Mapping[tuple[str, str], str]  # (site, product id) -> the product's title

PRODUCT_SENTENCES = {
    "rank_drop": N_("“%(name)s” fell from %(before)s to %(after)s for “%(keyword)s”"),
    "rank_lost": N_("“%(name)s” vanished from the results for “%(keyword)s” (was %(before)s)"),
    "rank_gain": N_("“%(name)s” rose from %(before)s to %(after)s for “%(keyword)s”"),
    "new_entrant": N_("competitor “%(name)s” entered the top results for “%(keyword)s” at "
                      "%(after)s"),
    "price_move": N_("“%(name)s” price moved from %(before)s to %(after)s"),
    "undercut": N_("“%(name)s” costs %(after)s, less than our %(before)s"),
    "promotion_start": N_("“%(name)s” went on promotion: %(after)s instead of %(before)s"),
    "promotion_end": N_("“%(name)s” promotion ended, price %(after)s"),
    "stock_out": N_("“%(name)s” is out of stock"),
    "back_in_stock": N_("“%(name)s” is back in stock"),
    "title_change": N_("“%(name)s” changed its title"),
    "sales_jump": N_("“%(name)s” sales count jumped from %(before)s to %(after)s"),
}
OTHER_SENTENCES = {
    "visibility_drop": N_("our visibility for “%(keyword)s” fell this week: %(before)s → "
                          "%(after)s"),
    "crawl_blocked": N_("a crawl of %(site)s was blocked"),
    "crawl_failed": N_("a crawl of %(site)s failed or came back short"),
}
AMOUNT = re.compile(r"(-?\d+(?:\.\d+)?) ([A-Z]{3})")  # monitor.rules' amounts: "1299.00 CNY"
# before/after values the rules write as words
VALUES = {"not ranked": N_("not ranked"), "in stock": N_("in stock"),
          "out of stock": N_("out of stock")}


def product_of(alert: Any) -> str | None:
    """The product id of a stored alert or of a draft (``monitor.rules.AlertDraft``)."""
    return getattr(alert, "product_external_id", None) or getattr(alert, "product_id", None)


def product_names(session: Session, alerts: Iterable[Any]) -> dict[tuple[str, str], str]:
    """The stored titles of the alerts' products."""
    keys = {(a.site, product) for a in alerts
            if getattr(a, "site", None) and (product := product_of(a))}
    if not keys:
        return {}
    rows = session.execute(
        select(Site.name, Product.external_id, Product.title)
        .join(Site, Site.id == Product.site_id)
        .where(tuple_(Site.name, Product.external_id).in_(sorted(keys))))
    return {(site, pid): title for site, pid, title in rows if title}


def value(language: str, text: str | None) -> str:
    """A before/after value as shown: the rules' words translated, their amounts
    ("1299.00 CNY", as ``monitor.rules`` writes them) formatted for the locale by Babel
    ("¥1,299.00"), other figures as they are."""
    if not text:
        return "-"
    if text in VALUES:
        return i18n.gettext(language, VALUES[text])
    if (money := AMOUNT.fullmatch(text)) is not None:
        return i18n.format_currency(language, Decimal(money[1]), money[2])
    return text


def explain(alert: Any, language: str, names: Names | None = None) -> str:
    """The alert's explanation in ``language`` (English: the stored subject)."""
    if language == "en":
        return str(alert.subject)
    product = product_of(alert)
    fields = {"before": value(language, alert.before), "after": value(language, alert.after),
              "keyword": alert.keyword or "", "site": alert.site or ""}
    if alert.kind in PRODUCT_SENTENCES and product:
        name = alert.before if alert.kind == "title_change" else (names or {}).get(
            (alert.site, product))
        if name:
            return i18n.gettext(language, PRODUCT_SENTENCES[alert.kind]) % {
                **fields, "name": name}
    elif alert.kind in OTHER_SENTENCES:
        return i18n.gettext(language, OTHER_SENTENCES[alert.kind]) % fields
    return str(alert.subject)


def overview_link(board: str | None, day: Any) -> str | None:
    return f"{board}/?{urlencode({'date': str(day)})}" if board else None


def alert_link(board: str | None, alert: Any) -> str | None:
    alert_id = getattr(alert, "id", None)
    return f"{board}/alerts/{alert_id}" if board and alert_id is not None else None


def keyword_link(board: str | None, keyword: str | None) -> str | None:
    return f"{board}/ranks/{quote(keyword, safe='')}" if board and keyword else None


def product_link(board: str | None, site: str | None, product: str | None) -> str | None:
    if not (board and site and product):
        return None
    return f"{board}/products/{quote(site, safe='')}/{quote(product, safe='')}"
