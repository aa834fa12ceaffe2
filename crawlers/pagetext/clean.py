"""What scraped text must not carry: lone surrogates (they cannot be encoded), terminal escape
sequences and control characters (they act on a terminal, forge lines, reach an e-mail).

One home for the patterns, used where text is stored (``crawlers.validate``) and where stored
text is shown (``monitor.cliutil.inert``); no Scrapy here, so every command can import it
cheaply.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

REPLACEMENT = "\ufffd"
SURROGATES = re.compile("[\ud800-\udfff]")
# CSI: ESC [ (or U+009B), parameters, intermediates, a final byte. Strings (OSC, DCS, SOS, PM,
# APC: ESC ] P X ^ _ or their C1 forms) up to BEL or ST; an unterminated one loses only its
# introducer. Other escapes: ESC, intermediates, a final byte.
TERMINAL = re.compile(
    "(?:\x1b\\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    "|(?:\x1b[\\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,512}(?:\x07|\x1b\\\\|\x9c)"
    "|\x1b[\x20-\x2f]*[\x30-\x7e]?")
# C0 and C1 controls and DEL, except tab and the C0 line breaks (whitespace to the callers)
CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# tab and every line break, C1's NEL and Unicode's line and paragraph separators included
BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")


def pair_surrogates(text: str) -> str:
    """A surrogate pair becomes its character, a lone surrogate U+FFFD."""
    if not SURROGATES.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


LINK_SCHEMES = frozenset({"http", "https"})


def is_http_link(url: str) -> bool:
    """An absolute http(s) address with a host: the only kind that is stored as a link or
    shown as one (never ``javascript:``, ``data:``, relative or broken addresses)."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in LINK_SCHEMES and bool(parts.hostname)
    except ValueError:  # "http://[broken"
        return False
