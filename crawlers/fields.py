"""Pure converters from the text a page shows to typed values: counts, ratings, JSON.
(Stock wording lives in ``crawlers.pagetext.stock``, prices in ``crawlers.pagetext.price``.)

Site-independent: they know number formats and words in several languages, never a site.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

_MULTIPLIERS = {"万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000, "m": 1_000_000, "亿": 10**8}
_COUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万|千|亿|[kKmMwW](?![a-zA-Z]))?")
_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def parse_count(text: str | None) -> int | None:
    """'月销2000+' -> 2000, '1.2万人付款' -> 12000, '51,601' -> 51601, '3.4k' -> 3400."""
    if not text:
        return None
    match = _COUNT.search(text)
    if not match:
        return None
    number, unit = match.groups()
    multiplier = _MULTIPLIERS.get((unit or "").lower(), 1)
    if multiplier == 1:
        return int(re.sub(r"[.,]", "", number))
    try:
        return int(Decimal(number.replace(",", "")) * multiplier)
    except InvalidOperation:
        return None


_WRAPPED = re.compile(r"^(?:var\s+[\w$]+\s*=\s*|[\w.$]+\()(.*?)(?:\)|;)?\s*;?\s*$", re.S)


def parse_json(text: str) -> Any:
    """JSON, JSONP (``callback({...})``) or a ``var X = {...};`` assignment; None if none."""
    text = text.strip().lstrip("\ufeff")
    wrapped = _WRAPPED.match(text)
    for candidate in (text, wrapped.group(1) if wrapped else None):
        if candidate:
            try:
                return json.loads(candidate)
            except json.JSONDecodeError:
                continue
    return None


def parse_rating(text: str | None) -> Decimal | None:
    """'4.5 out of 5' -> 4.5; 'star-rating Three' -> 3 (English number words)."""
    if not text:
        return None
    match = re.search(r"\d+(?:[.,]\d+)?", text)
    if match:
        try:
            value = Decimal(match.group().replace(",", "."))
        except InvalidOperation:
            return None
        return value if value <= 10 else None
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _WORDS:
            return Decimal(_WORDS[word])
    return None
