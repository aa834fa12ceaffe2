"""Amazon search results (``/s?k=``) on every country site: ASIN, title, price in the site's own
format and currency, rating, review count, position and the sponsored flag.

Pure functions of a response. The currency of a bare symbol comes from the country domain
("￥1,299" on amazon.co.jp is yen, "$" on amazon.ca Canadian dollars); the decimal separator
from the domain's locale ("1.299,00 €" on amazon.de). A robot-check page raises PageBlocked.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from parsel import Selector
from scrapy.http import TextResponse

from config import SiteConfig
from crawlers import blocks
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.items import ListingPage, Money, ProductItem, SearchPage
from crawlers.pagetext.currency import country_currencies, country_of_url, decimal_separator
from crawlers.pagetext.decode import response_text
from crawlers.pagetext.text import visible_text

SEARCH_PATH = "/s?k={keyword}&page={page}"
PRODUCT_PATH = "/dp/{id}"
SUGGEST_PATH = "https://completion.amazon.com/api/2017/suggestions?prefix={keyword}&alias=aps"

SPONSORED_WORDS = ("sponsored", "patrocinado", "gesponsert", "sponsorisé", "sponsorizzato",
                   "gesponsord", "sponsrad", "スポンサー", "प्रायोजित", "赞助")


def market(url: str, site: SiteConfig) -> tuple[str | None, str | None]:
    """(country, decimal separator) of the Amazon country site serving ``url`` (amazon.de:
    DE, ","; amazon.com: US, ".")."""
    # amazon.com, the one marketplace on a generic domain, is the US store
    country = country_of_url(url) or country_of_url(site.base_url) or "US"
    return country, decimal_separator(None, country)


def _text(node: Selector | list[Selector] | None) -> str:
    if not node:
        return ""
    return visible_text(node[0] if isinstance(node, list) else node)


def _price(node: Selector, site: SiteConfig, country: str | None,
           separator: str | None) -> tuple[Money | None, Money | None]:
    """(price, list price): the first ``.a-price`` that is not struck through, and the struck
    one (``a-text-price``, "Was"). ``a-offscreen`` holds the price as written for the site."""
    price = listed = None
    for box in node.css(".a-price"):
        text = _text(box.css(".a-offscreen")) or _text(box)
        if not text:
            continue
        money = Money.parse(text, market_currency(country, site), country=country,
                            separator=separator)
        if "a-text-price" in box.attrib.get("class", "") or box.attrib.get("data-a-strike"):
            listed = listed or money
        elif price is None:
            price = money
    return price, listed


def market_currency(country: str | None, site: SiteConfig) -> str | None:
    """The marketplace's currency: its country's (amazon.de: EUR), else the site's."""
    return next(iter(country_currencies(country)), None) or site.currency


def _rating(node: Selector) -> Decimal | None:
    """"4,7 de 5 estrellas", "4.5 out of 5 stars", "5つ星のうち4.3"."""
    label = _text(node.css(".a-icon-alt")) or node.css("span[aria-label*='5']::attr(aria-label)"
                                                      ).get("")
    numbers = re.findall(r"\d+(?:[.,]\d)?", label)
    if not numbers:
        return None
    values = [n.replace(",", ".") for n in numbers]
    value = next((v for v in values if v != "5"), values[0])  # "5つ星のうち4.3": not the scale
    try:
        rating = Decimal(value)
    except InvalidOperation:
        return None
    return rating if 0 <= rating <= 5 else None


SCALE = re.compile(r"out of|de 5|von 5|sur 5|su 5|つ星|/\s*5|stars?\b|estrellas|sterne|estrelas",
                   re.I)


def _reviews(node: Selector) -> int | None:
    """The count beside the stars: aria-label "1,234" or "10,873 ratings", or the link text."""
    for label in node.css("[aria-label]::attr(aria-label)").getall():
        label = label.strip()
        if SCALE.search(label):
            continue
        match = re.fullmatch(r"\(?([\d.,\s]+)\)?(?:\s+\w+)?", label)
        if match and re.search(r"\d", match.group(1)):
            return int(re.sub(r"\D", "", match.group(1)))
    text = _text(node.css("a[href*='customerReviews'] span, span.s-underline-text"))
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits and re.fullmatch(r"\(?[\d.,\s]+\)?", text) else None


def _sponsored(node: Selector) -> bool:
    if "AdHolder" in node.attrib.get("class", "").split():
        return True
    if node.css("[data-component-type='sp-sponsored-result'], .s-sponsored-label-text, "
                ".puis-sponsored-label-text, .s-sponsored-label-info-icon"):
        return True
    label = " ".join(node.css(".s-label-popover-default ::text, .puis-label-popover-default "
                              "::text").getall()).lower()
    return any(word in label for word in SPONSORED_WORDS)


def check_blocked(response: TextResponse, site: SiteConfig) -> None:
    blocks.check_blocked(response, site.block_markers)
    head = response.text[:20000].lower()
    if "validatecaptcha" in head or ("robot check" in head and "captcha" in head):
        raise PageBlocked("Amazon robot check (captcha)", response.url)


def parse_search(response: TextResponse, site: SiteConfig) -> SearchPage:
    """Slots of one Amazon search result page in page order, with the sponsored flag."""
    check_blocked(response, site)
    doc = Selector(text=response_text(response))
    country, separator = market(response.url, site)
    nodes = [n for n in doc.css("div[data-component-type='s-search-result']")
             if (n.attrib.get("data-asin") or "").strip()]
    if not nodes:
        if doc.css(".s-no-outline, [data-component-type='s-no-results'], .s-no-results-filler"
                   ) or re.search(r"No results for|Keine Ergebnisse|No hay resultados|"
                                  r"Nenhum resultado|に一致する商品はありませんでした",
                                  " ".join(doc.css("span::text").getall()[:3000])):
            return SearchPage()
        raise LayoutChanged(f"no Amazon result (div[data-component-type=s-search-result]) on "
                            f"{response.url}")
    page = SearchPage()
    for node in nodes:
        asin = node.attrib["data-asin"].strip()
        title = _text(node.css("h2 span")) or _text(node.css("h2"))
        href = node.css("h2 a::attr(href)").get() or node.css("a.a-link-normal::attr(href)").get()
        price, listed = _price(node, site, country, separator)
        item = ProductItem(site=site.name, external_id=asin, title=title or None,
                           url=response.urljoin(f"/dp/{asin}") if href else None,
                           price=price, list_price=listed, rating=_rating(node),
                           review_count=_reviews(node))
        page.products.append((item, _sponsored(node)))
    next_href = doc.css("a.s-pagination-next::attr(href), li.a-last a::attr(href)").get()
    page.next_url = response.urljoin(next_href) if next_href else None
    return page


def parse_product(response: TextResponse, site: SiteConfig) -> ProductItem:
    """An Amazon product page through the generic product extractor."""
    check_blocked(response, site)
    from crawlers.sites import generic

    return generic.parse_product(response, site)


def parse_listing(response: TextResponse, site: SiteConfig) -> ListingPage:
    return ListingPage.of_search(parse_search(response, site))


def parse_suggestions(response: TextResponse, site: SiteConfig) -> list[str]:
    """Amazon's completion API: ``{"suggestions": [{"value": "..."}]}``."""
    try:
        data = json.loads(response.text)
    except json.JSONDecodeError as exc:
        raise LayoutChanged(f"Amazon suggestions are not JSON on {response.url}") from exc
    return [str(s.get("value")).strip() for s in data.get("suggestions", [])
            if isinstance(s, dict) and str(s.get("value") or "").strip()]
