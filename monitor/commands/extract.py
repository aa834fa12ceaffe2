"""``shopwatch extract``: read a saved page or an address, with the generic extractor (price,
availability, SKU of a product page) or with a site's adapter (``--site``, ``--page``: search
results, a listing, a product, suggestions); exit 3 blocked, 4 the layout changed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config import SiteConfig, load_config
from monitor.cliutil import UserError, console, inert, json_text, positive
from monitor.commands.base import Cli
from monitor.commands.pagefile import (
    EXTRACT_MAX_MB,
    EXTRACT_TIMEOUT_S,
    read_bytes,
    read_page,
    text_page,
)

if TYPE_CHECKING:
    from crawlers.items import Money, ProductItem

# Where a page of each platform comes from, for reading a saved page without a config.
PLATFORM_URLS = {"jd": "https://search.jd.com/Search", "amazon": "https://www.amazon.com/s",
                 "taobao": "https://s.taobao.com/search", "tmall": "https://s.taobao.com/search",
                 "demoshop": "http://127.0.0.1:8800/search", "generic": "http://localhost/"}
EXIT_BLOCKED, EXIT_LAYOUT = 3, 4


def _amount(value: Money | None) -> str | None:
    return str(value.amount) if value is not None and value.amount is not None else None


def _item_json(item: ProductItem) -> dict[str, Any]:
    price = item.price
    return {"id": item.external_id, "title": item.title, "price": _amount(price),
            "price_high": _amount(item.price_high),
            "currency": price.currency if price is not None else None,
            "price_note": price.raw if price is not None and price.amount is None else None,
            "list_price": _amount(item.list_price), "shop": item.shop,
            "sales": item.sales_count, "reviews": item.review_count,
            "rating": str(item.rating) if item.rating is not None else None,
            "in_stock": item.in_stock, "stock": item.stock_count, "url": item.url}


def _site_for(args: argparse.Namespace) -> SiteConfig:
    from crawlers.sites import ADAPTERS

    if args.config or os.environ.get("SHOPWATCH_CONFIG") or Path("shopwatch.toml").is_file():
        config = load_config(args.config)
        for site in config.sites:
            if site.name == args.site:
                return site
    if args.site not in ADAPTERS:
        raise UserError(f"--site {args.site}: not a site of the config nor a known adapter "
                        f"({', '.join(sorted(ADAPTERS))})")
    return SiteConfig(name=args.site, adapter=args.site, base_url=PLATFORM_URLS.get(
        args.site, "http://localhost/").rsplit("/", 1)[0])


def run_site(args: argparse.Namespace) -> int:
    """One saved page through a site adapter: search results, a listing or an item."""
    from scrapy.http import HtmlResponse, TextResponse

    from crawlers.errors import LayoutChanged, PageBlocked
    from crawlers.pagetext.decode import decoded
    from crawlers.sites import get_adapter

    site = _site_for(args)
    body, url = read_bytes(args.source, args.url, args.timeout, args.max_size)
    if url is None and args.page == "product" and site.adapter == "generic":
        # No address given: the page's own (canonical link, og:url) or its structured sku
        # names the product, not an address made up here.
        url = Path(args.source).resolve().as_uri()
    if url is None and site.adapter == "generic":
        url = site.base_url + "/"  # the configured shop: its links resolve on it
    url = url or PLATFORM_URLS.get(site.adapter) or site.base_url
    is_json = Path(args.source).suffix.lower() in (".json", ".jsonp", ".js")
    response = decoded(TextResponse(url, body=body) if is_json else HtmlResponse(url, body=body))
    text_page(response.text, args.source)
    adapter = get_adapter(site.adapter)
    result: dict[str, Any] = {"site": site.name, "page": args.page, "source": args.source}
    code = 0
    try:
        if args.page == "search":
            page = adapter.parse_search(response, site)
            items = [{"position": position, "organic_position": organic,
                      "sponsored": sponsored, **_item_json(item)}
                     for item, sponsored, position, organic in page.slots()]
            result.update(status="ok", count=len(items), sponsored=sum(
                1 for i in items if i["sponsored"]), items=items, next_url=page.next_url)
        elif args.page == "listing":
            listing = adapter.parse_listing(response, site)
            result.update(status="ok", product_urls=listing.product_urls,
                          items=[_item_json(i) for i in listing.items], next_url=listing.next_url)
        elif args.page == "suggest":
            result.update(status="ok", terms=adapter.parse_suggestions(response, site))
        else:
            result.update(status="ok", item=_item_json(adapter.parse_product(response, site)))
    except PageBlocked as exc:
        result.update(status="blocked", reason=exc.reason)
        code = EXIT_BLOCKED
    except LayoutChanged as exc:
        result.update(status="layout_changed", reason=str(exc))
        code = EXIT_LAYOUT
    if args.json:
        print(json_text(result))
    else:
        _print_site_result(result)
    return code


def _print_site_result(result: dict[str, Any]) -> None:
    if result["status"] != "ok":
        console.print(inert(f"{result['status']}: {result['reason']}"), markup=False)
        return
    stock = {True: "in stock", False: "out", None: "-"}
    if result.get("items") and "position" in result["items"][0]:
        print(f"{'pos':>3} {'org':>3}    {'id':>14} {'price':>12} {'stock':>8}  title")
    for row in result.get("items", []):
        price = row["price"] or (f"? {row['price_note']}" if row["price_note"] else "-")
        flag = "AD " if row.get("sponsored") else "   "
        organic = row.get("organic_position")
        print(inert(f"{row.get('position', ''):>3} {organic if organic else '':>3} {flag}"
                    f"{row['id']:>14} {price:>12} {stock[row['in_stock']]:>8}  "
                    f"{(row['title'] or '')[:60]}"))
    if "item" in result:
        for name, value in result["item"].items():
            console.print(inert(f"{name:11s} {value if value is not None else '-'}"),
                          markup=False)
    for term in result.get("terms", []):
        console.print(inert(term), markup=False)


def run(args: argparse.Namespace) -> int:
    from scrapy.http import HtmlResponse

    from crawlers.blocks import check_blocked
    from crawlers.errors import PageBlocked
    from crawlers.extract import extract_product

    if args.site:
        return run_site(args)
    html, url = read_page(args.source, args.url, args.timeout, args.max_size)
    try:
        check_blocked(HtmlResponse(url or "http://localhost/", body=html.encode("utf-8"),
                                   encoding="utf-8"))
    except PageBlocked as exc:
        raise UserError(f"{args.source}: the page is blocked ({exc.reason}), "
                        "not a product page") from None
    result = extract_product(html, url).to_json()
    if args.json:
        print(json_text(result))  # the page's text as read, its control characters escaped
        return 0
    for name, value in result.items():
        if name != "methods":
            method = result["methods"].get(name)
            print(inert(f"{name:13s} {value if value is not None else '-'}"
                        + (f"   ({method})" if method else "")))
    return 0


def register(cli: Cli) -> None:
    p = cli.add("extract", run, "read price, availability and SKU from a product page")
    p.add_argument("source", metavar="PATH_OR_URL", help="a saved page (.html, .html.gz) or URL")
    p.add_argument("--url", metavar="ORIGINAL_URL",
                   help="the page's own address (its locale decides 1.299 vs 1,299)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--site", metavar="NAME",
                   help="read the page with this site's adapter (a site of the config, or jd, "
                        "taobao, tmall, amazon, demoshop) instead of the generic extractor")
    p.add_argument("--page", choices=("search", "listing", "product", "suggest"),
                   default="search", help="with --site: what kind of page it is")
    p.add_argument("--timeout", type=positive, default=EXTRACT_TIMEOUT_S, metavar="SECONDS",
                   help="give up on a URL that has not answered in full after this long "
                        f"(default: {EXTRACT_TIMEOUT_S:g})")
    p.add_argument("--max-size", type=positive, default=EXTRACT_MAX_MB, metavar="MB",
                   help=f"refuse a page larger than this (default: {EXTRACT_MAX_MB:g})")
