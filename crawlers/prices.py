"""Price strings to ``Money`` with price-parser; the site's default currency fills the gaps."""

from __future__ import annotations

from price_parser import Price

from crawlers.items import Money

# price-parser returns the currency as written on the page; map the common symbols to ISO codes.
SYMBOLS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "RMB": "CNY", "$": "USD", "US$": "USD",
           "€": "EUR", "£": "GBP", "₹": "INR", "R$": "BRL"}


def parse_price(text: str | None, default_currency: str | None = "CNY") -> Money | None:
    """Parse a price as shown; None for no text, ``Money(None, ...)`` for unreadable text."""
    if text is None or not text.strip():
        return None
    price = Price.fromstring(text)
    currency = (price.currency or "").strip()
    iso = SYMBOLS.get(currency) or (currency.upper() if len(currency) == 3 else None)
    return Money(price.amount, iso or default_currency, text.strip())
