"""The keyword library over weeks of crawls (SQLite and PostgreSQL), its exports and commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from config import Config, load_config
from db import repo
from db.models import Product
from db.session import session_scope, upgrade
from keywords.export import build_export, coverage_path, export, titles_path
from keywords.library import build_library, load_library, week_of
from keywords.titles import title_length
from monitor.cli import main
from tests.support import demo_config, write_config

LAST_WEEK = dt.date(2026, 11, 17)  # a Tuesday
THIS_WEEK = dt.date(2026, 11, 24)
OWN_TITLE = "智享X3 Max 家用 静音 扫地机器人 第一品牌"


def _observe(session: object, day: dt.date, titles: list[str],
             suggestions: list[str] = ()) -> None:  # type: ignore[assignment]
    """What a day's crawl of one keyword stores: ranked products and suggestions."""
    site_id = repo.ensure_site(session, "demo", "demoshop", "http://shop")  # type: ignore[arg-type]
    keyword_id = repo.ensure_keyword(session, site_id, "扫地机器人", "清洁")  # type: ignore[arg-type]
    run_id, attempt = repo.begin_run(session, site_id, "ranks", day)  # type: ignore[arg-type]
    products = [{"external_id": "own-1", "title": OWN_TITLE, "is_own": True, "role": "own",
                 "brand": "智享"}]
    products += [{"external_id": f"c{i}", "title": t, "brand": "追觅"}
                 for i, t in enumerate(titles)]
    ids = repo.upsert_products(session, site_id, products)  # type: ignore[arg-type]
    repo.upsert_snapshots(session, [  # type: ignore[arg-type]
        {"crawl_run_id": run_id, "product_id": ids[p["external_id"]], "attempt": attempt,
         "title": p["title"], "from_page": False} for p in products])
    repo.upsert_ranks(session, [  # type: ignore[arg-type]
        {"crawl_run_id": run_id, "keyword_id": keyword_id, "product_id": ids[p["external_id"]],
         "attempt": attempt, "position": n, "organic_position": n, "page": 1,
         "sponsored": False} for n, p in enumerate(products, 1)])
    repo.finish_run(session, run_id, "ok", items=len(products), pages=1,  # type: ignore[arg-type]
                    errors=0, error_summary=None)
    if suggestions:
        run_id, attempt = repo.begin_run(session, site_id, "suggest", day)  # type: ignore[arg-type]
        repo.add_suggestions(session, site_id, "清洁", "扫地机器人",  # type: ignore[arg-type]
                             list(suggestions), run_id, attempt)


def _titles(counts: dict[str, int], total: int = 20) -> list[str]:
    """``total`` competitor titles; ``counts`` says how many of them hold each word."""
    titles = []
    for i in range(total):
        words = [w for w, n in counts.items() if i < n]
        titles.append(f"追觅 {' '.join(words)} 扫地机器人")
    return titles


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Config:
    path = write_config(tmp_path / "shopwatch.toml", demo_config(
        "http://shop", db_url, keyword_library={"forbidden_words": ["爆品"]},
        competitors={"brands": ["追觅"]}, site={"title_limit_bytes": 60}))
    upgrade(db_url)
    return load_config(path)


def _two_weeks(config: Config) -> None:
    with session_scope(config.database_url) as session:
        for day in (LAST_WEEK, LAST_WEEK + dt.timedelta(days=1)):
            _observe(session, day, _titles({"激光导航": 10, "自动集尘": 3, "避障": 8}),
                     ["扫地机器人 家用"])
        _observe(session, THIS_WEEK, _titles({"激光导航": 4, "自动集尘": 6, "避障": 8,
                                              "热水洗拖布": 5, "=cmd|' /C calc'!A0": 1}),
                 ["扫地机器人 家用", "扫地机器人 自清洁"])
        build_library(session, config, LAST_WEEK + dt.timedelta(days=1))
        build_library(session, config, THIS_WEEK)
        build_library(session, config, THIS_WEEK)  # a rebuild counts nothing twice


def test_new_rising_and_fading_terms_week_over_week(config: Config) -> None:
    _two_weeks(config)
    with session_scope(config.database_url) as session:
        library = load_library(session, config, "清洁")
    assert (library.week, library.previous_week) == (week_of(THIS_WEEK), week_of(LAST_WEEK))
    terms = {t.term: t for t in library.terms}
    assert terms["热水洗拖布"].trend == "new"  # only this week
    assert terms["自清洁"].trend == "new"  # a new suggestion
    # shares of the group's documents: 23 last week (1 search term, 1 suggestion, 21 titles),
    # 24 this week (a second suggestion)
    assert terms["自动集尘"].trend == "rising"  # 3 -> 6 titles: doubled
    assert terms["自动集尘"].change_pct == round(100 * (6 / 24 - 3 / 23) / (3 / 23), 1)
    assert terms["激光导航"].trend == "fading"  # 10 -> 4
    assert terms["激光导航"].change_pct == round(100 * (4 / 24 - 10 / 23) / (10 / 23), 1)
    assert terms["避障"].trend == "steady"  # 8 -> 8
    robot = terms["扫地机器人"]  # in the search term, both suggestions and all 21 titles
    assert robot.sources == ("competitor_title", "own_title", "search_term", "suggestion")
    assert robot.frequency == 1 + 2 + 20 + 1 and robot.doc_frequency == 24
    assert robot.first_seen == LAST_WEEK + dt.timedelta(days=1)
    assert robot.last_seen == THIS_WEEK
    # top 10 = positions 2-10 (the own product is #1): 9 competitor titles, 8 with 避障
    assert terms["追觅"].top10_share == 1.0 and terms["避障"].top10_share == round(8 / 9, 4)


def test_the_exports_match_the_library(config: Config, tmp_path: Path) -> None:
    _two_weeks(config)
    with session_scope(config.database_url) as session:
        # titles come from strangers' pages: this one would be a formula in a spreadsheet
        session.execute(update(Product).values(
            title=f'=HYPERLINK("http://x.invalid","{OWN_TITLE}")', url="http://shop/item/own-1"))
        data = build_export(session, config, "清洁")
    written = export(data, "csv", tmp_path / "kw.csv") + export(data, "xlsx", tmp_path / "kw.xlsx")
    assert written == [tmp_path / "kw.csv", titles_path(tmp_path / "kw.csv"),
                       coverage_path(tmp_path / "kw.csv"), tmp_path / "kw.xlsx"]
    assert (tmp_path / "kw.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    with (tmp_path / "kw.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    book = load_workbook(tmp_path / "kw.xlsx")
    assert book.sheetnames == ["keywords", "titles", "coverage"]
    sheet = book["keywords"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["C"].width == 24
    header = [c.value for c in sheet[1]]
    xlsx_rows = [dict(zip(header, (c.value for c in row), strict=True))
                 for row in sheet.iter_rows(min_row=2)]
    scored = [t for t in data.library.terms]
    assert [r["term"] for r in rows] == [r["term"] for r in xlsx_rows] == [
        t.term for t in scored]
    for row, xrow, term in zip(rows, xlsx_rows, scored, strict=True):
        assert float(row["score"]) == xrow["score"] == term.score
        assert row["trend"] == xrow["trend"] == term.trend
        assert float(row["top-10 share"]) == term.top10_share
    # the coverage, one row per own product and top term (long format)
    coverage = list(csv.DictReader(coverage_path(tmp_path / "kw.csv").open(
        encoding="utf-8-sig")))
    by_term = {r["term"]: r for r in coverage}
    assert {r["product id"] for r in coverage} == {"own-1"}
    assert by_term["静音"]["in title"] == "yes" and by_term["静音"]["product has it"] == "yes"
    assert by_term["热水洗拖布"]["in title"] == "no"
    assert by_term["热水洗拖布"]["product has it"] == "to check"
    sheet = book["coverage"]
    assert sheet["C2"].hyperlink.target == "http://shop/item/own-1"
    rules = {str(r.sqref): r.rules[0].formula[0]
             for r in sheet.conditional_formatting}
    assert rules == {f"I2:I{sheet.max_row}": '$I2="no"', f"J2:J{sheet.max_row}": '$J2="to check"'}
    titles = list(csv.DictReader(titles_path(tmp_path / "kw.csv").open(encoding="utf-8-sig")))
    # a title from a stranger's page cannot run as a formula, in either format
    assert titles[0]["current title"].startswith("'=HYPERLINK(")
    assert book["titles"]["D2"].value.startswith("'=HYPERLINK(")
    for name in book.sheetnames:
        assert all(c.data_type != "f" and not c.value.startswith(("=", "+", "-", "@"))
                   for row in book[name].iter_rows() for c in row if isinstance(c.value, str))
    assert len(titles) == 1 and titles[0]["product id"] == "own-1"
    assert titles[0]["forbidden in title"].startswith("第一品牌 (广告法第九条第三项")
    suggested = titles[0]["suggested title"]
    assert title_length(suggested, "bytes") == int(titles[0]["suggested length"]) <= 60
    assert suggested.startswith("智享 X3 Max") and suggested.endswith("扫地机器人")  # case kept
    assert "追觅" not in suggested and "第一" not in suggested  # no other brand, nothing banned
    assert [c.value for c in book["titles"][2]][11] == suggested


def test_export_headers_follow_the_configured_language(config: Config, tmp_path: Path) -> None:
    """``language = "zh-CN"``: the headers come from the zh_CN catalog (config.i18n)."""
    from config import i18n
    from keywords.export import TERM_HEADER

    _two_weeks(config)
    with session_scope(config.database_url) as session:
        data = build_export(session, config.model_copy(update={"language": "zh-CN"}), "清洁")
    export(data, "csv", tmp_path / "kw.csv")
    header = next(csv.reader((tmp_path / "kw.csv").open(encoding="utf-8-sig")))
    assert header == [i18n.gettext("zh-CN", name) for name in TERM_HEADER]
    assert header[:5] == ["分组", "排名", "关键词", "类型", "得分"]


def test_keywords_commands(config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(config.database_url) as session:
        for day in (LAST_WEEK, THIS_WEEK):
            _observe(session, day, _titles({"激光导航": 2} if day == LAST_WEEK else
                                           {"激光导航": 2, "热水洗拖布": 3}))
    monkeypatch.setenv("SHOPWATCH_CONFIG", str(tmp_path / "shopwatch.toml"))
    assert main(["keywords", "show"]) == 2  # nothing built yet: says how to build it
    assert "shopwatch keywords build" in capsys.readouterr().err
    for day in (LAST_WEEK, THIS_WEEK):
        assert main(["keywords", "build", "--date", day.isoformat()]) == 0
    capsys.readouterr()
    assert main(["keywords", "show", "--group", "清洁", "--new", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [t["term"] for t in shown["terms"]] == ["热水洗拖布", "热水洗拖布 扫地机器人"]
    assert shown["terms"][1]["kind"] == "phrase"  # 3 of 3 times right before the noun
    assert main(["keywords", "show", "--hot"]) == 0
    assert "热水洗拖布" in capsys.readouterr().out
    out = tmp_path / "out" / "kw.xlsx"
    assert main(["keywords", "export", "--group", "清洁", "--format", "xlsx", "--out",
                 str(out)]) == 0
    assert load_workbook(out)["keywords"]["C2"].value == "扫地机器人"
    assert main(["keywords", "export", "--group", "nope", "--out", str(out)]) == 2


def test_keywords_titles_json_is_the_contract(config: Config, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``shopwatch keywords titles --json``: per own product the fields scripts read; demand
    terms the product does not vouch for are to check, never in the title."""
    _two_weeks(config)
    monkeypatch.setenv("SHOPWATCH_CONFIG", str(tmp_path / "shopwatch.toml"))
    capsys.readouterr()
    assert main(["keywords", "titles", "--group", "清洁", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["week"] == week_of(THIS_WEEK).isoformat()
    [own] = shown["products"]
    assert {k: own[k] for k in ("site", "product_id", "group", "current_title")} == {
        "site": "demo", "product_id": "own-1", "group": "清洁", "current_title": OWN_TITLE}
    assert own["suggested_title"] == "智享 X3 Max 家用 静音 扫地机器人"
    assert own["dropped"] == ["第一品牌"] and own["added"] == []
    assert [f["word"] for f in own["forbidden"]] == ["第一品牌"]
    assert "第九条" in own["forbidden"][0]["article"]
    # what the competitors' titles sell, this product does not claim: to check, not added
    assert {"激光导航", "自动集尘", "避障", "热水洗拖布"} <= set(own["to_check"])
    assert not {"追觅"} & set(own["to_check"])
    assert main(["keywords", "titles", "--group", "清洁"]) == 0
    text = capsys.readouterr().out
    assert "suggested: 智享 X3 Max 家用 静音 扫地机器人" in text and "to check:" in text
