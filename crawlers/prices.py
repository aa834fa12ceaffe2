"""Price strings to ``Money`` with price-parser; the site's default currency fills the gaps."""

from __future__ import annotations

import re

from price_parser import Price

from crawlers.items import Money

# price-parser returns the currency as written on the page; map the common symbols to ISO codes.
SYMBOLS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "RMB": "CNY", "$": "USD", "US$": "USD",
           "€": "EUR", "£": "GBP", "₹": "INR", "R$": "BRL"}


# One symbol, several currencies: the site's own currency decides where it is one of them.
SHARED = {"$": {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "CLP", "ARS", "COP"},
          "¥": {"CNY", "JPY"}, "￥": {"CNY", "JPY"}, "元": {"CNY", "TWD"},
          "Rs": {"INR", "PKR", "LKR", "NPR"}, "Rs.": {"INR", "PKR", "LKR", "NPR"},
          "kr": {"SEK", "NOK", "DKK", "ISK"}, "kr.": {"SEK", "NOK", "DKK", "ISK"}}


def _shared_symbol(symbol: str, default: str | None) -> str | None:
    return default if default and default in SHARED.get(symbol, ()) else None


MORE_SYMBOLS = {"₽": "RUB", "руб": "RUB", "zł": "PLN", "Kč": "CZK", "₺": "TRY", "₩": "KRW",
                "₫": "VND", "฿": "THB", "₱": "PHP", "₴": "UAH", "Ft": "HUF", "lei": "RON",
                "A$": "AUD", "C$": "CAD", "CA$": "CAD", "AU$": "AUD", "HK$": "HKD", "S$": "SGD",
                "NZ$": "NZD", "NT$": "TWD", "RM": "MYR", "Rp": "IDR", "Rs": "INR", "Rs.": "INR",
                "₪": "ILS", "Kn": "HRK", "kn": "HRK", "тг": "KZT", "тг.": "KZT", "₸": "KZT",
                "лв": "BGN", "лв.": "BGN", "грн": "UAH", "₾": "GEL", "kr": "SEK", "kr.": "SEK"}


_DOLLAR_PREFIX = re.compile(r"\b(US|CA|C|AU|A|HK|S|NZ|NT)\s?\$")


def to_iso(symbol: str, default: str | None = None) -> str | None:
    """An ISO 4217 code for a currency as written ("€", "US$", "eur"), else ``default``."""
    written = "".join(symbol.split())
    if not written:
        return default
    iso = _shared_symbol(written, default) or SYMBOLS.get(written) or MORE_SYMBOLS.get(written)
    if iso:
        return iso
    if written.startswith("$"):
        return "USD"
    return written.upper() if re.fullmatch(r"[A-Za-z]{3}", written) else default


def parse_price(text: str | None, default_currency: str | None = "CNY") -> Money | None:
    """Parse a price as shown; None for no text, ``Money(None, ...)`` for unreadable text."""
    if text is None or not text.strip():
        return None
    price = Price.fromstring(text)
    written = price.currency or ""
    prefixed = _DOLLAR_PREFIX.search(text)  # price-parser reports "US $5" as "$"
    if written == "$" and prefixed:
        written = prefixed.group(1) + "$"
    return Money(price.amount, to_iso(written, default_currency), text.strip())
