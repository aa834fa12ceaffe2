"""Write items to the database in batches and keep each site's crawl run up to date."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)

from config import Config
from crawlers.health import KEPT_CHARS, SiteHealth
from crawlers.identity import Identity
from crawlers.items import ProductItem, RankItem, SuggestionItem
from crawlers.spiders.base import ShopSpider
from crawlers.validate import (
    Fixes,
    clean_item,
    clean_page,
    clean_term,
    clean_text,
    clean_url,
    price_unknown,
)
from db import repo
from db.session import session_scope

logger = logging.getLogger(__name__)


class DatabasePipeline:
    """Buffers items and upserts them every ``SHOPWATCH_BATCH_SIZE`` items and at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config: Config = crawler.settings["SHOPWATCH_CONFIG"]
        self.identity = Identity(self.config)
        self.keyword_groups = {clean_term(k.term): k.group for k in self.config.keywords}
        self.day: dt.date = crawler.settings["SHOPWATCH_DAY"]
        self.batch_size = crawler.settings.getint("SHOPWATCH_BATCH_SIZE", 500)
        self.buffer: list[ProductItem | RankItem | SuggestionItem] = []
        self.runs: dict[str, tuple[int, int, int]] = {}  # site -> (site id, run id, attempt)
        self.keyword_ids: dict[tuple[str, str], int] = {}
        self.fixes: dict[str, Fixes] = {}  # site -> what cleaning changed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DatabasePipeline:
        return cls(crawler)

    @property
    def spider(self) -> ShopSpider:
        spider = self.crawler.spider
        assert isinstance(spider, ShopSpider)
        return spider

    def open_spider(self) -> None:
        spider = self.spider
        with session_scope(self.config.database_url) as session:
            for site in spider.target_sites():
                if not spider.has_work(site):
                    continue
                site_id = repo.ensure_site(session, site.name, site.adapter, site.base_url)
                run_id, attempt = repo.begin_run(session, site_id, spider.name, self.day)
                self.runs[site.name] = (site_id, run_id, attempt)
                for keyword in spider.keywords_of(site):
                    term = clean_term(keyword.term)  # as the items carry it
                    self.keyword_ids[site.name, term] = repo.ensure_keyword(
                        session, site_id, term, keyword.group)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ProductItem | RankItem | SuggestionItem):
            return item
        self._count_fixes(item.site, clean_item(item))
        product = item.product if isinstance(item, RankItem) else item
        if isinstance(product, ProductItem) and price_unknown(product):
            self.spider.site_health(product.site).unknown_prices += 1
            self.crawler.stats.inc_value("shopwatch/unknown_prices")
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def _count_fixes(self, site: str, fixes: Fixes) -> None:
        for name, count in fixes.counts().items():
            self.crawler.stats.inc_value(f"shopwatch/cleaned/{name}", count)
        self.fixes.setdefault(site, Fixes()).add(fixes)

    def close_spider(self) -> None:
        """Write what is left, then finish every run of the crawl, whatever happened."""
        failure = None
        try:
            self.flush()
        except Exception as exc:  # recorded on the runs below, then left to Scrapy to log
            failure = f"the last items could not be written: {_why(exc)}"
            raise
        finally:
            for site, (_site_id, run_id, attempt) in self.runs.items():
                try:
                    self._finish_run(site, run_id, attempt, failure)
                except SQLAlchemyError as exc:  # the database is gone: the runner closes it
                    logger.error("crawl run %s/%s %s left open: %s", site, self.spider.name,
                                 self.day, _why(exc))

    def _finish_run(self, site: str, run_id: int, attempt: int, failure: str | None) -> None:
        seen = self.spider.health.get(site)
        if seen is None:
            seen = SiteHealth()
            seen.error("no pages were requested")
        status = "failed" if failure else seen.status
        summary = clean_text("; ".join(r for r in (failure, seen.summary) if r))
        fixes = self.fixes.get(site)
        if fixes and fixes.counts():  # a cut loses text: the operator hears of it
            logger.log(logging.WARNING if fixes.cut else logging.INFO,
                       "%s/%s: scraped text cleaned before storing: %s", site,
                       self.spider.name, fixes.counts())
        try:
            with session_scope(self.config.database_url) as session:
                repo.finish_run(session, run_id, status, items=seen.stored, pages=seen.pages,
                                errors=seen.errors + seen.blocked, error_summary=summary,
                                page_counts=seen.by_type, unknown_prices=seen.unknown_prices)
                if status == "ok":
                    repo.prune_stale(session, run_id, attempt)
                kept = seen.kept_page
                if kept is not None:  # what the platform showed, for the board's Runs page
                    repo.save_blocked_page(session, run_id, clean_url(kept.url) or "",
                                           clean_text(kept.reason) or "",
                                           clean_page(kept.body, KEPT_CHARS),
                                           status=kept.status, content_type=kept.content_type)
        except (SQLAlchemyError, ValueError) as exc:
            logger.error("crawl run %s/%s %s could not be finished: %s", site,
                         self.spider.name, self.day, _why(exc))
            with session_scope(self.config.database_url) as session:
                repo.finish_run(session, run_id, "failed", items=seen.stored, pages=seen.pages,
                                errors=seen.errors + seen.blocked, error_summary=clean_text(
                                    f"the run could not be finished: {_why(exc)}"))
            return
        logger.info("crawl run %s/%s %s: %s", site, self.spider.name, self.day, status)

    def flush(self) -> None:
        if not self.buffer:
            return
        by_site: dict[str, list[ProductItem | RankItem | SuggestionItem]] = defaultdict(list)
        for item in self.buffer:
            by_site[item.site].append(item)
        for site, items in by_site.items():
            if site in self.runs:
                self._store(site, items)
        self.buffer.clear()

    def _store(self, site: str, items: list[ProductItem | RankItem | SuggestionItem]) -> None:
        """Write ``items`` in one transaction. A batch the database refuses is split in halves
        down to the items it refuses on their own: those are counted and reported on the run
        (which ends partial), the others are stored."""
        try:
            with session_scope(self.config.database_url) as session:
                self._write_site(session, site, items)
        except (ValueError, TypeError, StatementError) as exc:
            if isinstance(exc, OperationalError | InterfaceError):
                raise  # the database, not the data: no row would do better
            if len(items) > 1:
                half = len(items) // 2
                self._store(site, items[:half])
                self._store(site, items[half:])
                return
            reason = clean_text(f"{_describe(items[0])}: {_why(exc)}") or "?"
            logger.error("%s/%s: an item could not be stored: %s", site, self.spider.name,
                         reason)
            self.spider.site_health(site).not_stored(reason)
            self.crawler.stats.inc_value("shopwatch/items_not_stored")
            return
        self.crawler.stats.inc_value("shopwatch/items_written", len(items))

    def _product_row(self, item: ProductItem) -> dict[str, Any]:
        role = self.identity.role(item)
        return {"external_id": item.external_id, "url": item.url, "title": item.title,
                "shop": item.shop, "brand": item.brand, "is_own": role == "own", "role": role,
                "group": self.identity.group(item)}

    def _write_site(self, session: Any, site: str,
                    items: list[ProductItem | RankItem | SuggestionItem]) -> None:
        site_id, run_id, attempt = self.runs[site]
        for item in items:
            if isinstance(item, SuggestionItem):
                group = self.keyword_groups.get(item.seed, "default")
                repo.add_suggestions(session, site_id, group, item.seed, item.terms, run_id,
                                     attempt)
        products = [i.product if isinstance(i, RankItem) else i for i in items
                    if not isinstance(i, SuggestionItem)]
        ids = repo.upsert_products(session, site_id, [self._product_row(p) for p in products])
        snapshots = [_snapshot_row(p, run_id, ids[p.external_id], attempt) for p in products]
        repo.upsert_snapshots(session, snapshots)
        repo.replace_attributes(session, site, "page", {  # a page without a spec table has none
            p.external_id: p.attributes for p in products if p.from_product_page})
        repo.upsert_ranks(session, [
            {"crawl_run_id": run_id, "keyword_id": self.keyword_ids[site, i.keyword],
             "product_id": ids[i.product.external_id], "attempt": attempt,
             "position": i.position, "organic_position": i.organic_position, "page": i.page,
             "sponsored": i.sponsored}
            for i in items if isinstance(i, RankItem)])


STATE_OF_FLAG: dict[bool | None, str] = {True: "in_stock", False: "out_of_stock"}


def _snapshot_row(item: ProductItem, run_id: int, product_id: int, attempt: int) -> dict[str, Any]:
    price, list_price = item.price, item.list_price
    return {
        "crawl_run_id": run_id, "product_id": product_id, "attempt": attempt,
        "price": price.amount if price else None,
        "list_price": list_price.amount if list_price else None,
        "price_high": item.price_high.amount if item.price_high else None,
        "list_price_high": item.list_price_high.amount if item.list_price_high else None,
        "currency": (price.currency if price else None),
        "price_raw": price.raw if price else None,
        "in_stock": item.in_stock,
        # adapters that read a quantity or a flag (Taobao) set in_stock only
        "stock_state": item.stock_state or STATE_OF_FLAG.get(item.in_stock),
        "stock_count": item.stock_count,
        "from_page": item.from_product_page, "sales_count": item.sales_count, "rating": item.rating,
        "review_count": item.review_count, "title": item.title,
    }


def _describe(item: ProductItem | RankItem | SuggestionItem) -> str:
    if isinstance(item, SuggestionItem):
        return f"the suggestions of “{item.seed}”"
    if isinstance(item, RankItem):
        return f"rank {item.position} of “{item.keyword}” (product {item.product.external_id})"
    return f"product {item.external_id}"


def _why(exc: BaseException) -> str:
    """The database's own words (its first line), without the statement and parameters."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(cause).strip().splitlines() or [""]
    return f"{type(cause).__name__}: {lines[0][:200]}"
