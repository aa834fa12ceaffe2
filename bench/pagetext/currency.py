"""Price and currency figures for crawlers.pagetext.price / .currency against the old code.

    python bench/pagetext/currency.py [--show-errors]

The rows are the tables of tests/test_pagetext_price.py: PAGES, price strings as saved real
pages show them (../shared/realpages), and FORMS, the formats issue 15 names and more. Each
row gives what a parser knows of the shop (country, site default, the page's decimal
separator) and the expected amount, range end and ISO currency. A row's currency is right
when it is the expected code (None where the text names none and the site has no default, or
the currency is unknown); its amount is right when the amount and the range end both are.

The new module was written against these very strings (they are its tests): its figures here
say the tests pass, not how it generalises; the project's kept-back strings measure that.

The old code gets the same knowledge: the site default, else the country's currency from
``crawlers.extract.locale.TLD_CURRENCY`` (the shared-symbol default its callers passed), and
the hint where it takes one (``parse_amount``; ``crawlers.prices.parse_price`` takes none);
both modules are read from git at commit OLD, as they were before they were removed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import types
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.pagetext.price import parse_price  # noqa: E402
from tests.test_pagetext_price import FORMS, PAGES, Row  # noqa: E402

Result = tuple[Decimal | None, Decimal | None, str | None]  # amount, high, currency
# the last commit with crawlers/prices.py and crawlers/extract/locale.py
OLD = "f399c2a0b9daa23d9754c95444a69188af5cbf98"


@cache
def _old_module(path: str) -> types.ModuleType:
    """A module as it was at commit OLD (the old code is gone from the tree; needs git)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD}:{path}"], check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(path.replace("/", ".").removesuffix(".py"))
    exec(compile(source, path, "exec"), module.__dict__)
    return module
Parser = Callable[[Row], Result]


def new(row: Row) -> Result:
    text, country, default, hint, *_ = row
    parsed = parse_price(text, country=country, default_currency=default,
                         decimal_separator=hint)
    return (parsed.amount, parsed.high, parsed.currency) if parsed else (None, None, None)


def _old_default(row: Row) -> str | None:
    _text, country, default, *_ = row
    return default or _old_module("crawlers/extract/locale.py").TLD_CURRENCY.get(
        (country or "").lower())


def old_parse_price(row: Row) -> Result:
    money = _old_module("crawlers/prices.py").parse_price(row[0], _old_default(row))
    return (money.amount, None, money.currency) if money else (None, None, None)


def old_parse_amount(row: Row) -> Result:
    amount, written = _old_module("crawlers/extract/locale.py").parse_amount(row[0], row[3])
    return amount, None, _old_module("crawlers/prices.py").to_iso(written or "",
                                                                 _old_default(row))


PARSERS: dict[str, Parser] = {
    "pagetext.price.parse_price (new)": new,
    "prices.parse_price (old)": old_parse_price,
    "locale.parse_amount + prices.to_iso (old)": old_parse_amount,
}


def _expected(row: Row) -> Result:
    *_, amount, high, currency = row
    return (Decimal(amount) if amount else None, Decimal(high) if high else None, currency)


def _score(parser: Parser, rows: list[Row], show_errors: bool, name: str) -> tuple[int, int, int]:
    currency = amount = both = 0
    for row in rows:
        try:
            got = parser(row)
        except Exception as exc:  # a crash is a wrong answer here, and counted as one
            got = (None, None, f"crash: {exc!r}")
        want = _expected(row)
        right_currency = got[2] == want[2]
        right_amount = got[:2] == want[:2]
        currency += right_currency
        amount += right_amount
        both += right_currency and right_amount
        if show_errors and not (right_currency and right_amount):
            print(f"  {name}: {row[0]!r} -> {got} (want {want})")
    return currency, amount, both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    sets = {"real pages": PAGES, "formats (issue 15 and more)": FORMS, "all": PAGES + FORMS}
    shown = [row for row in PAGES + FORMS if row[-1]]
    lines = ["| strings | parser | rows | currency right | amount right | both right |",
             "| --- | --- | --- | --- | --- | --- |"]
    for label, rows in [*sets.items(), ("all, a currency expected", shown)]:
        for name, parse in PARSERS.items():
            currency, amount, both = _score(parse, rows, args.show_errors and label == "all",
                                            name)
            n = len(rows)
            lines.append(f"| {label} | {name} | {n} | {currency / n:.1%} | {amount / n:.1%} "
                         f"| {both / n:.1%} |")
    codes = {row[-1] for row in PAGES + FORMS if row[-1]}
    print(f"{len(PAGES)} real-page strings, {len(FORMS)} format cases, "
          f"{len(codes)} currencies\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
