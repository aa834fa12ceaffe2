"""Operator-facing text in Simplified Chinese or English (``language`` in the config).

Messages are gettext catalogs handled with Babel: ``config/locale/<lang>/LC_MESSAGES/
shopwatch.po`` (``zh_CN`` and ``en``), compiled to ``.mo`` files that ship in the package.
Dates, numbers, currencies and percentages are formatted by Babel for the language's locale
(CLDR), never by hand. Codes (alert kinds, severities as data) and JSON field names are not
translated: scripts read them.

How code asks for text::

    from config import i18n
    _ = i18n.translations(config.language).gettext     # literals: _("Rank drops")
    i18n.translations(lang).ngettext("%(n)d alert", "%(n)d alerts", n) % {"n": n}
    i18n.gettext(lang, msgid)      # a msgid held in a variable (e.g. a table of N_() marks)
    N_("Price moves")              # marks a literal in a table for extraction, unchanged
    N_plural("%(n)d rank drop", "%(n)d rank drops")  # ... a plural pair, for ngettext()
    i18n.format_currency(lang, Decimal("1299"), "CNY")  # ¥1,299.00 / US$… per locale
    i18n.install(env, lang)        # a Jinja2 environment: {{ _("…") }}, {% trans %}, filters

Adding or changing a message:

1. write it in English in the code (``_("…")``, ``N_("…")``) or a template (``{{ _("…") }}``,
   ``{% trans %}…{% endtrans %}``); placeholders as ``%(name)s``;
2. ``make messages``: ``pybabel extract -F babel.cfg -k N_ -k N_plural:1,2
   -o config/locale/shopwatch.pot .`` then ``pybabel update -i config/locale/shopwatch.pot
   -d config/locale -D shopwatch``;
3. fill its ``msgstr`` in ``zh_CN/LC_MESSAGES/shopwatch.po`` (Chinese); ``make messages``
   fills the English catalog itself (``python -m config.i18n``: a new msgid's English text
   is its msgstr) and lists the messages that still lack a Chinese translation;
4. ``make messages`` again compiles them (``pybabel compile -d config/locale -D shopwatch``),
   and commit the ``.po`` and ``.mo`` files. ``tests/test_i18n.py`` fails while a message in
   the code has no translation or a ``.mo`` differs from its ``.po``.

One Jinja2 environment per language: ``install`` puts that language's ``gettext`` into the
environment's globals (the board and the digest keep one cached environment per language).
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from babel import Locale, dates, numbers
from babel.support import Translations

if TYPE_CHECKING:
    from jinja2 import Environment

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE: Language = "en"
DOMAIN = "shopwatch"
LOCALE_DIR = Path(__file__).with_name("locale")
Number = int | float | Decimal


def N_(message: str) -> str:
    """Mark a literal for extraction without translating it (tables built at import time;
    translate with ``gettext(language, value)`` where it is shown)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for extraction (``ngettext(language, *pair, n)``)."""
    return singular, plural


def locale_dir_name(language: str) -> str:
    """``zh-CN`` -> ``zh_CN``: the catalog's directory (gettext's locale names)."""
    return language.replace("-", "_")


def _checked(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: one of {', '.join(LANGUAGES)}")
    return language


@cache
def locale(language: str) -> Locale:
    """The Babel locale of a language (``zh-CN``: zh_Hans_CN)."""
    return Locale.parse(locale_dir_name(_checked(language)))


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (``.gettext``, ``.ngettext``, ``.pgettext``).
    A missing ``.mo`` file is an error: the package ships both."""
    found = Translations.load(str(LOCALE_DIR), [locale_dir_name(_checked(language))], DOMAIN)
    if not isinstance(found, Translations):  # Babel returns NullTranslations when not found
        raise FileNotFoundError(f"no compiled catalog for {language} under {LOCALE_DIR} "
                                "(run `make messages`)")
    return found


def gettext(language: str, message: str) -> str:
    """``message`` (an English msgid) in ``language``."""
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in ``language`` (Chinese has one form)."""
    return translations(language).ngettext(singular, plural, n)


def format_date(language: str, value: dt.date, format: str = "medium") -> str:
    """2026年12月2日 / Dec 2, 2026 (``format``: short, medium, long, full or a CLDR pattern)."""
    return dates.format_date(value, format=format, locale=locale(language))


def format_datetime(language: str, value: dt.datetime, format: str = "medium",
                    tzinfo: dt.tzinfo | None = None) -> str:
    return dates.format_datetime(value, format=format, tzinfo=tzinfo, locale=locale(language))


def format_number(language: str, value: Number, digits: int | None = None) -> str:
    """1,234.5 with the locale's separators; ``digits``: exactly this many decimals."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return numbers.format_decimal(value, format=pattern, locale=locale(language),
                                  decimal_quantization=digits is not None)


def format_currency(language: str, amount: Number, currency: str) -> str:
    """¥1,299.00 (zh-CN) / CN¥1,299.00 (en) for an ISO 4217 code."""
    return numbers.format_currency(amount, currency, locale=locale(language))


def format_percent(language: str, value: Number, digits: int = 0) -> str:
    """``value`` is a fraction: 0.253 -> 25% (``digits`` decimals)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return numbers.format_percent(value, format=pattern, locale=locale(language),
                                  decimal_quantization=True)


def install(env: Environment, language: str) -> Environment:
    """Give a Jinja2 environment ``language``: the i18n extension with this catalog
    (``{{ _("…") }}``, ``{{ ngettext(…) }}``, ``{% trans %}``; new-style, so placeholders are
    escaped in HTML), ``language`` as a global, and the filters ``date``, ``number``,
    ``currency(code)``, ``percent``."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = language
    env.filters["date"] = lambda value, format="medium": format_date(language, value, format)
    env.filters["number"] = lambda value, digits=None: format_number(language, value, digits)
    env.filters["currency"] = lambda value, code: format_currency(language, value, code)
    env.filters["percent"] = lambda value, digits=0: format_percent(language, value, digits)
    return env


def fill_english(locale_dir: Path = LOCALE_DIR) -> int:
    """Give every untranslated message of the English catalog its msgid (the msgids are the
    English text); how many were filled. The catalog is written as ``pybabel update`` does."""
    from babel.messages.pofile import read_po, write_po

    path = locale_dir / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if message.id and not _translated(message):
            message.flags.discard("fuzzy")
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
            filled += 1
    if filled:
        with path.open("wb") as handle:
            write_po(handle, catalog, ignore_obsolete=True)
    return filled


def untranslated(language: str, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """The msgids of ``language``'s catalog with no (or a fuzzy) translation."""
    from babel.messages.pofile import read_po

    name = locale_dir_name(_checked(language))
    with (locale_dir / name / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle, locale=name)
    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog
            if m.id and not _translated(m)]


def _translated(message: Any) -> bool:
    """A catalog entry with every form translated, not fuzzy."""
    forms = (message.string,) if isinstance(message.id, str) else tuple(message.string or ())
    return bool(forms) and all(forms) and not message.fuzzy


def main() -> int:
    """``make messages`` step: fill the English catalog, list what Chinese still lacks."""
    print(f"en: {fill_english()} message(s) given their English text")
    for language in LANGUAGES:
        missing = untranslated(language)
        for msgid in missing:
            print(f"{language}: no translation yet: {msgid!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
