"""Crawls of the demo shop into SQLite and PostgreSQL: positions, idempotent reruns, blocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import load_config
from crawlers.runner import crawl_in_child
from db.models import CrawlRun, Keyword, Product, ProductSnapshot, RankObservation
from db.session import current_revision, head_revision, session_scope, upgrade
from demoshop import catalog
from demoshop.server import ShopServer
from monitor.runner import run_monitor
from tests.support import demo_config, keyword, write_config

DAY = dt.date(2026, 11, 24)
SPIDERS = ["listings", "ranks"]  # suggest has a test of its own


def test_migrations_are_idempotent_and_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db.models import Base
    from db.session import get_engine

    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _counts(url: str) -> tuple[int, int, int, int]:
    with session_scope(url) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Product, ProductSnapshot, RankObservation, CrawlRun))


def _ranks(url: str, day: dt.date) -> list[tuple[int, int | None, int, bool, str]]:
    statement = (select(RankObservation.position, RankObservation.organic_position,
                        RankObservation.page, RankObservation.sponsored, Product.external_id)
                 .join(Product, Product.id == RankObservation.product_id)
                 .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
                 .join(Keyword, Keyword.id == RankObservation.keyword_id)
                 .where(CrawlRun.day == day, Keyword.term == "扫地机器人")
                 .order_by(RankObservation.position))
    with session_scope(url) as s:
        return [tuple(row) for row in s.execute(statement)]  # type: ignore[misc]


def test_crawl_stores_every_rank_and_a_rerun_duplicates_nothing(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "c.toml", demo_config(
        shop.url, db_url, competitors={"shops": ["追觅官方旗舰店"]}))
    upgrade(db_url)
    result = crawl_in_child(str(config_path), DAY, SPIDERS, timeout_s=120)
    assert result.returncode == 0, result.stderr_tail
    ranks = _ranks(db_url, DAY)
    with session_scope(db_url) as s:
        roles = {(p.shop, p.role) for p in s.scalars(select(Product))}
    assert ("智享家官方旗舰店", "own") in roles and ("追觅官方旗舰店", "competitor") in roles
    assert ("石头科技旗舰店", "other") in roles
    assert {role for shop, role in roles if shop == "追觅官方旗舰店"} == {"competitor"}
    truth = [slot for page in (1, 2, 3) for slot in catalog.result_page("扫地机器人", page, 1)[0]]
    assert ranks == [(s.position, s.organic_position, s.page, s.sponsored, s.product.id)
                     for s in truth]
    assert [r[0] for r in ranks] == list(range(1, len(ranks) + 1))
    listed = len(catalog.shop_products("zhixiang", 1)) + len(catalog.shop_products("dreame", 1))
    with session_scope(db_url) as s:
        runs = {r.spider: r for r in s.scalars(select(CrawlRun))}
        own = s.scalar(select(func.count()).select_from(Product).where(Product.is_own))
    assert {k: r.status for k, r in runs.items()} == {"listings": "ok", "ranks": "ok"}
    assert runs["listings"].items_count == listed
    assert own == len(catalog.shop_products("zhixiang", 1))
    before = _counts(db_url)

    result = crawl_in_child(str(config_path), DAY, SPIDERS, timeout_s=120)
    assert result.returncode == 0, result.stderr_tail
    assert _counts(db_url) == before
    assert _ranks(db_url, DAY) == ranks
    with session_scope(db_url) as s:
        assert {r.attempt for r in s.scalars(select(CrawlRun))} == {2}


def test_a_captcha_marks_the_run_blocked_and_raises_no_rank_loss(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "c.toml", demo_config(shop.url, db_url, listing_paths=()))
    upgrade(db_url)
    assert crawl_in_child(str(config_path), DAY, SPIDERS, timeout_s=120).returncode == 0
    shop.set(day=2, captcha=1.0)
    day2 = DAY + dt.timedelta(days=1)
    assert crawl_in_child(str(config_path), day2, SPIDERS, timeout_s=120).returncode == 0
    config = load_config(config_path)
    with session_scope(db_url) as s:
        run = s.scalars(select(CrawlRun).where(CrawlRun.day == day2)).one()
        alerts = run_monitor(s, config, day2)
    assert run.status == "blocked"
    assert "captcha" in (run.error_summary or "")
    assert [a.kind for a in alerts] == ["crawl_blocked"]


def test_server_errors_are_retried_then_reported(shop: ShopServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    config_path = write_config(tmp_path / "c.toml", demo_config(shop.url, url, listing_paths=()))
    shop.set(error=1.0)
    upgrade(url)
    assert crawl_in_child(str(config_path), DAY, SPIDERS, timeout_s=120).returncode == 0
    with session_scope(url) as s:
        run = s.scalars(select(CrawlRun)).one()
    assert run.status == "failed"
    assert "503" in (run.error_summary or "")
    searches = [path for _t, path, _h in shop.state.seen if path.startswith("/search")]
    assert len(searches) == 4  # the first try and three retries


@pytest.mark.browser
def test_javascript_search_through_chromium(shop: ShopServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    config_path = write_config(tmp_path / "c.toml", demo_config(
        shop.url, url, listing_paths=(),
        site={"render": "browser", "search_path": "/h5/search?q={keyword}&page={page}",
              "wait_for": "ul.result-list, .no-result"}))
    upgrade(url)
    result = crawl_in_child(str(config_path), DAY, SPIDERS, timeout_s=180)
    assert result.returncode == 0, result.stderr_tail
    truth = [slot for page in (1, 2, 3) for slot in catalog.result_page("扫地机器人", page, 1)[0]]
    assert _ranks(url, DAY) == [(s.position, s.organic_position, s.page, s.sponsored,
                                 s.product.id) for s in truth]


def test_javascript_search_over_plain_http_says_why(shop: ShopServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    config_path = write_config(tmp_path / "c.toml", demo_config(
        shop.url, url, listing_paths=(),
        site={"search_path": "/h5/search?q={keyword}&page={page}"}))
    upgrade(url)
    assert crawl_in_child(str(config_path), DAY, SPIDERS, timeout_s=120).returncode == 0
    with session_scope(url) as s:
        run = s.scalars(select(CrawlRun)).one()
    assert run.status == "failed" and run.items_count == 0
    assert "no result list" in (run.error_summary or "")


def test_suggestions_become_keyword_candidates(db_url: str, shop: ShopServer,
                                               tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "c.toml", demo_config(
        shop.url, db_url, listing_paths=(),
        keywords=[keyword("加湿器", "空气", ["demo"]), keyword("智能门锁", "安防", ["demo"])]))
    upgrade(db_url)
    result = crawl_in_child(str(config_path), DAY, spiders=["suggest"], timeout_s=120)
    assert result.returncode == 0, result.stderr_tail
    with session_scope(db_url) as s:
        rows = {(k.term, k.group, k.source) for k in s.scalars(select(Keyword))}
        run = s.scalars(select(CrawlRun)).one()
    expected = {(term, group, "suggestion") for seed, group in (("加湿器", "空气"),
                                                                ("智能门锁", "安防"))
                for term in catalog.suggestions(seed) if term != seed}
    manual = {("加湿器", "空气", "manual"), ("智能门锁", "安防", "manual")}
    assert len(expected) == 20 and rows == expected | manual  # 10 suggestions per seed
    assert (run.spider, run.status, run.items_count) == ("suggest", "ok", 2)


def test_a_parser_crash_is_not_a_clean_crawl(shop: ShopServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from crawlers.health import SiteHealth
    from crawlers.spiders.base import ShopSpider
    from crawlers.spiders.ranks import RanksSpider

    spider = RanksSpider()
    spider.health = {"demo": SiteHealth()}
    site = load_config(write_config(tmp_path / "c.toml", demo_config(shop.url, "sqlite://"))).sites[0]

    def broken(_response: object, _site: object) -> None:
        raise ValueError("boom")

    from scrapy.http import HtmlResponse

    page = HtmlResponse("http://x/", body=b"<html></html>", encoding="utf-8")
    with pytest.raises(ValueError, match="boom"):
        list(ShopSpider.parsed(spider, site, page, broken))
    assert spider.health["demo"].status == "failed"
    assert "parser error: ValueError: boom" in (spider.health["demo"].summary or "")


def test_crawl_exits_4_when_its_crawl_failed_and_prints_only_its_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listens on the site's port: the ranks run fails, `crawl` says so by its exit
    status (cron users cannot read a run table), and prints only the runs it made."""
    from monitor.cli import main

    config = write_config(tmp_path / "c.toml", demo_config(
        "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'db.sqlite'}", site={"retry_backoff_s": 0.0}))
    assert main(["crawl", "--spider", "ranks", "--date", DAY.isoformat(),
                 "--config", str(config)]) == 4
    out = capsys.readouterr().out
    assert "demo/ranks: failed" in out and "demo/listings" not in out
