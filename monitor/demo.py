"""``shopwatch demo``: the daily job on the bundled demo shop, day 1 then day 2, in a fresh DB."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from config import load_config
from demoshop.catalog import OWN_BRAND, OWN_SHOP, SHOPS
from demoshop.server import ShopServer
from monitor.service.job import DayResult, Step, run_day

DEMO_KEYWORDS = (
    ("扫地机器人", "清洁", ("demo", "demo-h5")), ("扫拖一体", "清洁", ("demo",)),
    ("无线吸尘器", "清洁", ("demo",)), ("空气净化器", "空气", ("demo",)),
    ("除甲醛", "空气", ("demo",)), ("加湿器", "空气", ("demo",)),
    ("智能门锁", "安防", ("demo",)), ("指纹锁", "安防", ("demo",)),
    ("智能音箱", "音箱", ("demo",)), ("智能插座", "音箱", ("demo",)),
)


def demo_config(base_url: str, out: Path) -> str:
    """The demo's TOML: every shop's listing, ten keywords, one site searched by browser."""
    keywords = "\n".join(
        f'[[keywords]]\nterm = "{term}"\ngroup = "{group}"\nsites = {json.dumps(list(sites))}\n'
        for term, group, sites in DEMO_KEYWORDS)
    listings = json.dumps([f"/shop/{key}" for key in SHOPS])
    competitors = json.dumps([name for key, (name, _b) in SHOPS.items() if key != "zhixiang"],
                             ensure_ascii=False)
    return f"""# Written by `shopwatch demo` for the bundled demo shop at {base_url}
database_url = "sqlite:///{(out / 'shopwatch.db').resolve()}"
export_dir = "{out.resolve()}"
language = "zh-CN"

[own]
shops = ["{OWN_SHOP}"]
brands = ["{OWN_BRAND}"]

[competitors]
shops = {competitors}

[[sites]]
name = "demo"
base_url = "{base_url}"
listing_paths = {listings}
download_delay = 0.0
autothrottle = false
concurrency = 16

[[sites]]
name = "demo-h5"
base_url = "{base_url}"
render = "browser"
search_path = "/h5/search?q={{keyword}}&page={{page}}"
wait_for = "ul.result-list, .no-result"
# the same shop as "demo", read through a browser: its products are watched on "demo" already
watch_top = 0
download_delay = 0.0
autothrottle = false
concurrency = 2

{keywords}
[thresholds]
rank_drop = 3
price_move_pct = 5.0
"""


def _alert_json(alert: Any) -> dict[str, Any]:
    return {"date": alert.day.isoformat(), "kind": alert.kind, "severity": alert.severity,
            "site": alert.site, "product_id": alert.product_id, "keyword": alert.keyword,
            "subject": alert.subject, "before": alert.before, "after": alert.after}


def run_demo(out: Path, step: Step, day2: dt.date | None = None) -> dict[str, Any]:
    """Crawl day 1 and day 2 of the demo shop into ``out`` and summarise what was found."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("shopwatch.db", "shopwatch.db-wal", "shopwatch.db-shm"):
        (out / name).unlink(missing_ok=True)
    os.environ.pop("SHOPWATCH_DATABASE_URL", None)  # the demo always uses its own SQLite file
    shop = ShopServer().start_background()
    step(f"demo shop running at {shop.url}")
    try:
        config_path = out / "shopwatch.toml"
        config_path.write_text(demo_config(shop.url, out), "utf-8")
        config = load_config(config_path)
        second = day2 or dt.date.today()
        results: list[DayResult] = []
        for shop_day, day in ((1, second - dt.timedelta(days=1)), (2, second)):
            shop.set(day=shop_day)
            results.append(run_day(str(config_path), config, day, notify_now=shop_day == 2,
                                   eml_dir=out, step=step))
    finally:
        shop.shutdown()
        shop.server_close()
    return _summary(out, config.database_url, results)


def _summary(out: Path, database_url: str, results: list[DayResult]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from db.models import CrawlRun, Product, ProductSnapshot, RankObservation, Site
    from db.session import session_scope

    last = results[-1]
    with session_scope(database_url) as session:
        runs = [{"site": site, "spider": r.spider, "date": r.day.isoformat(), "status": r.status,
                 "items": r.items_count, "pages": r.pages_count, "errors": r.error_summary}
                for site, r in session.execute(select(Site.name, CrawlRun)
                                               .join(Site, Site.id == CrawlRun.site_id)
                                               .order_by(CrawlRun.day, Site.name))]
        counts = {
            "products": session.scalar(select(func.count()).select_from(Product)),
            "snapshots": session.scalar(select(func.count()).select_from(ProductSnapshot)),
            "rank_observations": session.scalar(select(func.count())
                                                .select_from(RankObservation)),
            "crawl_runs": len(runs),
        }
    alerts = [_alert_json(a) for a in last.alerts]
    summary: dict[str, Any] = {
        "days": [r.day.isoformat() for r in results],
        "counts": {**counts, "alerts": len(alerts),
                   "alerts_by_kind": dict(Counter(a["kind"] for a in alerts))},
        "crawl_runs": runs,
        "alerts": alerts,
        "files": {name: str(path) for name, path in last.files.items()},
    }
    summary_path = out / "summary.json"
    summary["files"]["summary"] = str(summary_path)
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    return summary
