"""The generic adapter on saved real sites, configured only by the TOML in docs/sites.md."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawlers.runner import crawl_in_child
from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation
from db.session import session_scope, upgrade
from tests.support import (
    config_dict,
    documented_site,
    keyword,
    realpages,
    serve_directory,
    site_block,
    write_config,
)

DAY = dt.date(2026, 11, 24)


def _config(tmp_path: Path, name: str, base_url: str, db_url: str,
            keywords: Iterable[dict[str, Any]] = (), **site: Any) -> Path:
    """The site block of docs/sites.md as documented, served from ``base_url``; ``site``
    overrides some of its keys."""
    (block,) = tomllib.loads(documented_site(name))["sites"]
    return write_config(tmp_path / f"{name}.toml", config_dict(
        db_url, {**block, "base_url": base_url, **site}, keywords=keywords))


def _crawl(config: Path, db_url: str) -> CrawlRun:
    upgrade(db_url)
    result = crawl_in_child(str(config), DAY, ["listings"], timeout_s=300)
    assert result.returncode == 0, result.stderr_tail
    with session_scope(db_url) as session:
        return session.scalars(select(CrawlRun)).one()


def test_books_catalogue_with_pagination_and_product_pages(sqlite_url: str, tmp_path: Path) -> None:
    folder = realpages("books.toscrape.com")
    with serve_directory(folder) as url:
        run = _crawl(_config(tmp_path, "books", url, sqlite_url), sqlite_url)
    with session_scope(sqlite_url) as s:
        products = s.scalar(select(func.count()).select_from(Product))
        snaps = {p.external_id: snap for p, snap in s.execute(
            select(Product, ProductSnapshot).join(ProductSnapshot))}
    assert products == 980
    assert len(snaps) == 980
    assert [x for x in snaps.values() if not x.title] == []
    assert {x.currency for x in snaps.values()} == {"GBP"}
    assert sum(x.price for x in snaps.values()) == Decimal("34326.36")
    assert Counter(x.rating for x in snaps.values()) == {  # stars: every book has some
        Decimal(1): 221, Decimal(2): 194, Decimal(3): 198, Decimal(4): 176, Decimal(5): 191}
    from_pages = [x for x in snaps.values() if x.from_page]
    assert len(from_pages) == 200
    stock = [x.stock_count for x in from_pages]  # "In stock (22 available)"
    assert (min(stock), max(stock), sum(stock)) == (15, 22, 3240)
    light = snaps["1000"]
    assert (light.title, light.price, light.rating, light.stock_count, light.in_stock) == (
        "A Light in the Attic", Decimal("51.77"), Decimal(3), 22, True)
    # 780 product pages and listing page 50 are not in the mirror: a partial run that says so
    assert run.status == "partial"
    assert run.page_counts is not None
    assert run.page_counts["listing"] == {"pages": 49, "items": 980, "errors": 1, "blocked": 0}
    assert run.page_counts["product"] == {"pages": 200, "items": 200, "errors": 780,
                                          "blocked": 0}
    assert "HTTP 404" in (run.error_summary or "")


@pytest.mark.browser
def test_javascript_quotes_through_the_browser(tmp_path: Path) -> None:
    import xstatic.pkg.jquery

    folder = realpages("quotes.toscrape.com")
    db_url = f"sqlite:///{tmp_path / 'q.db'}"
    jquery = Path(xstatic.pkg.jquery.BASE_DIR) / "jquery.js"
    with serve_directory(folder, {"/static/jquery.js": jquery}) as url:
        run = _crawl(_config(tmp_path, "quotes-js", url, db_url), db_url)
    with session_scope(db_url) as s:
        titles = list(s.scalars(select(Product.title)))
        brands = set(s.scalars(select(Product.brand)))
    assert run.status == "ok", run.error_summary
    assert run.page_counts is not None and run.page_counts["listing"]["pages"] == 10
    assert len(titles) == len(set(titles)) == 100
    assert any(t and t.startswith("“The world as we have created it") for t in titles)
    assert "Albert Einstein" in brands


def test_javascript_quotes_over_plain_http_say_why(tmp_path: Path) -> None:
    folder = realpages("quotes.toscrape.com")
    db_url = f"sqlite:///{tmp_path / 'q.db'}"
    with serve_directory(folder) as url:
        config = _config(tmp_path, "quotes-js", url, db_url, render="http")
        run = _crawl(config, db_url)
    assert run.status == "failed" and run.items_count == 0
    assert "no entries match 'div.quote'" in (run.error_summary or "")
    assert 'set render = "browser"' in (run.error_summary or "")


SEARCH_PAGES = json.loads((Path(__file__).parent / "fixtures" / "search_pages.json")
                          .read_text("utf-8"))


@pytest.mark.parametrize(("site", "folder"), [("aliexpress", "aliexpress_search_wayback"),
                                              ("ebay", "ebay_search_wayback"),
                                              ("etsy", "etsy_search_wayback")])
def test_marketplace_search_pages_rank_every_entry(site: str, folder: str,
                                                   tmp_path: Path) -> None:
    pages = realpages(folder)
    expected = SEARCH_PAGES[folder]
    db_url = f"sqlite:///{tmp_path / 's.db'}"
    with serve_directory(pages) as url:
        config = _config(tmp_path, site, url, db_url,
                         keywords=[keyword(name, site) for name in expected])
        upgrade(db_url)
        result = crawl_in_child(str(config), DAY, ["ranks"], timeout_s=300)
    assert result.returncode == 0, result.stderr_tail
    statement = (select(Keyword.term, RankObservation, Product)
                 .join(RankObservation, RankObservation.keyword_id == Keyword.id)
                 .join(Product, Product.id == RankObservation.product_id)
                 .order_by(Keyword.term, RankObservation.position))
    with session_scope(db_url) as s:
        run = s.scalars(select(CrawlRun)).one()
        seen: dict[str, list[tuple[RankObservation, Product]]] = {}
        for term, observation, product in s.execute(statement):
            seen.setdefault(term, []).append((observation, product))
    assert run.status == "ok", run.error_summary
    for name, truth in expected.items():
        rows = seen.get(name, [])
        assert len(rows) == truth["entries"], name
        assert [o.position for o, _p in rows] == list(range(1, truth["entries"] + 1)), name
        ads = [o for o, _p in rows if o.sponsored]
        assert len(ads) == truth["ads"], name
        organic = [o.organic_position for o, _p in rows if not o.sponsored]
        assert organic == list(range(1, len(organic) + 1)), name
        assert all(p.title and p.url for _o, p in rows), name


PRODUCT_WITH_SKU = """<html><head><title>云栖 T5 扫地机器人</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
 "name": "云栖 T5 扫地机器人", "sku": "100012043978",
 "offers": {"@type": "Offer", "price": "1999.00", "priceCurrency": "CNY",
            "availability": "https://schema.org/InStock"}}</script></head>
<body><h1>云栖 T5 扫地机器人</h1><p class="price">¥1999.00</p></body></html>"""


@pytest.mark.parametrize(("canonical", "expected"), [
    ("", "100012043978"),  # no address at all: the structured sku
    ('<link rel="canonical" href="https://shop.test/item/555.html">', "555"),  # the page's own
], ids=["sku", "canonical"])
def test_extract_a_saved_product_page_without_url_keeps_its_real_id(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], canonical: str,
        expected: str) -> None:
    from monitor.cli import main

    config = write_config(tmp_path / "shopwatch.toml", config_dict(None, site_block(
        "myshop", "https://shop.test", adapter="generic", product_path="/item/{id}.html",
        product={"id_pattern": r"/item/(\d+)"})))
    page = tmp_path / "item.html"
    page.write_text(PRODUCT_WITH_SKU.replace("</title>", "</title>" + canonical), "utf-8")
    code = main(["extract", str(page), "--site", "myshop", "--page", "product", "--json",
                 "--config", str(config)])
    item = json.loads(capsys.readouterr().out)["item"]
    assert code == 0
    assert (item["id"], item["price"], item["currency"]) == (expected, "1999.00", "CNY")
    assert not item["id"].startswith("h")


@pytest.mark.parametrize(("availability", "label", "state", "in_stock"), [
    ("https://schema.org/PreOrder", "", "preorder", None),
    ("https://schema.org/BackOrder", "", "backorder", None),
    ("https://schema.org/LimitedAvailability", "", "in_stock", True),
    ("", "Nicht auf Lager", "out_of_stock", False),
    ("", "not available", "out_of_stock", False),
    ("", "无货", "out_of_stock", False),
])
def test_a_product_page_keeps_its_stock_state(availability: str, label: str, state: str,
                                              in_stock: bool | None) -> None:
    """A pre-order is not a stock-out: the state is stored, in_stock only says yes or no."""
    from scrapy.http import HtmlResponse

    from config import PageSelectors, SiteConfig
    from crawlers.sites import generic

    offer = f', "availability": "{availability}"' if availability else ""
    html = re.sub(r',\s*"availability": "[^"]*"', offer, PRODUCT_WITH_SKU)
    assert (availability or "InStock") in html if availability else "InStock" not in html
    html = html.replace("</body>", f"<p class='stock'>{label}</p></body>")
    site = SiteConfig(name="s", adapter="generic", base_url="https://shop.test",
                      product=PageSelectors(stock=".stock"))
    item = generic.parse_product(HtmlResponse("https://shop.test/item/1.html",
                                              body=html.encode("utf-8")), site)
    assert (item.stock_state, item.in_stock) == (state, in_stock)
