"""Bytes and a Content-Type header -> text: the one way the crawl and the CLI read a page.

w3lib's order (``html_to_unicode``), with what saved and mis-served pages need on top:

1. A byte order mark decides, and is removed (bad bytes after it become U+FFFD).
2. UTF-16/32 without a BOM, told by where the NUL bytes of its ASCII markup fall.
3. Bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever is declared: other
   encodings almost never form valid multi-byte UTF-8, while a UTF-8 page under a stale
   ``gb2312`` tag is common (and some of it decodes as GB18030 gibberish without an error).
4. The declared charsets, each used only if it decodes the bytes strictly: the HTTP header
   (quoted or not), the meta tag or XML declaration of the first 4 KB, then a meta tag
   anywhere (saved pages put it deep). A header naming ISO-8859-1/windows-1252, the old
   servers' default, yields to a meta tag.
5. Nothing declared fits: mostly-UTF-8 bytes (a stray bad byte) stay UTF-8; else the CJK
   encodings that decode strictly and read as the language they encode (Japanese, Korean,
   simplified and traditional Chinese; GBK is read as its superset GB18030).
6. Else the first declaration other than UTF-8 (which proves itself: declared but plainly not
   UTF-8, the bytes are a legacy encoding), with U+FFFD for bad bytes; or windows-1252, as
   Scrapy and browsers default.

Never raises; the text is left as decoded (NUL and control characters are another step's).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from functools import lru_cache

from scrapy.http import Response, TextResponse
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

# Wider codecs to try when a declared one fails strictly (NEC and JIS X 0213 symbols).
WIDER = {"euc_jp": "euc_jis_2004"}
# A header naming the old HTTP default yields to the page's own meta tag.
SERVER_DEFAULTS = frozenset({"cp1252"})
FALLBACK = "cp1252"
ESCAPING = frozenset({"utf-7", "unicode-escape", "unicode_escape", "raw-unicode-escape",
                      "raw_unicode_escape", "idna", "punycode", "undefined"})
PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\r\n"
# Stray bad bytes tolerated in a UTF-8 page: at most one per 20 good non-ASCII characters.
UTF8_BAD_SHARE = 0.05
# The share of a CJK decoding's non-ASCII characters that must read as the language.
PLAUSIBLE = 0.8
SAMPLE_CHARS = 50_000
DEEP_META = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
NON_ASCII = re.compile("[^\x00-\x7f]+")
KANA = re.compile("[\u3040-\u30ff]+")
HANGUL = re.compile("[\uac00-\ud7a3]+")
HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]+")
# Punctuation and symbols every CJK page uses: general punctuation, arrows, shapes, circled
# numbers, CJK punctuation, full-width ASCII.
CJK_COMMON = re.compile("[\u00a0-\u00ff\u2000-\u27bf\u3000-\u303f\uff01-\uffef]+")
# EUC-KR's 2,350 Hangul syllables (rows B0-C8). Python's euc_kr encodes any other syllable
# too, as an 8-byte jamo sequence, so the set is read off the table itself.
KS_HANGUL = re.compile("[{}]+".format("".join(
    bytes((lead, trail)).decode("euc_kr") for lead in range(0xB0, 0xC9)
    for trail in range(0xA1, 0xFF))))
# A legacy Latin page misread as CJK has its "characters" inside ASCII words ("Condi茅es",
# "Displaygr鰴e"); real CJK text sits between spaces, digits, punctuation. At most this share
# of the non-ASCII runs may sit between two ASCII letters.
IN_WORD = re.compile("(?<=[A-Za-z])[^\x00-\x7f]+(?=[A-Za-z])")
MAX_IN_WORD = 0.3


def _gb18030_strict(exc: UnicodeError) -> tuple[str, int]:
    """GB18030 as the Encoding Standard reads it: a lone 0x80 is the euro sign (GBK's)."""
    if isinstance(exc, UnicodeDecodeError) and exc.object[exc.start] == 0x80:
        return "\u20ac", exc.start + 1
    raise exc


codecs.register_error("pagetext_gb18030_strict", _gb18030_strict)


def _strict(body: bytes, encoding: str) -> str | None:
    """``body`` decoded without an error, else None; a page cut inside its last character
    (a truncated download) still counts, with U+FFFD for the cut character."""
    errors = "pagetext_gb18030_strict" if encoding == "gb18030" else "strict"
    try:
        return body.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        if exc.end == len(body) and 0 < len(body) - exc.start <= 3:
            head = _strict(body[: exc.start], encoding)
            return None if head is None else head + "\ufffd"
        return None
    except (UnicodeError, LookupError):
        return None


@lru_cache(maxsize=64)
def usable(name: str | None) -> str | None:
    """``name`` if it can read an HTML page: a text codec that keeps ASCII as ASCII (not
    EBCDIC, base64 or UTF-16) and turns no escape sequence into markup (as UTF-7 and
    unicode_escape would)."""
    if not name or name in ESCAPING:
        return None
    try:
        b"\x80\xff".decode(name, "replace")  # some codecs (idna) know no "replace"
        return name if PRINTABLE.decode(name) == PRINTABLE.decode("ascii") else None
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None


def _nul_share(sample: bytes, offset: int, step: int) -> float:
    part = sample[offset::step]
    return part.count(0) / len(part) if part else 0.0


def wide_encoding(body: bytes) -> str | None:
    """UTF-16/32 without a BOM, from the NUL bytes its ASCII characters carry."""
    sample = body[: 4096 - 4096 % 4] if len(body) >= 4096 else body[: len(body) // 4 * 4]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    q = [_nul_share(sample, i, 4) for i in range(4)]
    if q[2] > 0.9 and q[3] > 0.9 and q[0] < 0.1:
        return "utf-32-le"
    if q[0] > 0.9 and q[1] > 0.9 and q[3] < 0.1:
        return "utf-32-be"
    even, odd = _nul_share(sample, 0, 2), _nul_share(sample, 1, 2)
    if odd > 0.25 and even < 0.05:
        return "utf-16-le"
    if even > 0.25 and odd < 0.05:
        return "utf-16-be"
    return None


def declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """The charsets the header and the page's start declare, as Python codec names, in the
    order they are tried. UTF-16/32 are left out (the NUL test above found none) and so is
    what cannot read HTML (see ``usable``)."""
    header = http_content_type_encoding(content_type) if content_type else None
    meta = html_body_declared_encoding(body)
    names: list[str] = []
    for name in [meta, header] if header in SERVER_DEFAULTS else [header, meta]:
        if (name := usable(name)) and not name.startswith(("utf-16", "utf-32")):
            names += [n for n in (name, WIDER.get(name)) if n and n not in names]
    return names


def deep_meta_encoding(body: bytes) -> str | None:
    """A meta charset anywhere in the page (saved pages put it after inlined scripts)."""
    for match in DEEP_META.finditer(body):
        name = usable(resolve_encoding(match.group(1).decode("ascii")))
        if name and not name.startswith(("utf-16", "utf-32")):
            return name
    return None


def _mostly_utf8(body: bytes) -> bool:
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(map(len, NON_ASCII.findall(text))) - bad
    return good > 0 and bad <= max(1, good * UTF8_BAD_SHARE)


def _share(pattern: re.Pattern[str], chars: str) -> float:
    return sum(map(len, pattern.findall(chars))) / len(chars)


def _korean(chars: str) -> float:
    """EUC-KR's 2,350 Hangul syllables: the extended ones of its superset (cp949) are rare
    in Korean text, and are what Shift_JIS, Big5 and Latin bytes read as."""
    common = _share(KS_HANGUL, chars)
    if common < 0.3 or _share(HAN, chars) > 0.1:
        return 0.0
    return common + _share(CJK_COMMON, chars)


def _japanese(chars: str) -> float:
    if _share(KANA, chars) < 0.05:
        return 0.0
    return _share(KANA, chars) + _share(HAN, chars) + _share(CJK_COMMON, chars)


def _simplified(chars: str) -> float:
    """GB2312's characters: Korean and Japanese read as GBK fall in its rows too, but bring
    kana or lose out to their own decoding."""
    if _share(KANA, chars) > 0.02:
        return 0.0
    return len(chars.encode("gb2312", "ignore")) / 2 / len(chars)


def _traditional(chars: str) -> float:
    """Big5's symbols and frequent characters (lead bytes A1-C6)."""
    if _share(KANA, chars) > 0.02:
        return 0.0
    leads = chars.encode("big5", "ignore")[0::2]
    return (len(leads) - len(leads.translate(None, bytes(range(0xA1, 0xC7))))) / len(chars)


# Tried language by language, the best decoding of each kept if it reads well enough.
# Japanese first: kana are its own evidence, and Korean or Chinese bytes read as EUC-JP or
# Shift_JIS give none. Korean next: Hangul in EUC-KR sits where GB2312 and Big5 keep their
# frequent hanzi, while Chinese rarely decodes as EUC-KR at all (商, 上, 生 fall in its
# unassigned row C9). Chinese last.
GUESSES: tuple[tuple[tuple[str, Callable[[str], float]], ...], ...] = (
    (("euc_jp", _japanese), ("cp932", _japanese)),
    (("cp949", _korean),),
    (("gb18030", _simplified), ("big5hkscs", _traditional)))


def _reads_as(body: bytes, encoding: str, score: Callable[[str], float]) -> tuple[float, str]:
    text = _strict(body, encoding)
    if text is None:
        return 0.0, ""
    sample = text[: SAMPLE_CHARS * 4]
    runs = NON_ASCII.findall(sample)
    chars = "".join(runs)[:SAMPLE_CHARS]
    if not chars or len(IN_WORD.findall(sample)) > MAX_IN_WORD * len(runs):
        return 0.0, text
    return score(chars), text


def guess_cjk(body: bytes) -> tuple[str, str] | None:
    """(text, encoding) of the CJK encoding that decodes ``body`` strictly and reads best as
    its language, if one reads well enough."""
    for language in GUESSES:
        value, text, encoding = max((*_reads_as(body, encoding, score), encoding)
                                    for encoding, score in language)
        if value >= PLAUSIBLE:
            return text, encoding
    return None


def _declared(body: bytes, content_type: str | None) -> tuple[str, str] | list[str]:
    """(text, encoding) of the first declaration that decodes ``body`` strictly, else the
    declarations found."""
    declared = declared_encodings(body, content_type)
    for encoding in declared:
        if (text := _strict(body, encoding)) is not None:
            return text, encoding
    deep = deep_meta_encoding(body)
    if deep is not None and deep not in declared:
        if (text := _strict(body, deep)) is not None:
            return text, deep
        declared.append(deep)
    return declared


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, Python codec name used) of a page body and its Content-Type header value."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return to_unicode(body[len(bom):], bom_encoding), bom_encoding
    wide = wide_encoding(body)
    if wide is not None:
        return body.decode(wide, "replace"), wide
    if body.isascii():
        for encoding in declared_encodings(body, content_type):  # ISO-2022-JP is 7-bit
            if (text := _strict(body, encoding)) is not None:
                return text, encoding
        return body.decode("ascii"), "utf-8"
    if (text := _strict(body, "utf-8")) is not None:
        return text, "utf-8"
    found = _declared(body, content_type)
    if isinstance(found, tuple):
        return found
    if _mostly_utf8(body):
        return body.decode("utf-8", "replace"), "utf-8"
    guessed = guess_cjk(body)
    if guessed is not None:
        return guessed
    # UTF-8 proves itself: declared but plainly not it, the bytes are a legacy encoding.
    encoding = next((e for e in found if e != "utf-8"), FALLBACK)
    return to_unicode(body, encoding), encoding


def response_text(response: Response) -> str:
    """A response's text as every parser and command reads it (see ``decode``)."""
    content_type = response.headers.get(b"Content-Type") or b""
    return decode(response.body, content_type.decode("latin-1"))[0]


def decoded(response: TextResponse) -> TextResponse:
    """``response`` with its body as the text ``decode`` reads, in UTF-8: every parser then
    reads the same text through ``response.text``, ``.css`` and ``.xpath`` (the crawl's
    downloader middleware and the CLI both use this)."""
    text = response_text(response)
    return response.replace(body=text.encode("utf-8", "surrogatepass"), encoding="utf-8")
