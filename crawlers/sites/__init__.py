"""Site adapters, registered by name. An adapter is a module of pure parsers and URL paths."""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from scrapy.http import TextResponse

from config import SiteConfig
from crawlers.items import ListingPage, Money, ProductItem, SearchPage
from crawlers.sites import amazon, demoshop, generic, jd, taobao


class SiteAdapter(Protocol):
    SEARCH_PATH: str
    PRODUCT_PATH: str
    SUGGEST_PATH: str

    def parse_search(self, response: TextResponse, site: SiteConfig) -> SearchPage: ...

    def parse_product(self, response: TextResponse, site: SiteConfig) -> ProductItem: ...

    def parse_listing(self, response: TextResponse, site: SiteConfig) -> ListingPage: ...

    def parse_suggestions(self, response: TextResponse, site: SiteConfig) -> list[str]: ...


class PriceService(Protocol):
    """A platform's batch price service for the prices its result pages leave out (JD: prices
    drawn as images or filled in by JavaScript)."""

    def unknown_price_skus(self, page: SearchPage) -> list[str]: ...

    def price_service_url(self, skus: list[str]) -> str: ...

    def parse_price_service(self, text: str) -> dict[str, tuple[Money, Money | None]]: ...

    def apply_prices(self, page: SearchPage,
                     prices: dict[str, tuple[Money, Money | None]]) -> None: ...


ADAPTERS: dict[str, SiteAdapter] = {"demoshop": demoshop, "generic": generic, "jd": jd,
                                    "taobao": taobao, "tmall": taobao, "amazon": amazon}


# The adapters that have a batch price service (part of the adapter protocol, optional).
PRICE_SERVICES: dict[str, PriceService] = {"jd": jd}


def price_service_of(site: SiteConfig) -> PriceService | None:
    """The site's price service: its adapter's, unless ``price_service = ""`` turns it off."""
    return None if site.price_service == "" else PRICE_SERVICES.get(site.adapter)


class UnknownAdapter(KeyError):
    pass


def get_adapter(name: str) -> SiteAdapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UnknownAdapter(f"unknown site adapter {name!r}; known: {sorted(ADAPTERS)}") from None


def _join(site: SiteConfig, path: str) -> str:
    """A path on the site, or an absolute URL (platforms search and suggest on other hosts)."""
    return path if path.startswith(("http://", "https://")) else site.base_url + path


def search_url(site: SiteConfig, keyword: str, page: int) -> str:
    path = site.search_path or get_adapter(site.adapter).SEARCH_PATH
    return _join(site, path.format(keyword=quote(keyword), page=page))


def product_url(site: SiteConfig, product_id: str) -> str:
    path = site.product_path or get_adapter(site.adapter).PRODUCT_PATH
    return _join(site, path.format(id=quote(product_id)))


def product_id_from_url(site: SiteConfig, url: str) -> str | None:
    """The product id a product page's address carries, as the crawl would store it.

    The site's own ``product.id_pattern`` first; a ``generic`` site without one stores the
    address itself (its search results use the link as the id). Otherwise the product URL
    template read backwards: ``/item/{id}.html`` finds 123 in ``…/item/123.html``,
    ``item.htm?id={id}`` the ``id`` parameter. None: the address does not say.
    """
    pattern = site.product.id_pattern if site.product else None
    if pattern:
        match = re.search(pattern, url)
        return match.group(1) if match else None
    if site.adapter == "generic":
        return url
    template = urlsplit(site.product_path or get_adapter(site.adapter).PRODUCT_PATH)
    address = urlsplit(url)
    if "{id}" in template.query:
        name = next((k for k, v in parse_qsl(template.query) if v == "{id}"), None)
        return next((v for k, v in parse_qsl(address.query) if k == name and v), None)
    before, _, after = template.path.partition("{id}")
    match = re.search(re.escape(before) + r"([^/?#]+?)" + re.escape(after) + r"(?:/|$)",
                      address.path)
    return unquote(match.group(1)) if match else None


def _suggest_path(site: SiteConfig) -> str:
    """The site's suggestion endpoint: its own ``suggest_path`` if set ("" turns suggestions
    off), else the adapter's ("" for an adapter without one, such as generic)."""
    if site.suggest_path is not None:
        return site.suggest_path.strip()
    return get_adapter(site.adapter).SUGGEST_PATH


def has_suggestions(site: SiteConfig) -> bool:
    """Whether the site has a suggestion endpoint to crawl."""
    return bool(_suggest_path(site))


def suggest_url(site: SiteConfig, seed: str) -> str | None:
    """The suggestion request for ``seed``; None where the site has no suggestions."""
    path = _suggest_path(site)
    return _join(site, path.format(keyword=quote(seed))) if path else None
