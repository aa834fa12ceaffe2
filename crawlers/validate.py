"""Clean items at the boundary, before they are stored: nothing a page sends can break a write.

``clean_item`` is the one way in (the pipeline calls it for every item):

- text: lone surrogates and NUL become U+FFFD (they cannot be encoded, or PostgreSQL refuses
  them; a surrogate pair becomes its character); terminal escape sequences (CSI
  ``ESC [ … m``, OSC ``ESC ] … BEL``, their C1 forms) and the other C0/C1 control characters
  (bell, backspace, DEL …) are removed; whitespace is normalised; each field is cut to what
  its column holds, and the cut is counted;
- links: only http(s) URLs that fit their column are kept (a ``javascript:`` link is None);
- ids longer than their column keep a readable start and a hash of the whole, so two long
  ids never become one;
- impossible values become unknown, never invented: a negative or overflowing price, count
  or rating is None.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from scrapy.exceptions import DropItem

from crawlers.items import Money, ProductItem, RankItem, SuggestionItem
from crawlers.pagetext.clean import (
    CONTROLS,
    REPLACEMENT,
    TERMINAL,
    is_http_link,
    pair_surrogates,
)

# Column sizes of db/models.py (titles are Text: capped all the same).
MAX_TITLE = 1000
MAX_NAME = 256  # shop, brand, keyword terms, attribute values
MAX_ATTRIBUTE_NAME = 64
MAX_URL = 2048
MAX_PRICE_RAW = 128
MAX_ID = 128
MAX_AMOUNT = Decimal(10) ** 12  # Numeric(14, 2)
MAX_RATING = Decimal("9.99")  # Numeric(3, 2)
MAX_COUNT = 2**31 - 1  # Integer

CURRENCY = re.compile("^[A-Z]{3}$")


@dataclass
class Fixes:
    """What cleaning changed in the items of a crawl (crawler stats, the crawl's log)."""

    replaced: int = 0  # texts with a lone surrogate or a NUL (replaced by U+FFFD)
    removed: int = 0  # texts with control characters or terminal escapes (removed)
    cut: int = 0  # texts and ids cut to their column's length
    dropped_links: int = 0  # links that are not http(s) or too long to store

    def add(self, other: Fixes) -> None:
        for name in ("replaced", "removed", "cut", "dropped_links"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def counts(self) -> dict[str, int]:
        return {name: n for name, n in vars(self).items() if n}


def _inert(value: str, fixes: Fixes) -> str:
    """``value`` without what cannot be stored or would act on a terminal."""
    text = pair_surrogates(value)  # a lone surrogate cannot be encoded
    text = text.replace("\x00", REPLACEMENT)  # PostgreSQL refuses NUL in text
    fixes.replaced += text.count(REPLACEMENT) > value.count(REPLACEMENT)
    text, sequences = TERMINAL.subn("", text)
    text, controls = CONTROLS.subn("", text)
    fixes.removed += bool(sequences or controls)
    return text


def _cut(text: str, limit: int | None, fixes: Fixes) -> str:
    if limit is None or len(text) <= limit:
        return text
    fixes.cut += 1
    return text[:limit].rstrip()


def clean_text(value: str | None, limit: int | None = None,
               fixes: Fixes | None = None) -> str | None:
    """One line of inert text, at most ``limit`` characters (None for none)."""
    if value is None:
        return None
    fixes = fixes if fixes is not None else Fixes()
    return _cut(" ".join(_inert(value, fixes).split()), limit, fixes) or None


def clean_page(value: str, limit: int) -> str:
    """A kept page's text (the board shows it as text): storable (NUL and lone surrogates
    become U+FFFD), inert (terminal sequences and controls but tabs and line breaks removed),
    at most ``limit`` characters."""
    return _inert(value, Fixes())[:limit]


def clean_url(value: str | None, fixes: Fixes | None = None) -> str | None:
    """An http(s) URL that fits its column, else None (counted)."""
    fixes = fixes if fixes is not None else Fixes()
    url = clean_text(value, None, fixes)
    if url is None:
        return None
    if not is_http_link(url) or len(url) > MAX_URL:
        fixes.dropped_links += 1
        return None
    return url


def clean_id(value: str | None, fixes: Fixes | None = None) -> str:
    """A product id that fits its column: a long one keeps its start and a hash of the whole."""
    fixes = fixes if fixes is not None else Fixes()
    text = _inert(value or "", fixes).strip()
    if len(text) <= MAX_ID:
        return text
    fixes.cut += 1
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    return f"{text[:MAX_ID - len(digest) - 1]}~{digest}"


def _clean_money(value: Money | None, fixes: Fixes) -> Money | None:
    if value is None:
        return None
    amount = value.amount
    if amount is not None and not (amount.is_finite() and 0 <= amount < MAX_AMOUNT):
        amount = None
    currency = value.currency if value.currency and CURRENCY.match(value.currency) else None
    return Money(amount, currency, clean_text(value.raw, MAX_PRICE_RAW, fixes))


def _count(value: int | None) -> int | None:
    return value if value is None or 0 <= value <= MAX_COUNT else None


def clean_product(item: ProductItem, fixes: Fixes | None = None) -> ProductItem:
    """Fix what can be fixed in place; drop an entry that has no identity at all."""
    fixes = fixes if fixes is not None else Fixes()
    item.external_id = clean_id(item.external_id, fixes)
    if not item.external_id:
        raise DropItem(f"product without an id on {clean_url(item.url) or item.site}")
    item.url = clean_url(item.url, fixes)
    item.title = clean_text(item.title, MAX_TITLE, fixes)
    item.shop = clean_text(item.shop, MAX_NAME, fixes)
    item.brand = clean_text(item.brand, MAX_NAME, fixes)
    # the spec table's rows (name, value): as inert as the title; an empty row is dropped
    item.attributes = [(name, value) for name, value in (
        (clean_text(n, MAX_ATTRIBUTE_NAME, fixes), clean_text(v, MAX_NAME, fixes))
        for n, v in item.attributes) if name and value]
    item.price = _clean_money(item.price, fixes)
    item.list_price = _clean_money(item.list_price, fixes)
    item.price_high = _clean_money(item.price_high, fixes)
    item.list_price_high = _clean_money(item.list_price_high, fixes)
    if item.rating is not None and not (item.rating.is_finite()
                                        and Decimal(0) <= item.rating <= MAX_RATING):
        item.rating = None
    item.sales_count = _count(item.sales_count)
    item.review_count = _count(item.review_count)
    item.stock_count = _count(item.stock_count)
    return item


def clean_term(term: str, fixes: Fixes | None = None) -> str:
    """A keyword or suggested term as stored: inert and cut to its column, its spacing kept
    (a tracked keyword is stored as the config spells it)."""
    fixes = fixes if fixes is not None else Fixes()
    return _cut(_inert(term, fixes), MAX_NAME, fixes)


def clean_item(item: ProductItem | RankItem | SuggestionItem) -> Fixes:
    """Clean any item in place before it is stored; returns what was changed.

    Raises ``DropItem`` for a product without an id.
    """
    fixes = Fixes()
    if isinstance(item, SuggestionItem):
        item.seed = clean_term(item.seed, fixes)
        item.terms = [clean_term(term, fixes) for term in item.terms]
        return fixes
    if isinstance(item, RankItem):
        item.keyword = clean_term(item.keyword, fixes)
        clean_product(item.product, fixes)
    else:
        clean_product(item, fixes)
    return fixes


def price_unknown(item: ProductItem) -> bool:
    """The page showed a price text that could not be read (stored as unknown, counted)."""
    return item.price is not None and item.price.amount is None
