"""Site adapters, registered by name. An adapter is a module of pure parsers and URL paths."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from scrapy.http import TextResponse

from config import SiteConfig
from crawlers.items import ListingPage, ProductItem, SearchPage
from crawlers.sites import amazon, demoshop, generic, jd, taobao


class SiteAdapter(Protocol):
    SEARCH_PATH: str
    PRODUCT_PATH: str
    SUGGEST_PATH: str

    def parse_search(self, response: TextResponse, site: SiteConfig) -> SearchPage: ...

    def parse_product(self, response: TextResponse, site: SiteConfig) -> ProductItem: ...

    def parse_listing(self, response: TextResponse, site: SiteConfig) -> ListingPage: ...

    def parse_suggestions(self, response: TextResponse, site: SiteConfig) -> list[str]: ...


ADAPTERS: dict[str, SiteAdapter] = {"demoshop": demoshop, "generic": generic, "jd": jd,
                                    "taobao": taobao, "tmall": taobao, "amazon": amazon}


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
