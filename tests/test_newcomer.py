"""A new operator's first week: the paths of README.md and docs/sites.md, walked as written."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from config import SiteConfig
from crawlers.sites import has_suggestions, suggest_url
from demoshop import catalog
from demoshop.server import ShopServer
from tests.support import documented_site

SHOP = "http://shop.test"


@pytest.mark.parametrize(("adapter", "suggest_path", "expected"), [
    ("generic", None, None),  # generic has no suggestion service of its own: none is asked
    ("generic", "", None),
    ("generic", "/sug?q={keyword}", "http://shop.test/sug?q=%E6%89%AB%E5%9C%B0"),
    ("demoshop", None, "http://shop.test/suggest?q=%E6%89%AB%E5%9C%B0"),
    ("demoshop", "", None),  # "" turns the adapter's service off
    ("demoshop", "  ", None),
])
def test_suggestions_are_asked_only_where_a_service_is(adapter: str, suggest_path: str | None,
                                                       expected: str | None) -> None:
    site = SiteConfig(name="s", adapter=adapter, base_url=SHOP, suggest_path=suggest_path)
    assert suggest_url(site, "扫地") == expected
    assert has_suggestions(site) is (expected is not None)


# -- the first week, as README.md and docs/sites.md tell it ----------------------------------

ROOT = Path(__file__).resolve().parents[1]
SHOPWATCH = str(Path(sys.executable).with_name("shopwatch"))
DAYS = [dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(3)]
BLOCKED_TERM = "智能音箱"
STOCK_KINDS = ("price_move", "stock_out", "back_in_stock")


def _shopwatch(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command as the operator types it, in their folder (the config is ./shopwatch.toml)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPWATCH_")}
    env["SHOPWATCH_DATABASE_URL"] = os.environ["NEWCOMER_DB"]
    return subprocess.run([SHOPWATCH, *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def _their_config(written: str, shop_url: str) -> str:
    """What the operator does to ``init``'s file: the example site, products and keywords
    make way for the worked example of docs/sites.md, pointed at their shop."""
    head, _sep, rest = written.partition("# One [[sites]] block")
    _examples, sep, tail = rest.partition("[thresholds]")
    assert sep, "the example config has no [thresholds] table"
    block = documented_site("myshop").replace('base_url = "http://127.0.0.1:8000"',
                                              f'base_url = "{shop_url}"')
    return f"{head}{block}\n{sep}{tail}"


def _slots(term: str, day: int, pages: int) -> list[tuple[str, int | None]]:
    """(product id, organic position or None for an ad) of the pages the crawl reads."""
    found: list[tuple[str, int | None]] = []
    for page in range(1, pages + 1):
        slots, _more = catalog.result_page(term, page, day)
        found += [(s.product.id, s.organic_position) for s in slots]
    return found


def _expected_changes(site: dict[str, Any], terms: list[str], by_id: set[str]
                      ) -> set[tuple[str, str]]:
    """What the shop really changed on day 2 among the products the operator watches: by id
    (their pages), and the top ``watch_top`` organic results of their keywords (result entries
    seen on day 1 too)."""
    pages, top = site["search_pages"], site["watch_top"]
    before = {pid for term in terms for pid, _o in _slots(term, 1, pages)}
    top_today = {pid for term in terms for pid, organic in _slots(term, 2, pages)
                 if organic is not None and organic <= top}
    watched = by_id | (top_today & before)
    day1, day2 = catalog.by_id(1), catalog.by_id(2)
    expected = set()
    for pid in watched:
        old, new = day1[pid], day2[pid]
        if not new.is_own and abs(new.price - old.price) / old.price * 100 >= 5:
            expected.add(("price_move", pid))
        if old.in_stock != new.in_stock:
            expected.add(("stock_out" if old.in_stock else "back_in_stock", pid))
    return expected


@pytest.mark.timeout(900)
def test_a_new_operators_first_three_days(sqlite_url: str, tmp_path: Path, shop: ShopServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """init -> their site from docs/sites.md -> check-config -> run, three mornings.

    Day 1 on a brand-new database: every crawl ok, nothing to report. Day 2: the competitors
    found in the top results are watched from the result entries, those listed by id from
    their pages: exactly what the shop changed. Day 3: the shop answers one keyword with a
    slider page (HTTP 200): one crawl_blocked alert naming the keyword, no rank alert; and no
    day says anything about search suggestions (the site has none)."""
    monkeypatch.setenv("NEWCOMER_DB", sqlite_url)
    folder = tmp_path / "operator"
    folder.mkdir()
    _ok(_shopwatch(folder, "init"))
    config_file = folder / "shopwatch.toml"
    config_file.write_text(_their_config(config_file.read_text("utf-8"), shop.url), "utf-8")
    assert "myshop" in _ok(_shopwatch(folder, "check-config"))
    config = tomllib.loads(config_file.read_text("utf-8"))
    site = config["sites"][0]
    terms = [k["term"] for k in config["keywords"]]
    by_id = {p["id"] for p in config["products"]}
    assert BLOCKED_TERM in terms

    alerts: dict[dt.date, list[dict[str, Any]]] = {}
    for number, day in enumerate(DAYS, start=1):
        shop.set(day=number)
        if number == 3:
            shop.state.blocked_terms.add(BLOCKED_TERM)
        _ok(_shopwatch(folder, "run", "--date", day.isoformat()))
        rows = json.loads(_ok(_shopwatch(folder, "alerts", "--json", "--since",
                                         day.isoformat())))
        alerts[day] = [row for row in rows if row["date"] == day.isoformat()]

    # day 1, a fresh database: no history to compare with, nothing failed; only the mapped
    # competitor's price against ours, when it is really lower
    day1 = catalog.by_id(1)
    undercuts = {(p["id"], p["compare_to"]) for p in config["products"] if "compare_to" in p
                 and day1[p["id"]].price < day1[p["compare_to"]].price}
    assert {(a["product_id"], a["kind"]) for a in alerts[DAYS[0]]} == {
        (pid, "undercut") for pid, _own in undercuts}
    # day 2: exactly what the shop changed among what the operator watches
    found = {(a["kind"], a["product_id"]) for a in alerts[DAYS[1]] if a["kind"] in STOCK_KINDS}
    expected = _expected_changes(site, terms, by_id)
    assert found == expected
    assert {kind for kind, pid in expected if pid not in by_id} >= {"price_move", "stock_out"}
    for alert in alerts[DAYS[1]]:
        if alert["kind"] in STOCK_KINDS and alert["product_id"] not in by_id:
            assert "(search results for “" in alert["subject"], alert
    assert not any(a["kind"].startswith("crawl_") for a in alerts[DAYS[1]]), alerts[DAYS[1]]
    # day 3: blocked is blocked, and says which keyword
    blocked = [a for a in alerts[DAYS[2]] if a["kind"].startswith("crawl_")]
    assert [a["kind"] for a in blocked] == ["crawl_blocked"], blocked
    assert f"keyword “{BLOCKED_TERM}” page 1" in blocked[0]["after"]
    assert not any(a["kind"].startswith("rank_") or a["kind"] == "new_entrant"
                   for a in alerts[DAYS[2]]), alerts[DAYS[2]]
    # never a word about suggestions: the site has no suggestion service
    every = [a for day in DAYS for a in alerts[day]]
    assert not any("suggest" in json.dumps(a, ensure_ascii=False) for a in every)
