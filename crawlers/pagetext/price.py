"""Prices as pages show them -> amount (Decimal), range end, ISO currency: the one entry point.

price-parser picks the number; the decimal separator is decided here, the same way for every
parser: a number that shows both separators, a separator twice, or not three digits after it
says itself which one is the decimal mark ("1.299,00", "2,29,900", "36.53"); only "1,299" and
"34.000" need the page's hint, which is then honoured. Without a hint they are thousands (as
price-parser reads them) unless the currency has three decimals (12.500 KWD).

No readable price is ``amount=None``, never 0: "Free", "免费", "--", "N/A" and "¥-" give None
(a zero needs a 0 on the page), and so does a negative amount ("-1.00": JD's "off sale").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, get_currency_precision
from price_parser import Price

from crawlers.pagetext.currency import (
    Mark,
    amount_factor,
    candidates,
    currency_marks,
    currency_of,
)


@dataclass(frozen=True)
class ParsedPrice:
    amount: Decimal | None  # the price, a range's low end; None: no readable price (never 0)
    high: Decimal | None  # a range's high end ("¥99-199", "$10 - $20"), else None
    currency: str | None  # ISO 4217 code; None where the currency is unknown
    raw: str  # the text as shown, stripped


# A number as written: digits grouped by dots, commas, apostrophes or single spaces.
_NUMBER = re.compile(r"(?<!\d)(?>\.?\d+(?:(?:[.,'’]| (?=\d))\d+)*)(?!\s?%)")
_PLAIN = re.compile(r"\+?\d+(?:\.\d+)?")
# "$229 99", "117 02 Lei": cents printed apart (a <sup>), two digits after a space.
_CENTS_APART = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+) (\d{2})")
_RANGE_WORDS = {"-", "–", "—", "~", "～", "〜", "－", "to", "à", "a", "bis", "до", "至", "إلى"}
_TEN_THOUSAND = re.compile(r"\s?[万萬]")


def _clean(text: str) -> str:
    """NFKC (full-width digits, ￥), any script's digits as ASCII, Arabic separators, one space."""
    text = unicodedata.normalize("NFKC", text).replace("٫", ".").replace("٬", ",")
    digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch
                     for ch in text)
    return " ".join(digits.split())


def _decimal_mark(number: str, hint: str | None, precision: int) -> str | None:
    """Which of "." and "," is the decimal mark of ``number`` (None: it has none)."""
    marks = [ch for ch in number if ch in ".,"]
    if not marks:
        return None
    if len(set(marks)) == 2:
        return marks[-1]  # "1.299,00", "123,456.789": grouping comes before the decimals
    if len(marks) > 1:
        return None  # "2,29,900", "1.234.567": grouping only
    head, tail = re.split(r"[.,]", number.replace(" ", "").replace("'", "").replace("’", ""))
    if len(tail) != 3 or head == "0" or len(head) > 3:
        return marks[0]  # "36.53", "0.500", "1234.567" cannot be grouping
    if hint in (".", ","):
        return marks[0] if marks[0] == hint else None
    return marks[0] if precision == 3 else None


def _to_decimal(number: str, hint: str | None, precision: int) -> Decimal | None:
    mark = _decimal_mark(number, hint, precision)
    digits = "".join(ch if ch.isdigit() or ch == mark else "" for ch in number)
    try:
        value = Decimal(digits.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _precision(currency: str | None) -> int:
    try:
        return get_currency_precision(currency) if currency else 2
    except UnknownCurrencyError:
        return 2


def _distance(mark: Mark, start: int, end: int) -> int:
    return max(start - mark.end, mark.start - end, 0)


_KINDS = {"sign": 0, "word": 1, "letter": 2}


def _counts(mark: Mark, start: int, end: int) -> bool:
    """Signs count anywhere; words beside the amount ("Rs 22,300", "44 890 тг."); a lone letter
    only right before it (after it, "500g" and "12 M" are units and sizes)."""
    if mark.kind == "letter":
        return mark.end <= start and start - mark.end <= 1
    return mark.kind == "sign" or _distance(mark, start, end) <= 2


def _currency_mark(marks: list[Mark], start: int, end: int) -> Mark | None:
    """The currency written nearest the amount, a sign before a word ("le 12,99 €": French,
    not the Egyptian pound). A shared symbol yields to a code or unshared symbol beside the
    amount that it can mean ("MXN $1,299", "$12.99 CAD")."""
    near = [m for m in marks if _counts(m, start, end)]
    if not near:
        return None
    mark = min(near, key=lambda m: (_distance(m, start, end), _KINDS[m.kind],
                                    -(m.end - m.start), m.start))
    shared = candidates(mark.written)
    for other in near:
        own = candidates(other.written)
        if len(shared) > 1 and len(own) == 1 and own[0] in shared and (
                _distance(other, start, end) <= 2 or _distance(other, mark.start, mark.end) <= 1):
            return other
    return mark


def _script_country(text: str) -> str | None:
    """Kana is only written in Japan, Hangul only in Korea: "¥1,299（税込）" is yen."""
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "JP"
    return "KR" if any("\uac00" <= ch <= "\ud7af" for ch in text) else None


def _range(text: str, numbers: list[re.Match[str]], marks: list[Mark]) -> bool:
    """Two amounts joined by a dash or "to": "¥99-199", "$10 - $20", "502,20 – 558,00 б.р."."""
    if len(numbers) != 2:
        return False
    low, high = numbers
    between = list(text[low.end():high.start()])
    for mark in marks:
        if low.end() <= mark.start and mark.end <= high.start():
            between[mark.start - low.end():mark.end - low.end()] = " " * (mark.end - mark.start)
    return "".join(between).strip().casefold() in _RANGE_WORDS


def _negative(text: str, start: int, marks: list[Mark]) -> bool:
    """The text starts with a minus sign, currency signs aside ("-1.00", "- 99 ₪", "-$5")."""
    before = list(text[:start])
    for mark in marks:
        if mark.end <= start:
            before[mark.start:mark.end] = " " * (mark.end - mark.start)
    return "".join(before).strip() in ("-", "−")


def _in_word(text: str, number: re.Match[str], marks: list[Mark]) -> bool:
    """Digits glued to a Latin word ("#ITEMPRICE1#", "TEXT2L1", "T5", "iPhone15") are part of
    it, not an amount; a currency written that way is not ("RM12", "EUR15.99", "Rp.30")."""
    start = number.start()
    glued = re.search(r"[A-Za-z0-9]*$", text[:start])
    prefix_at = glued.start() if glued else start
    if prefix_at == start:
        return False
    return not any(mark.start == prefix_at and mark.end >= start for mark in marks)


def _main_number(text: str, numbers: list[re.Match[str]]) -> re.Match[str] | None:
    """The number price-parser takes as the price ("M.R.P: ₹2,499" -> 2,499)."""
    chosen = Price.fromstring(text).amount_text
    digits = re.sub(r"\D", "", chosen or "")
    if not digits:
        return None
    for number in numbers:
        own = re.sub(r"\D", "", number.group())
        if own and (digits.startswith(own) or own.startswith(digits)):
            return number
    return numbers[0] if numbers else None


def _scaled(value: Decimal | None, text: str, end: int, factor: int) -> Decimal | None:
    if value is None:
        return None
    if _TEN_THOUSAND.match(text, end):
        value *= 10000  # "1.2万" = 12000
    return value * factor if factor != 1 else value


def _structured(value: str | int | float | Decimal, default: str | None) -> ParsedPrice:
    raw = str(value).strip()
    try:
        amount: Decimal | None = Decimal(raw.lstrip("+"))
    except InvalidOperation:
        amount = None
    if amount is not None and (not amount.is_finite() or amount < 0):
        amount = None
    return ParsedPrice(amount, None, currency_of(None, default=default), raw)


def parse_price(text: str | int | float | Decimal | None, *, default_currency: str | None = None,
                country: str | None = None, decimal_separator: str | None = None,
                structured: bool = False) -> ParsedPrice | None:
    """A price as shown -> ParsedPrice; None for no text.

    ``default_currency`` (the site's) fills in only where the text shows no currency at all;
    ``country`` (ISO 3166 alpha-2 of the shop) tells what a shared symbol means;
    ``decimal_separator`` ("," or ".", e.g. from currency.decimal_separator) decides "1,299";
    ``structured``: a machine-readable value (JSON-LD, meta tags): "1299.00" read as written.
    """
    if text is None or isinstance(text, bool):
        return None
    if not isinstance(text, str) or (structured and _PLAIN.fullmatch(text.strip())):
        return _structured(text, default_currency) if str(text).strip() else None
    raw = text.strip()
    if not raw:
        return None
    work = _clean(raw)
    marks = currency_marks(work)
    numbers = [n for n in _NUMBER.finditer(work) if not _in_word(work, n, marks)]
    first = _main_number(work, numbers)
    is_range = first is not None and _range(work, numbers, marks)
    anchor = ((numbers[0].start(), numbers[-1].end()) if is_range else
              (first.start(), first.end()) if first else (0, len(work)))
    mark = _currency_mark(marks, *anchor)
    currency = currency_of(mark.written if mark else None, country or _script_country(work),
                           default_currency)
    if first is None:
        return ParsedPrice(None, None, currency, raw)
    if _negative(work, first.start(), marks):
        return ParsedPrice(None, None, currency, raw)  # "-1.00": not a price (JD: off sale)
    factor = amount_factor(mark.written if mark else None)
    precision = _precision(currency)
    if is_range:
        low, high = (_scaled(_to_decimal(n.group(), decimal_separator, precision), work, n.end(),
                             factor) for n in numbers)
        if low is not None and high is not None and high >= low:
            return ParsedPrice(low, high if high > low else None, currency, raw)
    return ParsedPrice(_scaled(_amount(work, first, numbers, decimal_separator, precision,
                                       structured), work, first.end(), factor),
                       None, currency, raw)


def _amount(text: str, number: re.Match[str], numbers: list[re.Match[str]], hint: str | None,
            precision: int, structured: bool) -> Decimal | None:
    euro = re.match(r"\s?€\s?(\d\d)(?!\d)", text[number.end():])
    if euro and len(numbers) == 2 and text.count("€") == 1:  # "35€99": € as the decimal mark
        whole = _to_decimal(number.group(), hint, precision)
        return whole + Decimal(f"0.{euro.group(1)}") if whole is not None else None
    apart = None if structured else _CENTS_APART.fullmatch(number.group())
    if apart and len(numbers) == 1:
        whole = _to_decimal(apart.group(1), hint, precision)
        return whole + Decimal(f"0.{apart.group(2)}") if whole is not None else None
    return _to_decimal(number.group(), hint, precision)
