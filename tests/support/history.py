"""A stored crawl history, written day by day as the pipeline would, for detection tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation, Site

START = dt.date(2026, 11, 1)


class History:
    """One demo site, the keyword 扫地机器人 (group 清洁), our product o1 and competitors
    c1-c3; writes crawl runs, ranks and snapshots into ``session`` (flushed, not committed:
    the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        site = Site(name="demo", adapter="demoshop", base_url="http://127.0.0.1:9")
        session.add(site)
        session.flush()
        self.site = site.id
        keyword = Keyword(site_id=site.id, term="扫地机器人", group="清洁")
        session.add(keyword)
        self.products = {}
        for pid, own in [("o1", True), ("c1", False), ("c2", False), ("c3", False)]:
            product = Product(site_id=site.id, external_id=pid, title=f"vacuum {pid}",
                              is_own=own, role="own" if own else "competitor", group="清洁")
            session.add(product)
            session.flush()
            self.products[pid] = product.id
        self.keyword = keyword.id

    def _run(self, day: dt.date, spider: str, status: str, items: int) -> int:
        run = CrawlRun(site_id=self.site, spider=spider, day=day, status=status,
                       items_count=items)
        self.session.add(run)
        self.session.flush()
        return run.id

    def ranks(self, day: dt.date, positions: dict[str, int], status: str = "ok",
              filler: int = 20, cards: dict[str, tuple[str, bool]] | None = None) -> None:
        """Our and competitors' positions; ``filler`` other results make the run's size;
        ``cards``: the price and stock a result's entry showed, as the pipeline stores them."""
        run = self._run(day, "ranks", status, len(positions) + filler)
        for pid, position in positions.items():
            self.session.add(RankObservation(crawl_run_id=run, keyword_id=self.keyword,
                                             product_id=self.products[pid], position=position,
                                             organic_position=position, page=1))
        for pid, (price, in_stock) in (cards or {}).items():
            self.session.add(ProductSnapshot(crawl_run_id=run, product_id=self.products[pid],
                                             price=Decimal(price), currency="CNY",
                                             in_stock=in_stock, title=f"vacuum {pid}",
                                             from_page=False))
        self.session.flush()

    def listings(self, day: dt.date, prices: dict[str, str | None], status: str = "ok",
                 stock: dict[str, bool] | None = None) -> None:
        run = self._run(day, "listings", status, len(prices))
        for pid, price in prices.items():
            self.session.add(ProductSnapshot(
                crawl_run_id=run, product_id=self.products[pid],
                price=Decimal(price) if price else None, currency="CNY",
                in_stock=(stock or {}).get(pid, True), title=f"vacuum {pid}"))
        self.session.flush()
