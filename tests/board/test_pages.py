"""Every board page on the demo's data (``shopwatch demo``, run once), in both languages,
as an operator clicks through them; acknowledging and muting on a copy of its database."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from config import Config, i18n
from db import repo
from db.session import session_scope
from monitor.demo import DEMO_KEYWORDS
from tests.board.conftest import client, csrf_of

NAV = {"en": ("Overview", "Ranks", "Competitors", "Alerts", "Keywords", "Runs"),
       "zh-CN": ("概览", "排名", "竞品", "预警", "关键词", "运行")}


def _alerts(config: Config) -> list[Any]:
    with session_scope(config.database_url) as s:
        day = repo.newest_alert_day(s)
        assert day is not None
        return repo.alerts_of_day(s, day)


def _chart(page: str, chart_id: str) -> dict[str, Any]:
    assert f'id="{chart_id}"' in page, f"no {chart_id} on the page"
    data = page.split(f'id="{chart_id}-data">', 1)[1].split("</script>", 1)[0]
    option: dict[str, Any] = json.loads(data)
    return option


def _points(option: dict[str, Any]) -> int:
    return sum(1 for series in option["series"] for v in series["data"] if v is not None)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_page_answers_in_the_language_chosen(demo: Config, language: str) -> None:
    web = client(demo)
    assert web.get(f"/lang/{language}?next=/").status_code == 303
    alerts = _alerts(demo)
    product = next(a for a in alerts if a.kind == "price_move")
    pages = ["/", "/ranks", f"/ranks/{quote(DEMO_KEYWORDS[0][0])}", "/products",
             f"/products/{product.site}/{product.product_external_id}", "/alerts",
             f"/alerts/{alerts[0].id}", "/keywords", "/runs"]
    for path in pages:
        page = web.get(path)
        assert page.status_code == 200, path
        assert f'<html lang="{language}">' in page.text
        assert all(f">{name}</a>" in page.text for name in NAV[language]), path
        other = next(code for code in i18n.LANGUAGES if code != language)
        assert f'href="/lang/{other}?next=' in page.text  # the switch on every page


def test_make_demo_ends_with_the_command_that_opens_the_board(demo_stdout: str) -> None:
    assert demo_stdout.rstrip().endswith("shopwatch.toml")
    assert "shopwatch serve --config " in demo_stdout.splitlines()[-1]


def test_the_overview_counts_the_days_alerts_and_crawls(demo: Config,
                                                         demo_summary: dict[str, Any]) -> None:
    page = client(demo).get("/").text
    assert f'<a href="/alerts?date={demo_summary["days"][-1]}">102</a>' in page
    assert demo_summary["counts"]["alerts"] == 102
    for kind, n in demo_summary["counts"]["alerts_by_kind"].items():
        assert f"kind={kind}" in page, kind
        assert n > 0
    assert page.count('class="health-ok"') == 2  # demo and demo-h5
    for group in {group for _t, group, _s in DEMO_KEYWORDS}:
        assert f"<td>{group}</td>" in page
    assert _points(_chart(page, "chart-avg-rank")) == 2  # the demo's two days


def test_a_rank_drop_opens_from_the_inbox_with_its_chart(demo: Config) -> None:
    web = client(demo)
    inbox = web.get("/alerts").text
    assert inbox.count('class="alert-row') == 102
    drop = next(a for a in _alerts(demo) if a.kind == "rank_drop")
    assert f'href="/alerts/{drop.id}"' in inbox
    page = web.get(f"/alerts/{drop.id}").text
    option = _chart(page, "chart-rank")
    ours = next(s for s in option["series"] if s.get("lineStyle", {}).get("width") == 3)
    assert [v for v in ours["data"] if v is not None] == [int(drop.before.lstrip("#")),
                                                          int(drop.after.lstrip("#"))]
    assert f'href="/ranks/{quote(drop.keyword or "")}' in page
    assert 'id="ack-button"' in page and 'id="mute-product"' in page


def test_ranks_products_keywords_and_runs_show_the_demo(demo: Config) -> None:
    web = client(demo)
    ranks = web.get("/ranks").text
    assert ranks.count('class="rank-row"') >= len(DEMO_KEYWORDS)
    keyword = web.get(f"/ranks/{quote('扫地机器人')}?days=7").text
    option = _chart(keyword, "chart-rank")
    assert _points(option) > 20 and any(s["type"] == "scatter" for s in option["series"])
    products = web.get("/products?role=competitor").text
    assert 'class="product-row role-competitor"' in products
    assert 'class="product-row role-own"' not in products
    change = next(a for a in _alerts(demo) if a.kind == "price_move")
    product = web.get(f"/products/{change.site}/{change.product_external_id}").text
    assert _points(_chart(product, "chart-price")) >= 2
    keywords = web.get("/keywords").text
    assert 'id="coverage-gaps"' in keywords and 'id="hot-1"' in keywords
    runs = web.get("/runs").text
    assert runs.count('class="run-row') == 10  # the demo's two days, five runs each


def test_keyword_downloads_are_the_exports(demo: Config) -> None:
    web = client(demo)
    web.get("/lang/en")  # the headers in the board's language
    csv = web.get("/keywords/download.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbfgroup,rank,term")  # UTF-8 with BOM for Excel
    assert "attachment" in csv.headers["content-disposition"]
    titles = web.get("/keywords/download.csv?part=titles")
    assert titles.content.startswith(b"\xef\xbb\xbfgroup,site,product")
    coverage = web.get("/keywords/download.csv?part=coverage")
    assert coverage.status_code == 200 and coverage.content != titles.content
    xlsx = web.get("/keywords/download.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "keywords" and book["keywords"].max_row > 10
    assert web.get("/keywords/download.pdf").status_code == 404


def test_acknowledge_and_mute_from_the_alert_page(demo_copy: Config) -> None:
    web = client(demo_copy)
    stock_out = next(a for a in _alerts(demo_copy) if a.kind == "stock_out")
    page = web.get(f"/alerts/{stock_out.id}").text
    token = csrf_of(page)
    done = web.post(f"/alerts/{stock_out.id}/ack", data={"csrf": token})
    assert done.status_code == 303 and done.headers["location"] == f"/alerts/{stock_out.id}"
    page = web.get(f"/alerts/{stock_out.id}").text
    assert 'id="acked"' in page and 'id="ack-button"' not in page
    muted = web.post("/mutes", data={"csrf": token, "target": "product",
                                     "site": stock_out.site,
                                     "key": stock_out.product_external_id, "days": "7",
                                     "next": f"/alerts/{stock_out.id}"})
    assert muted.status_code == 303
    assert 'id="muted"' in web.get(f"/alerts/{stock_out.id}").text
    inbox = web.get(f"/alerts?date={stock_out.day}").text
    row = re.search(rf'id="alert-{stock_out.id}".*?</tr>', inbox, re.S)
    assert row and "acked" in row.group(0) and 'class="muted"' in row.group(0)
    with session_scope(demo_copy.database_url) as s:
        assert repo.active_mutes(s, stock_out.day).silences(stock_out)
    assert web.post("/mutes", data={"csrf": token, "target": "product", "key": "x",
                                    "days": "0"}).status_code == 400


def test_the_digests_and_chats_links_open_board_pages(demo: Config) -> None:
    from monitor.notify.explain import alert_link, keyword_link, overview_link, product_link

    web = client(demo)
    drop = next(a for a in _alerts(demo) if a.kind == "rank_drop")
    board = "http://192.168.1.5:8000"
    links = [overview_link(board, drop.day), alert_link(board, drop),
             keyword_link(board, drop.keyword),
             product_link(board, drop.site, drop.product_external_id)]
    for link in links:
        assert link and web.get(link.removeprefix(board)).status_code == 200, link
    odd = keyword_link(board, "a/b ?&") or ""
    assert web.get(odd.removeprefix(board)).status_code == 404  # unknown: 404, not a 500
