"""Price strings to ``Money`` with price-parser; the site's default currency fills the gaps."""

from __future__ import annotations

from price_parser import Price

from crawlers.items import Money

# price-parser returns the currency as written on the page; map the common symbols to ISO codes.
SYMBOLS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "RMB": "CNY", "$": "USD", "US$": "USD",
           "€": "EUR", "£": "GBP", "₹": "INR", "R$": "BRL"}


# One symbol, several currencies: the site's own currency decides where it is one of them.
SHARED = {"$": {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN"},
          "¥": {"CNY", "JPY"}, "￥": {"CNY", "JPY"}}


def _shared_symbol(symbol: str, default: str | None) -> str | None:
    return default if default and default in SHARED.get(symbol, ()) else None


def parse_price(text: str | None, default_currency: str | None = "CNY") -> Money | None:
    """Parse a price as shown; None for no text, ``Money(None, ...)`` for unreadable text."""
    if text is None or not text.strip():
        return None
    price = Price.fromstring(text)
    currency = "".join((price.currency or "").split())  # "US $" -> "US$"
    iso = _shared_symbol(currency, default_currency) or SYMBOLS.get(currency) or (
        currency.upper() if len(currency) == 3 else None)
    return Money(price.amount, iso or default_currency, text.strip())
