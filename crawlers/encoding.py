"""Decode a page whose bytes and declared charset disagree.

Scrapy (w3lib) trusts the HTTP header, then a meta tag in the first 4 KB, then guesses. Saved
and re-encoded pages break that: a GBK page whose only meta tag sits deep in the document,
or whose tag says utf-8 over GBK bytes. Here the declared charset is used when the bytes
decode with it strictly; else a charset declared anywhere in the page, then UTF-8, then a few
common encodings, each strictly; only then w3lib's guess.
"""

from __future__ import annotations

import codecs
import re

from scrapy.http import TextResponse

FALLBACKS = ("gb18030", "big5", "shift_jis", "euc-jp", "euc-kr")
META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        codecs.lookup(encoding)
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def page_text(response: TextResponse) -> str:
    body = response.body
    declared = response.headers.get("Content-Type", b"") or b""
    header = re.search(rb"charset=([A-Za-z0-9_-]+)", declared)
    candidates = [header.group(1).decode()] if header else []
    candidates += [m.group(1).decode() for m in META_CHARSET.finditer(body)][:3]
    for encoding in (*candidates, "utf-8", *FALLBACKS):
        text = _strict(body, "gb18030" if encoding.lower() in ("gbk", "gb2312") else encoding)
        if text is not None:
            return text
    return response.text
