"""A small, known history for the board's tests, written through db.repo like a crawl would:
one site, ten days, our product "A", a competitor "C1" mapped to it (``compare_to``) that
advertises and goes on promotion, and a competitor whose title is markup. The ranks crawl of
``BLOCKED`` was blocked (no ranks that day: a gap, never "not ranked")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from config import Config, parse_config
from db import repo
from db.models import Alert
from db.session import session_scope, upgrade

DAY = dt.date(2026, 11, 30)
DAYS = [DAY - dt.timedelta(days=n) for n in range(9, -1, -1)]
BLOCKED = DAY - dt.timedelta(days=2)
SITE = "shop"
TERM = "扫地机器人"
EVIL = "<img src=x onerror=alert(1)>"
KEPT_BODY = "<html><body><h1>访问验证</h1><script>alert('kept')</script></body></html>"


def config_for(url: str, **sections: Any) -> Config:
    return parse_config({
        "database_url": url,
        "sites": [{"name": SITE, "base_url": "http://127.0.0.1:9"}],
        "keywords": [{"term": TERM, "group": "清洁", "sites": [SITE]}],
        "products": [{"site": SITE, "id": "A", "role": "own", "group": "清洁"},
                     {"site": SITE, "id": "C1", "role": "competitor", "group": "清洁",
                      "compare_to": "A"}],
        **sections})


def _position(pid: str, day: dt.date) -> tuple[int | None, int | None]:
    """(organic place, ad place) of a product on a day."""
    if pid == "A":
        return (6 if day == DAY else 3), None
    if pid == "C1":
        return 1, (1 if day >= DAY - dt.timedelta(days=1) else None)
    return 2, None


def _snapshot(pid: str, day: dt.date) -> dict[str, Any]:
    price = {"A": Decimal("100.00"), "C1": Decimal("90.00"), "X": Decimal("50.00")}[pid]
    promoted = pid == "C1" and day >= DAY - dt.timedelta(days=1)
    out = pid == "X" and day == DAY
    return {"price": price, "list_price": Decimal("120.00") if promoted else None,
            "currency": "CNY", "in_stock": not out,
            "stock_state": "out_of_stock" if out else "in_stock", "sales_count": 10,
            "title": "Our A robot" if pid == "A" else ("C1 new title" if pid == "C1" and day == DAY
                                                       else f"{pid} robot"),
            "from_page": True, "price_high": None, "list_price_high": None,
            "price_raw": str(price), "stock_count": None, "rating": None,
            "review_count": None}


def build_history(url: str) -> Config:
    """Migrate ``url`` and write the history; returns its config."""
    upgrade(url)
    config = config_for(url)
    products = [{"external_id": "A", "title": "Our A robot", "shop": "我们的店", "is_own": True,
                 "role": "own", "group": "清洁", "url": "https://shop.example/item/A"},
                {"external_id": "C1", "title": "C1 robot", "shop": "对手店", "is_own": False,
                 "role": "competitor", "group": "清洁", "url": None},
                {"external_id": "X", "title": EVIL, "shop": "对手店", "is_own": False,
                 "role": "competitor", "group": None,  # found by search only
                 "url": "javascript:alert(1)"}]
    with session_scope(url) as session:
        site_id = repo.ensure_site(session, SITE, "generic", "http://127.0.0.1:9")
        keyword_id = repo.ensure_keyword(session, site_id, TERM, "清洁")
        ids = repo.upsert_products(session, site_id, products)
        for day in DAYS:
            run_id, attempt = repo.begin_run(session, site_id, "ranks", day)
            if day == BLOCKED:
                repo.finish_run(session, run_id, "blocked", items=0, pages=1, errors=1,
                                error_summary="blocked: captcha page")
                repo.save_blocked_page(session, run_id, "http://127.0.0.1:9/s?q=x",
                                       "blocked: captcha page", KEPT_BODY, status=200,
                                       content_type="text/html")
                continue
            repo.upsert_snapshots(session, [{"crawl_run_id": run_id, "product_id": ids[pid],
                                             "attempt": attempt, **_snapshot(pid, day)}
                                            for pid in ids])
            ranks = []
            for pid in ids:
                organic, ad = _position(pid, day)
                if organic is not None:
                    ranks.append({"crawl_run_id": run_id, "keyword_id": keyword_id,
                                  "product_id": ids[pid], "attempt": attempt,
                                  "position": organic + 1, "organic_position": organic,
                                  "page": 1, "sponsored": False})
                if ad is not None:
                    ranks.append({"crawl_run_id": run_id, "keyword_id": keyword_id,
                                  "product_id": ids[pid], "attempt": attempt, "position": ad,
                                  "organic_position": None, "page": 1, "sponsored": True})
            repo.upsert_ranks(session, ranks)
            repo.finish_run(session, run_id, "ok", items=len(ids), pages=1, errors=0,
                            error_summary=None)
        session.add_all([
            Alert(day=DAY, kind="rank_drop", severity="warning", site=SITE,
                  product_external_id="A", keyword=TERM, subject="“Our A robot” fell from 3 "
                  "to 6", before="3", after="6", dedup_key="r1", group="清洁"),
            Alert(day=DAY, kind="stock_out", severity="critical", site=SITE,
                  product_external_id="X", subject=f"“{EVIL}” is out of stock",
                  before="in stock", after="out of stock", dedup_key="s1", group="清洁"),
            Alert(day=DAY, kind="price_move", severity="info", site=SITE,
                  product_external_id="C1", subject="“C1 robot” price moved",
                  before="¥90.00", after="¥90.00", dedup_key="p1", group="清洁")])
    return config
