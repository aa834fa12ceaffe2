"""currency_of, country_of_url, decimal_separator (crawlers/pagetext/currency.py).

The written forms come from saved real pages (../shared/realpages, or $SHOPWATCH_REALPAGES; the
folder is named above each group, the shop in the comment) and from issue 15's examples; they
are written here as literals so the tests do not need the folder.
"""

from __future__ import annotations

import pytest
from babel.numbers import list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.pagetext import currency
from crawlers.pagetext.currency import country_of_url, currency_of, decimal_separator

# (written as on the page, shop country, site default, ISO 4217 or None)
WRITTEN: list[tuple[str | None, str | None, str | None, str | None]] = [
    # product_extraction_benchmark_2021
    ("$", None, None, "USD"),  # amazon.com
    ("$", "CA", None, "CAD"),  # bestbuy.ca
    ("$", "TW", None, "TWD"),  # i3fresh.tw
    ("$", "CL", None, "CLP"),  # paris.cl, puntoticket.com
    ("€", "DE", None, "EUR"),  # otto.de
    ("€", "SI", None, "EUR"),  # vsezaoci.si
    ("EUR", "LV", None, "EUR"),  # elkor.lv "EUR15.99"
    ("EUR", "IT", None, "EUR"),  # ebay.it
    ("₽", "RU", None, "RUB"),  # pokupki.market.yandex.ru
    ("Rs", "PK", None, "PKR"),  # olx.com.pk
    ("₹", None, None, "INR"),  # smartprix.com
    ("CHF", "CH", None, "CHF"),  # jumbo.ch
    ("£", "GB", None, "GBP"),  # argos.co.uk, johnlewis.com
    ("£", "IE", None, "GBP"),  # ebay.ie: a pound on a euro site is still a pound
    ("US $", None, None, "USD"),  # ebay.com
    ("ر.س", None, None, "SAR"),  # ar-sa.namshi.com
    ("د.إ", None, None, "AED"),  # ar-sa.namshi.com price filter
    ("Lei", "RO", None, "RON"),  # emag.ro
    ("RON", "RO", None, "RON"),  # emag.ro embedded JSON
    ("C $", "CA", None, "CAD"),  # ebay.ca
    ("Kn", "HR", None, "HRK"),  # eklinika.hr (2020, before the euro)
    ("₪", "IL", None, "ILS"),  # getit.co.il
    ("zł", "PL", None, "PLN"),  # leroymerlin.pl
    ("pln", "PL", None, "PLN"),  # leroymerlin.pl itemprop=priceCurrency content="pln"
    ("NZD", None, None, "NZD"),  # zara.com/nz
    ("б.р.", "BY", None, "BYN"),  # kids.1k.by
    ("тг.", "KZ", None, "KZT"),  # mechta.kz
    ("тг", "KZ", None, "KZT"),  # mechta.kz "0 тг"
    ("BRL", "BR", None, "BRL"),  # mobly.com.br JSON-LD
    ("R$", "BR", None, "BRL"),  # mobly.com.br
    ("元", "TW", None, "TWD"),  # i3fresh.tw "29元/罐", pcstore.com.tw
    # ecommerce_homepages_2017
    ("Rp", "ID", None, "IDR"),  # bukalapak.com
    ("Rp.", None, None, "IDR"),  # bukalapak.com "Rp.30.000"
    ("تومان", None, None, "IRR"),  # digikala.com
    ("zł", None, None, "PLN"),  # allegro.pl
    ("US $", None, "USD", "USD"),  # aliexpress.com
    # amazon_search_wayback, amazon_in_search_2025, flipkart_search_2025
    ("￥", "JP", None, "JPY"),  # amazon.co.jp
    ("¥", "JP", None, "JPY"),  # amazon.co.jp
    ("€", "ES", None, "EUR"),  # amazon.es
    ("$", "CA", "CAD", "CAD"),  # amazon.ca
    ("₹", "IN", None, "INR"),  # amazon.in, flipkart.com
    # jd_search_wayback, taobao_search_rendered_2018, tmall_h5_detail_json_2019
    ("￥", None, "CNY", "CNY"),
    ("¥", None, "CNY", "CNY"),
    # taiwan_shopping_search_2026
    ("$", "TW", "TWD", "TWD"),  # momo, yahoo
    # product_pages_opengraph
    ("円", "JP", None, "JPY"),  # rakuten.co.jp
    ("US$", None, None, "USD"),  # etsy.com "[US$2.99]"
    ("€", None, None, "EUR"),  # he.aliexpress.com
    # issue 15: symbols that mapped to nothing, or to the site default
    ("руб.", None, "CNY", "RUB"),
    ("Р", None, None, "RUB"),
    ("р.", None, None, "RUB"),
    ("р.", "BY", None, "BYN"),
    ("円", None, "CNY", "JPY"),
    ("원", None, None, "KRW"),
    ("грн.", None, None, "UAH"),
    ("TL", None, None, "TRY"),
    ("zł.", None, None, "PLN"),
    ("Br", "BY", None, "BYN"),
    ("Br", "ET", None, "ETB"),
    ("Br", None, "BYN", "BYN"),
    ("Br", None, None, None),  # Belarus or Ethiopia: only the country tells
    ("ریال", None, None, "IRR"),
    ("ريال", "SA", None, "SAR"),
    ("ريال", None, None, None),
    ("₽", None, "CNY", "RUB"),  # a rouble on a CNY site is a rouble
    ("¥", None, "JPY", "JPY"),
    ("¥", "JP", "CNY", "JPY"),  # the country before the default
    ("¥", None, None, "CNY"),  # ShopWatch's decision (see currency.PRIMARY)
    ("$", None, "CNY", "USD"),  # CNY is not a dollar: "$" keeps its primary
    ("$", "DE", None, "USD"),
    # issue 15: any 3-letter word became a fake code
    ("LEI", None, None, "RON"),
    ("lei", "MD", None, "MDL"),
    ("LEK", None, None, "ALL"),
    ("CFA", None, None, None),
    ("CFA", "SN", None, "XOF"),
    ("CFA", "CM", None, "XAF"),
    ("F CFA", "CI", None, "XOF"),
    ("ABC", None, "CNY", None),
    ("XYZ", None, None, None),
    ("PCS", None, "CNY", None),
    # issue 15: "$U" became USD; "Rs"/"kr" sat in two tables
    ("$U", None, None, "UYU"),
    ("$U", None, "USD", "UYU"),
    ("U$S", None, None, "USD"),
    ("$", "UY", None, "UYU"),
    ("Rs", None, None, "INR"),  # ShopWatch's decision (see currency.PRIMARY)
    ("Rs", "IN", None, "INR"),
    ("Rs.", "LK", None, "LKR"),
    ("Rs", "NP", None, "NPR"),
    ("₨", "PK", None, "PKR"),
    ("Rs", None, "INR", "INR"),
    ("kr", None, None, None),
    ("kr", "SE", None, "SEK"),
    ("kr.", "DK", None, "DKK"),
    ("kr", "NO", None, "NOK"),
    ("kr", "IS", None, "ISK"),
    ("kr", None, "NOK", "NOK"),
    # dollars and pesos by country; prefixed dollars by themselves
    ("$", "MX", None, "MXN"),
    ("$", "AR", None, "ARS"),
    ("$", "CO", None, "COP"),
    ("$", "AU", None, "AUD"),
    ("$", "NZ", None, "NZD"),
    ("$", "SG", None, "SGD"),
    ("$", "HK", None, "HKD"),
    ("$", None, "AUD", "AUD"),
    ("US$", "CA", "CAD", "USD"),
    ("C$", None, None, "CAD"),
    ("C$", "NI", None, "NIO"),
    ("CA$", None, None, "CAD"),
    ("CDN$", None, None, "CAD"),
    ("HK$", None, "CNY", "HKD"),
    ("A$", None, None, "AUD"),
    ("AU$", None, None, "AUD"),
    ("NZ$", None, None, "NZD"),
    ("NT$", None, None, "TWD"),
    ("S$", None, None, "SGD"),
    ("MX$", None, None, "MXN"),
    ("RD$", None, None, "DOP"),
    ("ＵＳ＄", None, None, "USD"),  # full width
    # the yuan family
    ("元", None, None, "CNY"),
    ("元", "HK", None, "HKD"),
    ("块", None, None, "CNY"),
    ("人民币", None, None, "CNY"),
    ("RMB", None, None, "CNY"),
    ("港幣", None, None, "HKD"),
    # other written forms (CLDR, or CLDR plus the small EXTRA table)
    ("S/", None, None, "PEN"),
    ("S/.", None, None, "PEN"),
    ("Bs", None, None, None),
    ("Bs", "BO", None, "BOB"),
    ("Bs.", "VE", None, "VES"),
    ("Bs.S", None, None, "VES"),
    ("R", None, None, "ZAR"),
    ("RM", None, None, "MYR"),
    ("₫", None, None, "VND"),
    ("đ", None, None, "VND"),
    ("฿", None, None, "THB"),
    ("₱", None, None, "PHP"),
    ("₾", None, None, "GEL"),
    ("₸", None, None, "KZT"),
    ("лв.", None, None, "BGN"),
    ("лв", None, None, "BGN"),
    ("KM", None, None, "BAM"),
    ("din", None, None, "RSD"),
    ("дин.", None, None, "RSD"),
    ("ден", None, None, "MKD"),
    ("сом", None, None, "KGS"),
    ("₼", None, None, "AZN"),
    ("₮", None, None, "MNT"),
    ("៛", None, None, "KHR"),
    ("₭", None, None, "LAK"),
    ("Kč", None, None, "CZK"),
    ("Ft", None, None, "HUF"),
    ("₺", None, None, "TRY"),
    ("₩", None, None, "KRW"),
    ("₴", None, None, "UAH"),
    ("₦", None, None, "NGN"),
    ("৳", None, None, "BDT"),
    ("₡", None, None, "CRC"),
    ("₲", None, None, "PYG"),
    ("Q", None, None, "GTQ"),
    ("KSh", None, None, "KES"),
    ("GH₵", None, None, "GHS"),
    ("Euro", None, None, "EUR"),
    ("рублей", None, "CNY", "RUB"),
    ("руб.", "BY", None, "BYN"),
    ("جنيه", None, None, "EGP"),
    ("درهم", "MA", None, "MAD"),
    ("P", "PH", None, "PHP"),
    ("P", "BW", None, "BWP"),
    ("P", None, None, None),
    ("тенге", None, None, "KZT"),
    ("сум", None, None, "UZS"),
    ("Tk", None, None, "BDT"),
    ("KD", None, None, "KWD"),
    ("QR", None, None, "QAR"),
    ("SR", None, None, "SAR"),
    ("SR", "SC", None, "SCR"),
    ("Dhs", "AE", None, "AED"),
    ("DH", "MA", None, "MAD"),
    ("Dh", None, None, None),
    ("L.E.", None, None, "EGP"),
    ("SFr.", None, None, "CHF"),
    ("B/.", None, None, "PAB"),
    ("Gs.", None, None, "PYG"),
    ("€", None, "USD", "EUR"),
    ("£", None, "CNY", "GBP"),
    # codes, any case
    ("usd", None, None, "USD"),
    ("Eur", None, None, "EUR"),
    ("jpy", None, "CNY", "JPY"),
    # unknown: None, never the site default
    ("₿", None, "CNY", None),
    ("¤", None, "CNY", None),
    ("Preis", None, "EUR", None),
    # nothing written: the site default, if it is a code
    (None, None, "CNY", "CNY"),
    ("", None, "cny", "CNY"),
    (" ", None, "XYZ", None),
    (None, "JP", None, None),
]


@pytest.mark.parametrize(("written", "country", "default", "iso"), WRITTEN)
def test_currency_of(written: str | None, country: str | None, default: str | None,
                     iso: str | None) -> None:
    assert currency_of(written, country, default) == iso


def test_the_table_covers_many_currencies() -> None:
    assert len(WRITTEN) >= 120
    assert len({iso for *_, iso in WRITTEN if iso}) >= 40


def test_every_iso_code_is_itself() -> None:
    for code in list_currencies():
        assert currency_of(code) == code
        assert currency_of(code.lower(), "CN", "CNY") == code


def test_the_table_names_only_iso_codes() -> None:
    codes = set(list_currencies())
    for symbol in currency.symbols().values():
        assert set(symbol.candidates) <= codes
        assert symbol.primary is None or symbol.primary in symbol.candidates


def test_extra_adds_only_what_cldr_lacks() -> None:
    cldr = currency._votes()
    for written, codes in currency.EXTRA.items():
        known = set(cldr.get(currency.normalise(written), ()))
        assert set(codes) - known, f"{written!r}: CLDR already has {codes}"


@pytest.mark.parametrize(
    ("url", "country"),
    [
        ("https://www.otto.de/p/kaercher", "DE"),
        ("https://www.amazon.co.uk/dp/B004SNMXRS", "GB"),
        ("https://www.mobly.com.br/cama-box", "BR"),
        ("https://www.olx.com.pk/item/infinix", "PK"),
        ("https://i3fresh.tw/favorable_1409.html", "TW"),
        ("https://kids.1k.by/mumsgoods", "BY"),
        ("https://www.getit.co.il/Prod/144432/", "IL"),
        ("https://www.amazon.com/dp/B01GOH7PKA", None),
        ("https://ar-sa.namshi.com/buy-adidas", None),
        ("https://shop.io/p/1", None),  # a country domain used as a generic one
        ("https://tienda.com.co/p/1", "CO"),
        ("shop.fr/p", "FR"),
        ("http://localhost:8000/p", None),
        ("", None),
        (None, None),
    ],
)
def test_country_of_url(url: str | None, country: str | None) -> None:
    assert country_of_url(url) == country


@pytest.mark.parametrize(
    ("lang", "country", "separator"),
    [
        ("de", None, ","),
        ("de-CH", None, "."),
        (None, "CH", "."),
        ("en", "DE", ","),
        ("en", None, "."),
        ("fr", "CA", ","),
        ("pt-BR", None, ","),
        (None, "CL", ","),
        (None, "FR", ","),
        (None, "BE", ","),
        ("sl", "SI", ","),
        ("zh-CN", None, "."),
        ("ja", "JP", "."),
        ("hi", "IN", "."),
        ("ar", "SA", "."),
        ("xx-!!", None, None),
        (None, None, None),
    ],
)
def test_decimal_separator(lang: str | None, country: str | None, separator: str | None) -> None:
    assert decimal_separator(lang, country) == separator


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30)), st.one_of(st.none(), st.text(max_size=8)))
def test_urls_and_languages_never_raise(text: str | None, lang: str | None) -> None:
    country = country_of_url(text)
    assert country is None or (len(country) == 2 and country.isupper())
    assert decimal_separator(lang, country) in (None, ",", ".")


def test_the_shipped_cldr_extract_is_babels_own() -> None:
    """The symbol table's CLDR facts ship extracted (a crawl process would spend a second
    reading every locale); they must be what Babel says: after a Babel upgrade, run
    `python -m crawlers.pagetext.currency`."""
    import json

    from crawlers.pagetext.currency import CLDR_DATA, cldr_extract

    assert json.loads(CLDR_DATA.read_text("utf-8")) == cldr_extract()
