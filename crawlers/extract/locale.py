"""Number formats by page locale: which character separates decimals in a price."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

from price_parser import Price

# Languages and country domains that write 1.299,00 (decimal comma).
COMMA_LANGUAGES = {"de", "fr", "es", "it", "nl", "pt", "ru", "pl", "tr", "cs", "sk", "da", "sv",
                   "nb", "no", "fi", "el", "hu", "ro", "id", "vi", "uk", "bg", "hr", "sl", "lt",
                   "lv", "et"}
COMMA_TLDS = {"de", "at", "fr", "es", "it", "nl", "be", "pt", "br", "ru", "pl", "tr", "cz", "sk",
              "dk", "se", "no", "fi", "gr", "hu", "ro", "id", "vn", "ua", "bg", "hr", "si", "ar",
              "cl", "co"}
DOT_TLDS = {"com", "uk", "us", "cn", "jp", "in", "au", "ca", "sg", "hk", "tw", "mx", "ch", "nz",
            "ie", "za", "my", "ph", "kr"}


def decimal_separator(lang: str | None, url: str | None) -> str | None:
    """',' or '.' when the page's language or domain says so, else None (let the text decide)."""
    host = urlsplit(url or "").hostname or ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld in COMMA_TLDS:
        return ","
    primary = (lang or "").lower().replace("_", "-").split("-")[0]
    if primary in COMMA_LANGUAGES:
        return ","
    if primary in ("en", "zh", "ja", "ko", "th", "he", "ms") or tld in DOT_TLDS:
        return "."
    return None


# The currency a country's shops mean by a shared symbol ("$" in Chile is pesos, "元" in Taiwan
# is the new Taiwan dollar); only used where the page writes the bare symbol.
TLD_CURRENCY = {"cl": "CLP", "ar": "ARS", "mx": "MXN", "co": "COP", "au": "AUD", "ca": "CAD",
                "nz": "NZD", "sg": "SGD", "hk": "HKD", "tw": "TWD", "jp": "JPY", "cn": "CNY",
                "pk": "PKR", "lk": "LKR", "np": "NPR", "in": "INR", "se": "SEK", "no": "NOK",
                "dk": "DKK", "is": "ISK", "us": "USD"}


def local_currency(url: str | None) -> str | None:
    """The currency of the shop's country domain, for symbols several currencies share."""
    host = urlsplit(url or "").hostname or ""
    return TLD_CURRENCY.get(host.rsplit(".", 1)[-1]) if "." in host else None


_PLAIN_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")


_NUMBER = re.compile(r"\d[\d.,\s]*\d|\d")


def _ambiguous(text: str) -> bool:
    """Only "34.000" or "1,299" (one kind of separator, three digits after it) needs the locale:
    "1.299,00" and "36.53" say themselves which separator is the decimal one."""
    match = _NUMBER.search(text)
    number = match.group().replace(" ", "") if match else ""
    if "." in number and "," in number:
        return False
    last = max(number.rfind("."), number.rfind(","))
    return last >= 0 and len(number) - last - 1 == 3


# "$229 99", "173 34 Lei": cents printed apart (a <sup>), joined to the units by a space.
_CENTS_APART = re.compile(r"(\d{1,3}(?:[.,]\d{3})*|\d+) (\d{2})(?![\d.,])")


def parse_amount(text: str, separator: str | None,
                 structured: bool = False) -> tuple[Decimal | None, str | None]:
    """(amount, currency as written) of a price text, with the locale's decimal separator.

    A machine-readable value from structured data ("1299.00") is read as written.
    """
    if structured and _PLAIN_NUMBER.match(text):
        return Decimal(text.strip()), None
    if not structured and len(_NUMBER.findall(text)) == 1:
        apart = _CENTS_APART.search(text)
        if apart and not re.search(r"[.,]\d{2}$", apart.group(1)):
            point = separator or ("," if "." in apart.group(1) else ".")
            joined = f"{apart.group(1)}{point}{apart.group(2)}"
            text = text[:apart.start()] + joined + text[apart.end():]
    price = Price.fromstring(text, decimal_separator=separator if _ambiguous(text) else None)
    return price.amount, price.currency
