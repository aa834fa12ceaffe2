"""Typed items that parsers return.

Prices are Decimal + ISO currency + raw text; what a page did not show is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from crawlers.pagetext.price import parse_price
from crawlers.pagetext.stock import StockState, in_stock


@dataclass
class Money:
    """A parsed price. ``amount`` is None when the text held no readable price (never 0)."""

    amount: Decimal | None
    currency: str | None
    raw: str | None

    @classmethod
    def parse(cls, text: str | int | float | Decimal | None, default_currency: str | None = None,
              *, country: str | None = None, separator: str | None = None,
              structured: bool = False) -> Money | None:
        """A price as shown (``crawlers.pagetext.price``): None for no text, an unknown
        amount for text with no readable price; the site's ``default_currency`` only where
        the text shows none."""
        parsed = parse_price(text, default_currency=default_currency, country=country,
                             decimal_separator=separator, structured=structured)
        return None if parsed is None else cls(parsed.amount, parsed.currency, parsed.raw)

    @classmethod
    def parse_range(cls, text: str | None, default_currency: str | None = None, *,
                    country: str | None = None, separator: str | None = None
                    ) -> tuple[Money | None, Money | None]:
        """(low, high) of a price that may be a range ("1399-1699"); high None for one price."""
        parsed = parse_price(text, default_currency=default_currency, country=country,
                             decimal_separator=separator)
        if parsed is None:
            return None, None
        high = cls(parsed.high, parsed.currency, parsed.raw) if parsed.high is not None else None
        return cls(parsed.amount, parsed.currency, parsed.raw), high


@dataclass
class ProductItem:
    """A product as one page showed it (a product page or a search/listing entry)."""

    site: str
    external_id: str
    url: str | None = None
    title: str | None = None
    price: Money | None = None
    list_price: Money | None = None
    price_high: Money | None = None  # the top of a price range ("1399-1699"); price is its low end
    list_price_high: Money | None = None
    in_stock: bool | None = None  # True / False only for in stock / out of stock
    # in_stock / out_of_stock / preorder / backorder / unknown (crawlers.pagetext.stock): a
    # pre-order is not a stock-out; None where the page says nothing
    stock_state: str | None = None
    stock_count: int | None = None
    sales_count: int | None = None
    rating: Decimal | None = None
    review_count: int | None = None
    shop: str | None = None
    brand: str | None = None
    from_product_page: bool = False
    # the product page's specification rows (crawlers.extract.spec): (品牌, 智享), (功能, 避障)
    attributes: list[tuple[str, str]] = field(default_factory=list)

    def set_stock(self, state: StockState, count: int | None = None) -> None:
        """Record what the page says about stock (``crawlers.pagetext.stock``); an unknown
        state leaves what another source of the page said."""
        if state is StockState.UNKNOWN:
            return
        self.stock_state, self.in_stock = state.value, in_stock(state)
        if count is not None:
            self.stock_count = count


@dataclass
class RankItem:
    """One slot of a search result page. Positions are 1-based over all pages crawled.

    ``organic_position`` counts only unpaid results and is None for a sponsored slot.
    """

    site: str
    keyword: str
    page: int
    position: int
    organic_position: int | None
    sponsored: bool
    product: ProductItem


@dataclass
class SearchPage:
    """What a parser read from one search result page: slots in page order and the next page."""

    products: list[tuple[ProductItem, bool]] = field(default_factory=list)  # (item, sponsored)
    next_url: str | None = None

    def slots(self, position: int = 0, organic: int = 0
              ) -> list[tuple[ProductItem, bool, int, int | None]]:
        """(item, sponsored, position, organic position) of each slot, counting on from the
        pages before (``position``, ``organic``): the one count of organic places; an ad has
        a position and no organic one."""
        counted = []
        for item, sponsored in self.products:
            position += 1
            organic += 0 if sponsored else 1
            counted.append((item, sponsored, position, None if sponsored else organic))
        return counted


@dataclass
class ListingPage:
    """A shop or category listing page: entries as shown, product page URLs, the next page."""

    product_urls: list[str] = field(default_factory=list)
    items: list[ProductItem] = field(default_factory=list)
    next_url: str | None = None

    @classmethod
    def of_search(cls, page: SearchPage) -> ListingPage:
        """A shop list page laid out like the platform's search results."""
        items = [item for item, _sponsored in page.products]
        return cls([item.url for item in items if item.url], items, page.next_url)


@dataclass
class SuggestionItem:
    site: str
    seed: str
    terms: list[str] = field(default_factory=list)
