"""parse_price (crawlers/pagetext/price.py): table tests and properties.

PAGES are price strings as saved real pages show them (../shared/realpages, or
$SHOPWATCH_REALPAGES; the folder above each group, the shop in the comment), with what the
parser would know of the shop: its country (from the domain), the site default and the
decimal separator of the page's language. FORMS are the formats issue 15 names. Both are
literals, so the tests do not need the folder; bench/pagetext/currency.py scores them.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from babel.numbers import list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.pagetext.currency import currency_of
from crawlers.pagetext.price import ParsedPrice, parse_price

# (text, country, default currency, decimal-separator hint, amount, high, currency)
Row = tuple[str, str | None, str | None, str | None, str | None, str | None, str | None]

PAGES: list[Row] = [
    # product_extraction_benchmark_2021
    ("$87.11", None, None, None, "87.11", None, "USD"),  # amazon.com
    ("€ 279,95", "DE", None, ",", "279.95", None, "EUR"),  # otto.de
    ("EUR15.99", "LV", None, ",", "15.99", None, "EUR"),  # elkor.lv
    ("95 ₽", "RU", None, ",", "95", None, "RUB"),  # pokupki.market.yandex.ru
    ("原價 $1,134", "TW", None, ".", "1134", None, "TWD"),  # i3fresh.tw
    ("扣除贈品價值 29元/罐", "TW", None, ".", "29", None, "TWD"),  # i3fresh.tw
    ("$24.990", "CL", None, ",", "24990", None, "CLP"),  # paris.cl
    ("Rs 22,300", "PK", None, ".", "22300", None, "PKR"),  # olx.com.pk
    ("₹5,000 to ₹10,000", None, None, None, "5000", "10000", "INR"),  # smartprix.com
    ("€1.799,00", None, None, None, "1799.00", None, "EUR"),  # strumentimusicali.net
    ("Risparmi € 11,00", None, None, None, "11.00", None, "EUR"),  # strumentimusicali.net
    ("23,49 €", "IT", None, ",", "23.49", None, "EUR"),  # amazon.it
    ("CHF 7.95", "CH", None, ".", "7.95", None, "CHF"),  # jumbo.ch
    ("36.53€", "SI", None, ",", "36.53", None, "EUR"),  # vsezaoci.si
    ("Look completo = 91,96 €", "PT", None, ",", "91.96", None, "EUR"),  # spartoo.pt
    ("£49.00", None, None, None, "49.00", None, "GBP"),  # johnlewis.com
    ("US $2.66", None, None, None, "2.66", None, "USD"),  # ebay.com
    ("Was £39.99", "GB", None, ".", "39.99", None, "GBP"),  # argos.co.uk
    ("1 719,99 €", "FR", None, ",", "1719.99", None, "EUR"),  # 3suisses.fr
    ("dès 59 €", "FR", None, ",", "59", None, "EUR"),  # 3suisses.fr
    ("13,40 €", "SK", None, ",", "13.40", None, "EUR"),  # nay.sk
    ("99 ر.س", None, None, None, "99", None, "SAR"),  # ar-sa.namshi.com
    ("$229.99", "CA", None, ".", "229.99", None, "CAD"),  # bestbuy.ca
    ("+ EUR 7,73 spedizione", "IT", None, ",", "7.73", None, "EUR"),  # ebay.it
    ("(28,92 €/kg)", "FR", None, ",", "28.92", None, "EUR"),  # amazon.fr
    ("117 02 Lei", "RO", None, ",", "117.02", None, "RON"),  # emag.ro: 117<sup>02</sup> Lei
    ("$1,000,000", None, None, None, "1000000", None, "USD"),  # liveauctioneers.com
    ("+ £8.37 P&P", "GB", None, ".", "8.37", None, "GBP"),  # ebay.co.uk
    ("C $19.95", "CA", None, ".", "19.95", None, "CAD"),  # ebay.ca
    ("1.200,00 Kn", "HR", None, ",", "1200.00", None, "HRK"),  # eklinika.hr
    ("$3.340", "CL", None, ",", "3340", None, "CLP"),  # puntoticket.com (Chile)
    ("$420", "TW", None, ".", "420", None, "TWD"),  # pcstore.com.tw
    ("單店購物車滿 490 元(含)以上免運費", "TW", None, ".", "490", None, "TWD"),  # pcstore
    ("4386,00 €", "SK", None, ",", "4386.00", None, "EUR"),  # agem.sk
    ("1,718 ₪", "IL", None, ".", "1718", None, "ILS"),  # getit.co.il
    ("- 99 ₪", "IL", None, ".", None, None, "ILS"),  # getit.co.il: a discount, not a price
    ("taniej o 151 zł", "PL", None, ",", "151", None, "PLN"),  # leroymerlin.pl
    ("32 zł/szt.", "PL", None, ",", "32", None, "PLN"),  # leroymerlin.pl
    ("+20.00€", "PT", None, ",", "20.00", None, "EUR"),  # mediamarkt.pt
    ("€344.00", "IE", None, ".", "344.00", None, "EUR"),  # zalando.ie
    ("69.95 EUR", None, None, None, "69.95", None, "EUR"),  # zara.com/be
    ("99.00 NZD", None, None, None, "99.00", None, "NZD"),  # zara.com/nz
    ("7,95 EUR", None, None, None, "7.95", None, "EUR"),  # zara.com/fr
    ("502,20 – 558,00 б.р.", "BY", None, ",", "502.20", "558.00", "BYN"),  # kids.1k.by
    ("от 502,20 б.р.", "BY", None, ",", "502.20", None, "BYN"),  # kids.1k.by
    ("EUR 5,663.94", "IE", None, ".", "5663.94", None, "EUR"),  # ebay.ie
    ("£5,100.00", "IE", None, ".", "5100.00", None, "GBP"),  # ebay.ie
    ("44 890 тг.", "KZ", None, ",", "44890", None, "KZT"),  # mechta.kz
    ("alkaen 74,95 €", "FI", None, ",", "74.95", None, "EUR"),  # zalando.fi
    ("€ 20,-", "AT", None, ",", "20", None, "EUR"),  # laendleanzeiger.at
    ("R$600", "BR", None, ",", "600", None, "BRL"),  # mobly.com.br
    # ecommerce_homepages_2017
    ("899,99 zł", "PL", None, ",", "899.99", None, "PLN"),  # allegro.pl
    ("US $145.99", None, None, None, "145.99", None, "USD"),  # aliexpress.com
    ("₹499-₹549", None, None, None, "499", "549", "INR"),  # flipkart.com
    ("Rp.30.000", "ID", None, ",", "30000", None, "IDR"),  # bukalapak.com
    ("Power Deals @ $109.99", None, None, None, "109.99", None, "USD"),  # gearbest.com
    # amazon_search_wayback
    ("16,00 €", "ES", "EUR", ",", "16.00", None, "EUR"),  # amazon.es
    ("R$4.239,00", "BR", "BRL", ",", "4239.00", None, "BRL"),  # amazon.com.br
    ("134,75 €", "DE", "EUR", ",", "134.75", None, "EUR"),  # amazon.de
    ("￥693", "JP", "JPY", ".", "693", None, "JPY"),  # amazon.co.jp
    ("¥7,599", "JP", "JPY", ".", "7599", None, "JPY"),  # amazon.co.jp
    ("Or ¥150 to buy MP3", "JP", "JPY", ".", "150", None, "JPY"),  # amazon.co.jp
    ("$420.73", "CA", "CAD", ".", "420.73", None, "CAD"),  # amazon.ca
    ("$25 to $50", None, "USD", ".", "25", "50", "USD"),  # amazon.com
    # aliexpress_search_wayback
    ("US $145.58 - 149.49 /", None, None, None, "145.58", "149.49", "USD"),
    ("$11.94 - 17.87", None, None, None, "11.94", "17.87", "USD"),
    ("APP Only:US $0.58", None, None, None, "0.58", None, "USD"),
    # amazon_in_search_2025, flipkart_search_2025
    ("M.R.P: ₹2,499", "IN", "INR", ".", "2499", None, "INR"),
    ("₹2,29,900", "IN", "INR", ".", "229900", None, "INR"),
    ("₹1,400 - ₹2,300", "IN", "INR", ".", "1400", "2300", "INR"),
    ("₹2,600+", "IN", "INR", ".", "2600", None, "INR"),
    ("₹1,899", None, None, None, "1899", None, "INR"),
    # ebay_search_wayback
    ("EUR 1,00", "DE", None, ",", "1.00", None, "EUR"),  # ebay.de
    ("+$5.99 shipping", None, None, None, "5.99", None, "USD"),  # ebay.com
    # jd_search_wayback
    ("￥35.00", None, "CNY", ".", "35.00", None, "CNY"),
    ("¥15.10", None, "CNY", ".", "15.10", None, "CNY"),
    ("￥0.00", None, "CNY", ".", "0.00", None, "CNY"),
    # taobao_search_rendered_2018 (view_price)
    ("2288.00", None, "CNY", None, "2288.00", None, "CNY"),
    # taiwan_shopping_search_2026
    ("$21,900", "TW", None, ".", "21900", None, "TWD"),  # momo
    ("原組合價$53079，現省2,279", "TW", None, ".", "53079", None, "TWD"),  # yahoo
    # product_pages_opengraph
    ("€ 97,39 - 128,72", None, None, None, "97.39", "128.72", "EUR"),  # he.aliexpress.com
    ("הנחה של € 0,91 על € 136,22", None, None, None, "0.91", None, "EUR"),  # he.aliexpress
    ("$24.96/mo.", None, None, None, "24.96", None, "USD"),  # bestbuy.com
    ("$550.00 (61% off)", None, None, None, "550.00", None, "USD"),  # newegg.com
    ("Save: $1.02 (6%)", None, None, None, "1.02", None, "USD"),  # amazon.com
    ("格安スマホ！月額1,250円～", "JP", None, ".", "1250", None, "JPY"),  # rakuten.co.jp
    ("月々170円～", "JP", None, ".", "170", None, "JPY"),  # rakuten.co.jp
]

FORMS: list[Row] = [
    # issue 15's examples
    ("22000.00元/台", None, None, None, "22000.00", None, "CNY"),
    ("22000.00元/台", None, "CNY", None, "22000.00", None, "CNY"),
    ("¥39.9/件", None, "CNY", None, "39.9", None, "CNY"),
    ("123,456.789 OMR", None, None, ".", "123456.789", None, "OMR"),
    ("123,456.789 OMR", None, None, None, "123456.789", None, "OMR"),
    ("1.299,00 €", None, None, ",", "1299.00", None, "EUR"),
    ("1.299,00 €", None, None, None, "1299.00", None, "EUR"),
    ("34.000 €", None, None, ",", "34000", None, "EUR"),
    ("$229 99", None, None, ".", "229.99", None, "USD"),
    ("$1,299 99", None, None, None, "1299.99", None, "USD"),
    ("1.2万", None, "CNY", None, "12000", None, "CNY"),
    ("¥3.5万", None, None, None, "35000", None, "CNY"),
    ("3万円", None, None, None, "30000", None, "JPY"),
    ("¥99-199", None, "CNY", None, "99", "199", "CNY"),
    ("$10 - $20", None, None, None, "10", "20", "USD"),
    ("1399-1699", None, "CNY", None, "1399", "1699", "CNY"),
    ("199 - 199", None, "CNY", None, "199", None, "CNY"),
    ("₽249", None, "CNY", None, "249", None, "RUB"),  # a rouble on a JD page
    ("1 299 руб.", None, "CNY", ",", "1299", None, "RUB"),
    ("12 990 Р", None, None, ",", "12990", None, "RUB"),
    ("3,980円", None, "CNY", None, "3980", None, "JPY"),
    ("29,900원", None, None, None, "29900", None, "KRW"),
    ("1 299 грн.", None, None, ",", "1299", None, "UAH"),
    ("1.299,00 TL", None, None, ",", "1299.00", None, "TRY"),
    ("49,99 zł", None, None, ",", "49.99", None, "PLN"),
    ("25,00 Br", "BY", None, ",", "25.00", None, "BYN"),
    ("۱۲۳٬۰۰۰ تومان", None, None, None, "1230000", None, "IRR"),  # toman = 10 rials
    ("$U 1.290", "UY", None, ",", "1290", None, "UYU"),
    ("1.200 LEI", None, None, ",", "1200", None, "RON"),
    ("1 000 LEK", None, None, None, "1000", None, "ALL"),
    ("5 000 CFA", None, None, None, "5000", None, None),
    ("5 000 CFA", "SN", None, None, "5000", None, "XOF"),
    ("₿0.5", None, "CNY", None, "0.5", None, None),  # unknown sign: not the site default
    ("US$2.99", None, "CNY", None, "2.99", None, "USD"),
    ("HK$1,280", None, "CNY", None, "1280", None, "HKD"),
    ("S/ 25.90", None, None, None, "25.90", None, "PEN"),
    ("1 299 kr", "SE", None, ",", "1299", None, "SEK"),
    ("kr 1 299", None, None, None, "1299", None, None),
    ("R 199", None, None, None, "199", None, "ZAR"),
    ("Size M 12,99 €", None, None, None, "12.99", None, "EUR"),
    ("1.290.000đ", None, None, None, "1290000", None, "VND"),
    ("MXN $1,299.00", None, None, None, "1299.00", None, "MXN"),  # a code beside a shared "$"
    ("$12.99 CAD", None, "USD", None, "12.99", None, "CAD"),
    ("RMB¥1,299", None, None, None, "1299", None, "CNY"),
    ("¥1,299 ポイント2倍", None, None, None, "1299", None, "JPY"),  # kana: a Japanese page
    ("Rs. 1,299", None, None, None, "1299", None, "INR"),
    ("KD 12.500", None, None, None, "12.500", None, "KWD"),
    ("1 299 рублей", None, "CNY", ",", "1299", None, "RUB"),
    ("500g", None, "CNY", None, "500", None, "CNY"),  # a unit after the amount is no currency
    ("Children's 12.99", None, "USD", None, "12.99", None, "USD"),  # no "s" (SOS) in a word
    ("R. 199", None, None, None, "199", None, "ZAR"),
    ("dès le 12,99 €", "FR", None, ",", "12.99", None, "EUR"),  # "le" is also a currency
    ("für den 12,99 €", "DE", None, ",", "12.99", None, "EUR"),
    ("da 7.99", "IT", "EUR", ",", "7.99", None, "EUR"),  # Italian "from", not DA (DZD)
    ("1.299 DA", None, None, ",", "1299", None, "DZD"),
    ("Save up to 12", None, "CNY", None, "12", None, "CNY"),  # "up" is a CLDR symbol (UYW)
    ("RMB: 1,299", None, None, None, "1299", None, "CNY"),
    ('1,299 ש"ח', None, None, None, "1299", None, "ILS"),
    ("P1,299.00", "PH", None, ".", "1299.00", None, "PHP"),
    ("12,99 руб.", "BY", None, ",", "12.99", None, "BYN"),  # onliner.by style
    ("1 299 جنيه", None, None, None, "1299", None, "EGP"),
    # separators: the text decides what it shows, the hint only "1,299" and "34.000"
    ("1,299", None, None, ",", "1.299", None, None),
    ("1,299", None, None, ".", "1299", None, None),
    ("1,299", None, None, None, "1299", None, None),
    ("1.299", None, None, ".", "1.299", None, None),
    ("1,299.00", None, None, ",", "1299.00", None, None),
    ("1.299,00", None, None, ".", "1299.00", None, None),
    ("1.234.567", None, None, ".", "1234567", None, None),
    ("36.53", None, None, ",", "36.53", None, None),
    ("12,5", None, None, ".", "12.5", None, None),
    ("0.500 KWD", None, None, None, "0.500", None, "KWD"),
    ("12.500 KWD", None, None, None, "12.500", None, "KWD"),
    ("12.500 KWD", None, None, ",", "12500", None, "KWD"),
    ("1'299.00 CHF", None, None, None, "1299.00", None, "CHF"),
    ("CHF 19.-", None, None, None, "19", None, "CHF"),
    ("35€99", None, None, None, "35.99", None, "EUR"),
    ("99 € 79 €", None, None, None, "99", None, "EUR"),
    ("$.75", None, None, None, "0.75", None, "USD"),
    ("１２３円", None, None, None, "123", None, "JPY"),
    # garbage: no price, never 0
    ("Call for price", None, "USD", None, None, None, "USD"),
    ("Free", None, None, None, None, None, None),
    ("免费", None, "CNY", None, None, None, "CNY"),
    ("--", None, None, None, None, None, None),
    ("N/A", None, None, None, None, None, None),
    # digits of a word are no amount: a template placeholder (rakuten.html), a model number
    ("#ITEMPRICE1#円", "JP", None, None, None, None, "JPY"),
    ("T5 Plus", None, "CNY", None, None, None, "CNY"),
    ("RM12.90", "MY", None, None, "12.90", None, "MYR"),
    ("¥-", None, "CNY", None, None, None, "CNY"),
    ("-1.00", None, "CNY", None, None, None, "CNY"),  # JD's price service: off sale
    ("50% OFF", None, None, None, None, None, None),
]


def _check(row: Row) -> None:
    text, country, default, hint, amount, high, iso = row
    parsed = parse_price(text, country=country, default_currency=default,
                         decimal_separator=hint)
    assert parsed is not None
    assert (parsed.amount, parsed.high, parsed.currency) == (
        Decimal(amount) if amount else None, Decimal(high) if high else None, iso)
    assert parsed.raw == text.strip()


@pytest.mark.parametrize("row", PAGES, ids=[row[0] for row in PAGES])
def test_prices_from_real_pages(row: Row) -> None:
    _check(row)


@pytest.mark.parametrize("row", FORMS, ids=[row[0] for row in FORMS])
def test_price_formats(row: Row) -> None:
    _check(row)


def test_tables_are_large_enough() -> None:
    assert len(PAGES) + len(FORMS) >= 80
    assert len({row[-1] for row in PAGES + FORMS if row[-1]}) >= 30


@pytest.mark.parametrize(
    ("value", "hint", "amount"),
    [
        ("1299.00", ",", "1299.00"),
        ("34.000", ",", "34.000"),  # machine format: the dot is the decimal point
        ("1299", None, "1299"),
        (1299, None, "1299"),
        (12.5, None, "12.5"),
        (Decimal("5499.00"), None, "5499.00"),
        ("1,299.00", None, "1299.00"),
        ("-1", None, None),
    ],
)
def test_structured_values_read_as_written(value: str | int | float | Decimal, hint: str | None,
                                           amount: str | None) -> None:
    parsed = parse_price(value, structured=True, decimal_separator=hint, default_currency="EUR")
    assert parsed == ParsedPrice(Decimal(amount) if amount else None, None, "EUR",
                                 str(value).strip())


def test_cents_apart_only_outside_structured_data() -> None:
    assert parse_price("229 99", structured=True) == ParsedPrice(Decimal("22999"), None, None,
                                                                 "229 99")


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_text_is_no_price(text: str | None) -> None:
    assert parse_price(text, default_currency="CNY") is None


# Properties -------------------------------------------------------------------------------

CODES = frozenset(list_currencies())
HINTS = st.sampled_from([None, ".", ","])
COUNTRIES = st.sampled_from([None, "CN", "JP", "US", "DE", "CL", "TW", "SE", "IN", "ZZ", "x"])
DEFAULTS = st.sampled_from([None, "CNY", "USD", "EUR", "JPY", "xyz", ""])
PRICE_ALPHABET = st.sampled_from([*"0123456789.,  -~/$€¥￥£₹₽元円万kr RsUS$ЕURlei%", "руб.", "Br",
                                  "CFA", "$U", "to", "٫", "۱", "٠", "₿"])
TEXTS = st.one_of(st.text(max_size=40), st.lists(PRICE_ALPHABET, max_size=12).map("".join))


def _has_zero(text: str) -> bool:
    return any(unicodedata.decimal(ch, None) == 0
               for ch in unicodedata.normalize("NFKC", text))


@settings(max_examples=300, deadline=None)
@given(TEXTS, COUNTRIES, DEFAULTS, HINTS, st.booleans())
def test_parse_price_properties(text: str, country: str | None, default: str | None,
                                hint: str | None, structured: bool) -> None:
    parsed = parse_price(text, country=country, default_currency=default,
                         decimal_separator=hint, structured=structured)
    if not text.strip():
        assert parsed is None
        return
    assert parsed is not None
    assert parsed.currency is None or parsed.currency in CODES
    for value in (parsed.amount, parsed.high):
        assert value is None or (value.is_finite() and value >= 0)
        assert value != 0 or _has_zero(text)  # never 0 from a text without a zero
    if parsed.high is not None:
        assert parsed.amount is not None and parsed.high > parsed.amount


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1000, max_value=10**9), st.integers(min_value=0, max_value=99),
       HINTS)
def test_both_separators_read_the_same_under_any_hint(units: int, cents: int,
                                                      hint: str | None) -> None:
    english = f"{units:,}.{cents:02d}"
    german = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    exact = Decimal(units) + Decimal(cents) / 100
    for text in (english, german, f"€ {german}", f"${english}"):
        parsed = parse_price(text, decimal_separator=hint)
        assert parsed is not None and parsed.amount == exact, text


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**7, places=2), st.sampled_from([".", ","]))
def test_the_hint_reads_its_own_format_exactly(value: Decimal, hint: str) -> None:
    english = f"{value:,.2f}"
    text = english if hint == "." else (
        english.replace(",", " ").replace(".", ",").replace(" ", "."))
    parsed = parse_price(text, decimal_separator=hint)
    assert parsed is not None and parsed.amount == value
    assert parse_price(str(value), structured=True, decimal_separator=hint) == ParsedPrice(
        value, None, None, str(value))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=12)), COUNTRIES, DEFAULTS)
def test_currency_of_properties(written: str | None, country: str | None,
                                default: str | None) -> None:
    iso = currency_of(written, country, default)
    assert iso is None or iso in CODES
    if (written or "").strip():
        # the site default can change what a written currency means only to itself
        assert iso in (currency_of(written, country), (default or "").upper())
