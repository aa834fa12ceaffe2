"""Currencies as shops write them -> ISO 4217, the one home of currency knowledge.

The symbol table is generated once from Babel's CLDR data: every symbol any CLDR locale gives a
currency, with how many locales write it so. ``EXTRA`` adds only the written forms CLDR lacks and
``PRIMARY`` decides the few shared symbols where ShopWatch departs from CLDR's majority.

A symbol several currencies share ("$", "¥", "kr", "Rs", "元") means the shop country's
currency where that is one of them, else the site's default where that is one of them, else its
primary currency, else unknown (None). The site default never names a symbol that is not its own,
and a word that is neither a known symbol nor an ISO 4217 code is unknown, never a made-up code.

Over 300 lines on purpose: the symbol rules, their exceptions and the generator of the shipped
table are one concern; the table itself is data (cldr_currency_symbols.json).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel import __version__ as babel_version
from babel.core import get_global
from babel.localedata import load, locale_identifiers
from babel.numbers import (
    UnsupportedNumberingSystemError,
    get_decimal_symbol,
    get_territory_currencies,
    list_currencies,
)

# Written forms CLDR does not give (or not for all the currencies that use them); the first
# currency listed is the primary one where CLDR has no such symbol at all.
EXTRA: dict[str, tuple[str, ...]] = {
    "元": ("CNY", "TWD", "HKD", "MOP"),  # yuan: CLDR has it for CNY only; TW/HK/MO shops write it
    "块": ("CNY",),  # colloquial yuan
    "人民币": ("CNY",),
    "RMB": ("CNY",),  # renminbi, not an ISO code
    "円": ("JPY",),  # Japanese shops write ¥1,299 or 1,299円
    "원": ("KRW",),
    "美元": ("USD",),
    "港元": ("HKD",),
    "港幣": ("HKD",),
    "港币": ("HKD",),
    "新台幣": ("TWD",),
    "新台币": ("TWD",),
    "台幣": ("TWD",),
    "台币": ("TWD",),
    "日元": ("JPY",),
    "欧元": ("EUR",),
    "$": ("HKD", "DOP"),  # local dollars/pesos CLDR writes HK$ / RD$ only
    "$U": ("UYU",),  # Uruguayan peso (CLDR: $UY)
    "U$S": ("USD",),  # dollars in Uruguay and Argentina
    "U$": ("USD",),  # dollars in Brazil and Uruguay
    "CDN$": ("CAD",),  # Amazon.ca until 2019
    "N$": ("NAD",),  # CLDR: $NA
    "J$": ("JMD",),  # CLDR: JM$
    "B$": ("BND",),  # CLDR: $BN
    "руб.": ("RUB", "BYN"),  # CLDR gives ₽ and Br only; Belarusian shops write руб. too
    "рубль": ("RUB", "BYN"),  # the word, in its three forms: 1 рубль, 2 рубля, 5 рублей
    "рубля": ("RUB", "BYN"),
    "рублей": ("RUB", "BYN"),
    "р.": ("RUB", "BYN"),  # CLDR: р. for the rouble of 1991-97 (RUR) only
    "б.р.": ("BYN",),  # "белорусских рублей", as 1k.by writes it
    "бел.руб.": ("BYN",),
    "грн.": ("UAH",),
    "тг.": ("KZT",),
    "тңг": ("KZT",),
    "тенге": ("KZT",),
    "сум": ("UZS",),  # CLDR: сўм, soʻm
    "դր.": ("AMD",),  # CLDR: ֏
    "ман.": ("AZN",),  # CLDR: ₼
    "лей": ("MDL",),  # the Moldovan leu in Russian
    "TL": ("TRY",),  # CLDR has the Cyrillic тл only
    "zl": ("PLN",),  # zł without its diacritic
    "Kc": ("CZK",),  # Kč without its diacritic
    "lei": ("RON", "MDL"),  # Romanian and Moldovan shops; CLDR writes RON and L
    "Lek": ("ALL",),  # CLDR: Lekë
    "CFA": ("XOF", "XAF"),  # West or Central African franc: only the country tells
    "تومان": ("IRR",),  # toman = 10 rials (see amount_factor)
    "toman": ("IRR",),
    "ريال": ("SAR", "QAR", "OMR", "YER", "IRR"),  # riyal/rial in Arabic script
    "جنيه": ("EGP", "SDG", "SSP"),  # pound
    "درهم": ("AED", "MAD"),  # dirham
    "دينار": ("KWD", "BHD", "JOD", "IQD", "LYD", "TND", "DZD"),  # dinar
    "Rs": ("NPR",),  # CLDR has Rs for PKR, MUR, INR, SCR, LKR; Nepali shops write it too
    "Tk": ("BDT",),  # Bangladeshi shops writing in English (CLDR: ৳)
    "Ks": ("MMK",),  # Myanmar (CLDR: K)
    "ZK": ("ZMW",),  # Zambia (CLDR: K)
    "MT": ("MZN",),  # Mozambique (CLDR: MTn)
    "P": ("PHP",),  # Philippine shops write P1,299 as well as ₱ (CLDR: P for BWP only)
    # The Gulf and North Africa writing in Latin letters (CLDR gives the Arabic forms)
    "KD": ("KWD",),
    "BD": ("BHD",),
    "QR": ("QAR",),
    "SR": ("SAR",),  # CLDR: SR for the Seychelles rupee only
    "JD": ("JOD",),
    "R.O.": ("OMR",),
    "Dhs": ("AED", "MAD"),  # dirham: the Emirates and Morocco
    "Dh": ("AED", "MAD"),
    "L.E.": ("EGP",),
    "LE": ("EGP",),  # CLDR: Le for the Sierra Leonean leone only
    "L.L.": ("LBP",),
    "Bs": ("VES",),  # CLDR has Bs for BOB; Venezuelan shops write Bs. too
    "Bs.F": ("VEF",),
    "đ": ("VND",),  # Vietnamese shops write 1.290.000đ
    "VNĐ": ("VND",),
    "บาท": ("THB",),
    'ש"ח': ("ILS",),
    "ש״ח": ("ILS",),
    "euro": ("EUR",),  # "12,99 Euro" on German and Italian shops
    "euros": ("EUR",),
    "Fr.": ("CHF",),  # Swiss shops: "Fr. 19.50"
    "SFr.": ("CHF",),
}

# Shared symbols whose primary currency ShopWatch decides; None: no primary, only the country
# or the site default can tell. Every other symbol takes CLDR's majority (see _primary).
PRIMARY: dict[str, str | None] = {
    # CLDR's majority is JPY (most locales write JPY as ¥, zh writes CNY as ¥). ShopWatch watches
    # Chinese shops first; a Japanese shop is told apart by its country (JP), 円 or its default.
    "¥": "CNY",
    # CLDR has no majority (PKR, MUR, INR, SCR, LKR); India's shops, often on .com domains, write
    # Rs. most (₹ since 2010); Pakistani, Sri Lankan, Nepali ones are told by their country.
    "Rs": "INR",
    "SR": "SAR",  # the Saudi riyal over the Seychelles rupee
    "LE": "EGP",  # the Egyptian pound over the Sierra Leonean leone
    "Br": None,  # Belarus (BYN) and Ethiopia (ETB) both write Br
    "Dh": None,  # the Emirates (AED) and Morocco (MAD)
    "Dhs": None,
    "درهم": None,
    "دينار": None,
    "P": None,  # Botswana (BWP) or the Philippines (PHP)
    "Bs": None,  # Bolivia (BOB) and Venezuela (VES)
    "CFA": None,
    "ريال": None,
}

# CLDR symbols that on a shop page are units: "Kg" (the Caribbean guilder in one locale).
_UNITS = frozenset({"kg"})

# How many of the written unit make one unit of the ISO currency's amount.
_FACTORS = {"تومان": 10, "toman": 10}

# Country-code domains used as generic ones: no country unless under com./co./org. etc.
_VANITY_TLDS = {"io", "co", "tv", "me", "ai", "fm", "ly", "to", "ws", "cc", "gg", "app", "so"}
_SECOND_LEVEL = {"com", "co", "net", "org", "gov", "gob", "edu", "ac", "or", "ne"}
_TLD_COUNTRY = {"uk": "GB"}  # the one ccTLD that is not the ISO 3166 code


@dataclass(frozen=True)
class Symbol:
    candidates: tuple[str, ...]  # the currencies written so, most common first
    primary: str | None  # what the symbol means with no country or default to tell


def normalise(written: str) -> str:
    """One key per written form: NFKC (￥ = ¥, ₨ = Rs), no spaces or format marks, no dots at
    the ends, case-folded ("Rs." = "RS" = "rs", "US $" = "us$")."""
    text = unicodedata.normalize("NFKC", written)
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return text.strip(".").casefold()


@cache
def _codes() -> frozenset[str]:
    return frozenset(list_currencies())


# The CLDR facts the table is built from, extracted once (reading every CLDR locale takes over
# a second, in every crawl process): `python -m crawlers.pagetext.currency` rewrites it, and
# tests/test_pagetext_currency.py checks that it equals a fresh extraction.
CLDR_DATA = Path(__file__).with_name("cldr_currency_symbols.json")


def cldr_extract() -> dict[str, object]:
    """From Babel's CLDR: the written forms with their votes, the currencies in use today."""
    current = sorted({code for territory in get_global("territory_currencies")
                      for code in get_territory_currencies(territory)})
    votes = {key: dict(sorted(counter.items())) for key, counter in sorted(_cldr_votes().items())}
    return {"babel": babel_version, "current": current, "votes": votes}


@cache
def _cldr() -> dict[str, object]:
    if CLDR_DATA.is_file():
        data: dict[str, object] = json.loads(CLDR_DATA.read_text("utf-8"))
        return data
    return cldr_extract()


@cache
def _current() -> frozenset[str]:
    """Currencies some country uses today (HRK, EEK, RUR are of the past)."""
    current = _cldr()["current"]
    assert isinstance(current, list)
    return frozenset(current)


def _votes() -> dict[str, Counter[str]]:
    votes = _cldr()["votes"]
    assert isinstance(votes, dict)
    return {key: Counter(counts) for key, counts in votes.items()}


def _cldr_votes() -> dict[str, Counter[str]]:
    """written form -> {currency: how many CLDR locales write it so}."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    codes = _codes() - {"XXX", "XTS"}  # ¤: no currency
    for ident in locale_identifiers():
        for code, symbol in load(ident).get("currency_symbols", {}).items():
            key = normalise(symbol)
            if key and code in codes and key != code.casefold() and key not in _UNITS:
                votes[key][code] += 1
    return votes


def _primary(votes: Counter[str]) -> str | None:
    """The currency most locales write so, where it leads the next one at least threefold."""
    ranked = votes.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] < 3 * ranked[1][1]):
        return None
    return ranked[0][0]


@cache
def symbols() -> dict[str, Symbol]:
    """The symbol table: written form (normalised) -> its currencies. Built once."""
    votes = _votes()
    extra = {normalise(written): codes for written, codes in EXTRA.items()}
    primary = {normalise(written): code for written, code in PRIMARY.items()}
    table: dict[str, Symbol] = {}
    for key in votes.keys() | extra.keys():
        cldr = votes.get(key, Counter())
        live = Counter({code: n for code, n in cldr.items() if code in _current()})
        added = [code for code in extra.get(key, ()) if code not in live]
        if not live and not added:
            live = cldr  # a currency of the past only (kn: HRK)
        ranked = tuple([code for code, _n in live.most_common()] + added)
        default = _primary(live) if live else added[0]
        table[key] = Symbol(ranked, primary.get(key, default))
    return table


@lru_cache(maxsize=512)
def country_currencies(country: str | None) -> tuple[str, ...]:
    """The currencies a country (ISO 3166 alpha-2) uses today, its main one first."""
    if not country or len(country) != 2 or not country.isalpha():
        return ()
    return tuple(get_territory_currencies(country.upper()))


def _code(value: str | None) -> str | None:
    key = normalise(value or "").upper()
    return key if key in _codes() else None


def currency_of(written: str | None, country: str | None = None,
                default: str | None = None) -> str | None:
    """ISO 4217 code of a currency as written ("€", "US$", "руб.", "eur"), else None.

    No currency written: the site's ``default`` (if it is a code). A shared symbol: the
    ``country``'s currency if one of its own, else ``default`` if one of its own, else its
    primary currency. Unknown symbols and 3-letter words that are not codes: None.
    """
    key = normalise(written or "")
    if not key:
        return _code(default)
    if len(key) == 3 and key.isascii() and key.isalpha() and key.upper() in _codes():
        return key.upper()
    symbol = symbols().get(key)
    if symbol is None:
        return None
    if len(symbol.candidates) == 1:
        return symbol.candidates[0]
    for code in country_currencies(country):
        if code in symbol.candidates:
            return code
    fallback = _code(default)
    return fallback if fallback in symbol.candidates else symbol.primary


def candidates(written: str | None) -> tuple[str, ...]:
    """Every currency written so: one for a code or an unshared symbol, several for "$"."""
    key = normalise(written or "")
    if len(key) == 3 and key.isascii() and key.isalpha() and key.upper() in _codes():
        return (key.upper(),)
    symbol = symbols().get(key)
    return symbol.candidates if symbol else ()


def amount_factor(written: str | None) -> int:
    """Units of the ISO currency in one written unit: 10 for the Iranian toman, else 1."""
    return _FACTORS.get(normalise(written or ""), 1)


def country_of_url(url: str | None) -> str | None:
    """ISO 3166 alpha-2 country of a shop's country-code domain (".de", ".com.br", ".co.uk")."""
    text = (url or "").strip()
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    except ValueError:  # "http://[bad"
        return None
    labels = host.rstrip(".").split(".")
    if len(labels) < 2:
        return None
    tld = labels[-1]
    if tld in _VANITY_TLDS and labels[-2] not in _SECOND_LEVEL:
        return None
    country = _TLD_COUNTRY.get(tld, tld.upper())
    return country if len(country) == 2 and country_currencies(country) else None


def _locale_names(lang: str | None, country: str | None) -> list[str]:
    """Locales to ask, most specific first: the page language in the shop's country, the
    language, or the country's main official language."""
    names = []
    tag = (lang or "").strip().replace("-", "_")
    region = (country or "").upper()
    if tag:
        if region and "_" not in tag:
            names.append(f"{tag}_{region}")
        names += [tag, tag.split("_")[0]]
    elif region:
        spoken = get_global("territory_languages").get(region, {})
        official = [name for name, info in spoken.items()
                    if str(info.get("official_status")).endswith("official")]
        ranked = sorted(official or spoken, key=lambda name: -spoken[name]["population_percent"])
        names += [f"{name}_{region}" for name in ranked[:1]]
    return names


@lru_cache(maxsize=1024)
def decimal_separator(lang: str | None, country: str | None) -> str | None:
    """',' or '.' as the page's language (``lang`` attribute) in the shop's country writes
    decimals, per CLDR; None where neither is known (let the text decide)."""
    for name in _locale_names(lang, country):
        try:
            locale = Locale.parse(name)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        try:
            symbol = get_decimal_symbol(locale)
        except UnsupportedNumberingSystemError:
            symbol = get_decimal_symbol(locale, numbering_system="default")
        symbol = {"٫": "."}.get(symbol, symbol)  # Arabic decimal mark: Latin digits use "."
        return symbol if symbol in (",", ".") else None
    return None


# Where a text writes a currency: runs of letters, symbols and punctuation between digits and
# spaces ("US", "$", "元/台", "б.р.", "ر.س").
_WORD = re.compile(r"[^\s\d()\[\]{}:;,!?+=~|*<>«»（）：，、。！？]+")


# Words of the pages' languages that CLDR also gives as a symbol ("da 7,99 €": Italian, not the
# Algerian dinar; "le", "den", "nu", "um"): in running text only when not all lowercase.
_FUNCTION_WORDS = frozenset({"da", "le", "den", "nu", "um"})


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    written: str  # as in the text: "US $", "Rs.", "元"
    # "sign": has a currency sign or is an ISO code in capitals ("€", "R$", "S/", "EUR");
    # "word": letters only ("Rs.", "zł", "руб.", "元"), a currency only beside the amount;
    # "letter": a single Latin letter ("R 199", "Q 150"), a currency only right before it
    kind: str


def _cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


def _cuts(word: str) -> list[int]:
    """Where a currency may begin or end inside a word: around every sign and every CJK
    character, never inside a run of other letters ("Rs" holds no "R", "Brand" no "Br")."""
    cuts = [0]
    for i in range(1, len(word)):
        left, right = word[i - 1], word[i]
        if not (left.isalpha() and right.isalpha()) or _cjk(left) or _cjk(right):
            cuts.append(i)
    return [*cuts, len(word)]


def _known(written: str) -> bool:
    key = normalise(written)
    if written.isascii() and len(written) == 3 and written.isupper() and key.upper() in _codes():
        return True  # a code, written in capitals ("all", "try" in running text are words)
    return key in symbols() and not (len(key) == 3 and key.upper() in _codes())


def currency_marks(text: str) -> list[Mark]:
    """Every place ``text`` writes a currency: known symbols and codes, the longest form at
    each place ("US $" over "$"), and unknown currency signs (₿), which ``currency_of`` maps
    to None."""
    marks: list[Mark] = []
    words = list(_WORD.finditer(text))
    for n, word in enumerate(words):
        prev = words[n - 1] if n else None
        joined = (prev is not None and prev.group().isalpha() and prev.end() + 1 == word.start()
                  and not word.group()[0].isalpha())  # "US $", "C $"
        if joined and prev is not None and _known(text[prev.start():word.end()]):
            if marks and marks[-1].start == prev.start():
                marks.pop()
            marks.append(Mark(prev.start(), word.end(), text[prev.start():word.end()], "sign"))
            continue
        marks += _marks_in(word.group(), word.start())
    return marks


def _kind(written: str, key: str) -> str:
    if not key.replace(".", "").isalpha() or any(unicodedata.category(ch) == "Sc"
                                                  for ch in written):
        return "sign"
    if len(written) == 3 and written.isascii() and written.isupper() and key.upper() in _codes():
        return "sign"
    return "letter" if len(key) == 1 and key.isascii() else "word"


def _marks_in(word: str, offset: int) -> list[Mark]:
    cuts = _cuts(word)
    found: list[Mark] = []
    i = 0
    while i < len(cuts) - 1:
        for j in range(len(cuts) - 1, i, -1):  # longest first
            part = word[cuts[i]:cuts[j]]
            key = normalise(part)
            kind = _kind(part, key)
            if kind == "letter" and normalise(word) != key:
                continue  # a lone letter is a word of its own: no "s" in "Children's"
            if part.islower() and key in _FUNCTION_WORDS:
                continue
            unknown_sign = len(part) == 1 and unicodedata.category(part) == "Sc"
            if _known(part) or unknown_sign:
                found.append(Mark(offset + cuts[i], offset + cuts[j], part, kind))
                i = j - 1
                break
        i += 1
    return found


if __name__ == "__main__":  # rewrite the extracted CLDR data (after a Babel upgrade)
    CLDR_DATA.write_text(json.dumps(cldr_extract(), ensure_ascii=False, indent=0) + "\n",
                         "utf-8")
    print(f"wrote {CLDR_DATA}")
