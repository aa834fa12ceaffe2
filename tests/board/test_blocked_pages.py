"""A crawl keeps the last blocked page of each run (as text, cut), and the board shows it as
text: through the real crawl of the demo shop answering with a captcha."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from config import load_config
from crawlers.runner import crawl_in_child
from db.models import BlockedPage, CrawlRun
from db.session import session_scope, upgrade
from demoshop.server import ShopServer
from tests.board.conftest import client
from tests.support import demo_config, write_config

DAY = dt.date(2026, 11, 24)


def test_a_blocked_crawl_keeps_the_page_and_the_board_shows_it_as_text(
        db_url: str, shop: ShopServer, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "c.toml", demo_config(shop.url, db_url,
                                                                listing_paths=()))
    upgrade(db_url)
    shop.set(day=1, captcha=1.0)
    assert crawl_in_child(str(config_path), DAY, ["ranks"], timeout_s=120).returncode == 0
    with session_scope(db_url) as s:
        run = s.scalars(select(CrawlRun)).one()
        kept = s.scalars(select(BlockedPage)).one()
        assert run.status == "blocked" and kept.run_id == run.id
        assert kept.reason.startswith("blocked: captcha page") and kept.status == 200
        assert "请完成安全验证" in kept.body and kept.body.lstrip().startswith("<!DOCTYPE html>")
        assert kept.url.startswith(shop.url) and "text/html" in (kept.content_type or "")
        run_id = run.id
    web = client(load_config(config_path))
    runs = web.get(f"/runs?date={DAY}").text
    assert f'href="/runs/{run_id}/page"' in runs
    page = web.get(f"/runs/{run_id}/page").text
    assert "&lt;h1&gt;请完成安全验证&lt;/h1&gt;" in page and "<h1>请完成安全验证" not in page


def test_a_clean_crawl_keeps_no_page(shop: ShopServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    config_path = write_config(tmp_path / "c.toml", demo_config(shop.url, url, listing_paths=()))
    upgrade(url)
    assert crawl_in_child(str(config_path), DAY, ["ranks"], timeout_s=120).returncode == 0
    with session_scope(url) as s:
        assert s.scalars(select(CrawlRun)).one().status == "ok"
        assert s.scalars(select(BlockedPage)).first() is None


def test_an_error_page_is_kept_with_its_status(shop: ShopServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    config_path = write_config(tmp_path / "c.toml", demo_config(shop.url, url, listing_paths=()))
    upgrade(url)
    shop.set(error=1.0)
    assert crawl_in_child(str(config_path), DAY, ["ranks"], timeout_s=120).returncode == 0
    with session_scope(url) as s:
        run = s.scalars(select(CrawlRun)).one()
        kept = s.scalars(select(BlockedPage)).one()
        assert run.status == "failed" and kept.run_id == run.id
        assert kept.status == 503 and kept.reason.startswith("HTTP 503")
