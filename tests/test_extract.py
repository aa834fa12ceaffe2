"""The generic product-page extractor on saved real pages, and `shopwatch extract`."""

from __future__ import annotations

import gzip
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers.extract import extract_product
from crawlers.pagetext.currency import country_of_url, decimal_separator
from crawlers.pagetext.decode import response_text
from crawlers.pagetext.price import parse_price
from monitor.cli import main
from tests.support import realpages

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _load(case: str) -> tuple[str, dict[str, object]]:
    expected = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
    body = gzip.decompress((FIXTURES / case / "page.html.gz").read_bytes())
    return response_text(HtmlResponse(str(expected["url"]), body=body)), expected


@pytest.mark.parametrize("case", CASES)
def test_benchmark_pages(case: str) -> None:
    html, expected = _load(case)
    result = extract_product(html, str(expected["url"]))
    prices = {Decimal(str(p)) for p in expected["price"]}  # type: ignore[attr-defined]
    if prices:
        assert result.price in prices
    else:
        assert result.price is None  # out of stock: no price shown, none invented
    assert result.sku in expected["sku"]  # type: ignore[operator]
    assert (result.availability or "InStock") in expected["availability"]  # type: ignore[operator]
    # title and methods: not the benchmark's ground truth, this extractor's reading (each title
    # checked against the page's own heading when it was recorded)
    assert result.title == expected["title"]
    assert sorted(result.methods) == expected["methods"]


@pytest.mark.parametrize(
    ("file", "title", "price", "currency"),
    [
        ("ebay.html", "Outdoor Wicker Patio Furniture Sofa", "349.99", "USD"),
        ("etsy.html", "Agents of Shield decal sticker", "2.99", "USD"),
        ("bestbuy.html", "Apple - iPhone 6s 64GB - Space Gray", "24.96", "USD"),
        ("michaelkors.html", "Mirabel Suede Sandal", "80.0", "USD"),
        ("tmall.html", "Apple/苹果 iPhone 11", "5499.00", "CNY"),
        ("taobao.html", "乳白亚克力外壳", "149.00", "CNY"),
        ("aliexpress.html", "Apple iPhone SE", "97.39", "EUR"),
        ("rakuten.html", "楽天市場", None, None),  # a home page: no price
    ],
)
def test_opengraph_pages(file: str, title: str, price: str | None, currency: str | None) -> None:
    path = realpages("product_pages_opengraph") / file
    html = response_text(HtmlResponse("http://localhost/", body=path.read_bytes()))
    result = extract_product(html)
    assert result.title and title in result.title
    assert result.price == (Decimal(price) if price else None)
    assert result.currency == currency


def test_gbk_bytes_behind_a_utf8_declaration_read_like_the_utf8_page() -> None:
    folder = realpages("product_pages_opengraph")
    texts = [
        response_text(HtmlResponse("http://localhost/", body=(folder / f).read_bytes()))
        for f in ("tmall.html", "tmall_gbk_bytes_meta_says_utf8.html")
    ]
    utf8, gbk = (extract_product(t) for t in texts)
    assert gbk.title == utf8.title and "iPhone 11" in (gbk.title or "")
    assert gbk.price == utf8.price == Decimal("5499.00")
    # the re-encoding turned "¥" into "?": that page no longer says its currency
    assert (utf8.currency, gbk.currency) == ("CNY", None)


@pytest.mark.parametrize(
    ("text", "lang", "url", "amount"),
    [
        ("34.000 €", "de", None, Decimal("34000")),
        ("1.299,00 €", "de", None, Decimal("1299.00")),
        ("36.53€", "sl", "https://shop.si/p", Decimal("36.53")),
        ("$1,299", "en", None, Decimal("1299")),
        ("1,299", None, "https://shop.fr/p", Decimal("1.299")),
        ("R$ 1.299,00", "pt-BR", None, Decimal("1299.00")),
        ("￥1,299", "zh-CN", None, Decimal("1299")),
        # cents printed apart (<sup>): two digits after a space are cents, three are thousands
        ("$229 99", "en", None, Decimal("229.99")),
        ("173 34 Lei", "ro", None, Decimal("173.34")),
        ("1 299 €", "fr", None, Decimal("1299")),
    ],
)
def test_prices_follow_the_page_locale(
    text: str, lang: str | None, url: str | None, amount: Decimal
) -> None:
    separator = decimal_separator(lang, country_of_url(url))
    parsed = parse_price(text, decimal_separator=separator)
    assert parsed is not None and parsed.amount == amount


def test_counts_and_fees_are_not_prices() -> None:
    html = (
        "<html lang='en'><head><title>Robot vacuum X10 - Shop</title></head><body>"
        "<h1>Robot vacuum X10</h1><div class='rating'>4.5 out of 5 (1,234 reviews)</div>"
        "<div class='shipping-price'>Shipping: $5.99</div><div class='sku'>SKU: X10-2024</div>"
        "<button>Add to cart</button></body></html>"
    )
    result = extract_product(html, "https://shop.example/x10")
    assert result.price is None and result.sku == "X10-2024"
    assert result.availability == "InStock"


def test_sale_price_over_list_price_and_chinese_stock_text() -> None:
    html = (
        "<html lang='zh-CN'><body><h1>扫地机器人 X10</h1>"
        "<div class='price-box'><span class='price'>¥2,999.00</span>"
        "<del class='price-old'>¥3,999.00</del></div><div class='stock'>缺货</div>"
        "<div class='related'><span class='price'>¥99.00</span></div></body></html>"
    )
    result = extract_product(html)
    assert (result.price, result.list_price, result.currency) == (
        Decimal("2999.00"),
        Decimal("3999.00"),
        "CNY",
    )
    assert result.availability == "OutOfStock"


def _page(body: str, lang: str = "en") -> str:
    return f"<html lang='{lang}'><head><title>Item</title></head><body>{body}</body></html>"


def test_a_net_of_vat_price_after_the_gross_price_is_small_print() -> None:
    gross_first = _page("<h1>Reading lenses</h1><ul><li class='price'>40.00€</li>"
                        "<li class='price-tax'>Brez DDV: <span class='price-tax'>36.53€</span>"
                        "</li></ul>", "sl")
    assert extract_product(gross_first).price == Decimal("40.00")
    # a B2B shop that leads with the net price: that is its headline price
    net_first = _page("<h1>iMac Pro</h1><div class='notax'><span>bez DPH</span>"
                      "<span class='price'>4386,00 €</span></div><div class='tax'><span>s DPH"
                      "</span><span class='price'>5263,20 €</span></div>", "sk")
    assert extract_product(net_first).price == Decimal("4386.00")


def test_a_sentence_of_several_amounts_is_not_a_price() -> None:
    html = _page("<h1>Jerky, any 10 packs</h1><div class='price'>Buy 1 set: 990 元 "
                 "was 1,390 save $400</div>", "zh-TW")
    assert extract_product(html).price is None


def test_other_products_prices_in_lists_and_carousels_lose() -> None:
    cards = "".join(f"<div class='card'><div class='body'><span class='price'>{n},00 Kn</span>"
                    "</div></div>" for n in (169, 1200, 540, 279))
    html = _page("<nav><h1 class='category-nav-title'>Health services</h1></nav>"
                 "<h1 class='main-title'>Orthopaedic insoles</h1>"
                 "<div class='product-slider'><span class='slider-price-new'>270,00 Kn</span>"
                 "<span class='slider-price-old'>540,00 Kn</span></div>" + cards, "hr")
    result = extract_product(html, "https://clinic.example.hr/insoles-380")
    assert (result.title, result.price, result.currency) == (
        "Orthopaedic insoles", Decimal("270.00"), "HRK")
    assert result.list_price == Decimal("540.00")


def test_a_shared_dollar_sign_means_the_shop_countrys_currency() -> None:
    html = _page("<h1>Retro console</h1><span class='price'>$24.990</span>", "es")
    assert extract_product(html, "https://shop.example.cl/p/1").currency == "CLP"
    assert extract_product(html, "https://shop.example.com/p/1").currency == "USD"


def test_schema_properties_written_with_a_capital_and_an_aggregate_offers_range() -> None:
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
          '"Product", "Name": "Widget", "SKU": "W-1", "Offers": {"@type": "AggregateOffer", '
          '"lowPrice": "19.99", "highPrice": "29.99", "PriceCurrency": "EUR", '
          '"Availability": "https://schema.org/OutOfStock"}}</script>')
    result = extract_product(_page(ld + "<h1>Widget</h1>"), "https://shop.example/p/1")
    assert (result.title, result.sku, result.price, result.price_high, result.currency,
            result.availability) == ("Widget", "W-1", Decimal("19.99"), Decimal("29.99"),
                                     "EUR", "OutOfStock")
    one = ld.replace('"highPrice": "29.99"', '"highPrice": "19.99"')
    assert extract_product(_page(one + "<h1>Widget</h1>")).price_high is None


def test_structured_price_that_the_page_never_shows_yields_to_the_visible_one() -> None:
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
          '"Product", "name": "Pair of pillows", "offers": {"@type": "Offer", "price": 150, '
          '"priceCurrency": "USD"}}</script>')
    shown = _page(ld + "<h1>Pair of pillows</h1><span class='price'>$200</span>")
    result = extract_product(shown)
    assert (result.price, result.methods["price"]) == (
        Decimal("200"), "DOM: price beside the title (structured data's price is not shown)")
    agreeing = _page(ld + "<h1>Pair of pillows</h1><span class='price'>$150</span>"
                     "<span class='cashback-price'>$2.00</span>")
    assert extract_product(agreeing).methods["price"] == "schema.org json-ld"


@pytest.mark.parametrize(
    ("body", "sku"),
    [
        # markup that names the element the product's reference, next to the colour name
        ("<p><span class='colour'>Black</span> - <span data-qa-qualifier='product-reference'>"
         "1002/710</span></p>", "1002/710"),
        ("<span data-test='product-name-catNumber' itemprop='sku' content='4667999'>466/7999"
         "</span>", "466/7999"),
        ("<ul><li><strong>Šifra:</strong> 0638</li></ul>", "0638"),
        ("<span class='product-code-display'>Cod produs: DR2401 </span>", "DR2401"),
    ],
)
def test_product_codes_by_label_and_by_markup(body: str, sku: str) -> None:
    # the page's state classes on <body> ("hidden-menu") do not make it a navigation menu
    html = (f"<html><body class='product-page hidden-menu'><h1>Boots</h1>{body}"
            "<div class='related'><span class='sku'>SKU: 999999</span></div></body></html>")
    assert extract_product(html).sku == sku


def test_extract_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    case = FIXTURES / CASES[0]
    expected = json.loads((case / "expected.json").read_text("utf-8"))
    assert main(["extract", str(case / "page.html.gz"), "--url", expected["url"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "title",
        "price",
        "price_high",
        "currency",
        "list_price",
        "sku",
        "availability",
        "methods",
    }
    assert data["price"] in expected["price"] and data["sku"] in expected["sku"]
    assert data["methods"]["price"]


def test_extract_command_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path / "missing.html"), "--json"]) == 2
    assert "no such file" in capsys.readouterr().err
    captcha = tmp_path / "captcha.html"
    captcha.write_text("<title>Robot Check</title><body>Type the characters</body>", "utf-8")
    assert main(["extract", str(captcha), "--json"]) == 2
    assert "blocked" in capsys.readouterr().err


def test_product_ids_from_the_address() -> None:
    page = "<html><body><h1>Baby carrier One</h1><span class='price'>€ 149,00</span></body></html>"
    result = extract_product(page, "https://shop.example/carriers/BabyBjorn_One-987929.html")
    assert (result.sku, result.methods["sku"]) == ("987929", "URL: product id")
    with_variant = (
        '<html><body><script type="application/ld+json">{"@type": "Product", '
        '"name": "Joypad", "sku": "MKI6IKW1N4-1", "offers": {"price": "24990", '
        '"priceCurrency": "CLP"}}</script></body></html>'
    )
    result = extract_product(with_variant, "https://shop.example/joypad-MKI6IKW1N4.html")
    assert (result.sku, result.price, result.currency) == ("MKI6IKW1N4", Decimal(24990), "CLP")


def test_embedded_application_state() -> None:
    state = {
        "props": {
            "pageProps": {
                "product": {
                    "name": "Air purifier P9",
                    "sku": "P9-2024",
                    "price": 1299,
                    "currency": "CNY",
                }
            }
        }
    }
    page = (
        "<html><body><div id='root'></div><script id='__NEXT_DATA__' "
        f"type='application/json'>{json.dumps(state)}</script></body></html>"
    )
    result = extract_product(page, "https://shop.example/p/p9")
    assert (result.price, result.currency, result.sku) == (Decimal(1299), "CNY", "P9-2024")
    assert result.methods["price"] == "embedded state JSON"
    redux = (
        '<html><body><script>window.__INITIAL_STATE__ = {"item": {"title": "Lock S1", '
        '"price": "899.00"}};\n</script></body></html>'
    )
    assert extract_product(redux).price == Decimal("899.00")


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("In stock (22 available)", None),
        ("Available now", None),
        ("Currently unavailable.", "OutOfStock"),
        ("Derzeit nicht verfügbar.", "OutOfStock"),
        ("缺货", "OutOfStock"),
        ("Produkt niedostępny", "OutOfStock"),
    ],
)
def test_stock_labels(text: str, state: str | None) -> None:
    from parsel import Selector

    from crawlers.extract.dom import availability_from_page

    assert (
        availability_from_page(Selector(text=f"<html><body><h1>X</h1><p>{text}</p></body></html>"))
        == state
    )


def test_a_books_product_page_in_stock() -> None:
    path = (
        realpages("books.toscrape.com") / "catalogue" / "a-light-in-the-attic_1000" / "index.html"
    )
    result = extract_product(path.read_text("utf-8"), "http://books.toscrape.com/catalogue/x/")
    assert (result.title, result.price, result.currency) == (
        "A Light in the Attic",
        Decimal("51.77"),
        "GBP",
    )
    assert result.availability != "OutOfStock"


ESCAPED_PAGE = (
    '<html><head><title>Robot</title><script type="application/ld+json">'
    + json.dumps({"@type": "Product", "name": "\x1b[31mRed\x1b[0m Robot\x1b]0;pwned\x07\x08!",
                  "sku": "R1\x07", "offers": {"price": "9.99", "priceCurrency": "USD"}})
    + "</script></head><body><h1>Robot</h1></body></html>"
)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_extract_command_prints_scraped_text_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Terminal escapes in a page's JSON-LD (colour, window title, bell, backspace): the text
    output shows the words without them, the JSON output keeps them as escapes, with the
    generic extractor and the generic adapter alike."""
    page = tmp_path / "escapes.html"
    page.write_text(ESCAPED_PAGE, "utf-8")
    assert main(["extract", str(page)]) == 0
    out = capsys.readouterr().out
    assert not CONTROLS.search(out) and "Red Robot!" in out
    assert main(["extract", str(page), "--json"]) == 0
    out = capsys.readouterr().out
    assert not CONTROLS.search(out) and json.loads(out)["title"].startswith("\x1b[31mRed")
    assert main(["extract", str(page), "--site", "generic", "--page", "product"]) == 0
    captured = capsys.readouterr()
    assert not CONTROLS.search(captured.out + captured.err)
    assert "Red Robot!" in captured.out + captured.err
