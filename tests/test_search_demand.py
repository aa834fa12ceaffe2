"""Search-demand import: the four report layouts, their number formats, errors that lose
nothing; demand in the library's score; the weekly opportunity view (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import Config, load_config
from db.models import SearchDemand
from db.session import session_scope, upgrade
from keywords.library import build_library, load_library
from keywords.reports import ReportError, number, read_report
from monitor.cli import main
from tests.support import demo_config, write_config
from tests.test_keyword_library import _observe, _titles

REPORTS = Path(__file__).parent / "fixtures" / "reports"
WEEK = dt.date(2026, 11, 16)


@pytest.mark.parametrize(("text", "percent", "value"), [
    ("1.2万", False, 12000.0), ("3亿", False, 3e8), ("12,345", False, 12345.0),
    ("12.5%", True, 0.125), ("65.2%", False, 0.652), ("0.5", True, 0.5), ("55", True, 0.55),
    ("1,000-2,000", False, 1500.0), ("1.5万-2万", False, 17500.0), (">1,000", False, 1000.0),
    ("10万+", False, 100000.0), ("-", False, None), ("", False, None), ("-8%", True, -0.08),
    ("12.3k", False, 12300.0), (18000, False, 18000.0),
])
def test_platform_numbers(text: object, percent: bool, value: float | None) -> None:
    assert number(text, percent) == value


@pytest.mark.parametrize("bad", ["很多", "四成", "1.2.3", "abc-def"])
def test_a_value_that_is_no_number_is_an_error(bad: str) -> None:
    with pytest.raises(ValueError):
        number(bad)


def test_sycm_xlsx_with_title_lines_a_merged_two_row_header_and_a_blank_row() -> None:
    report = read_report(REPORTS / "sycm_search_rank.xlsx")
    assert report.source == "sycm" and report.week_hint == WEEK
    first = report.rows[0]
    assert (first.row, first.term, first.volume, first.rank, first.click_rate,
            first.conversion, first.competing) == (5, "扫地机器人", 123000.0, 1, 0.652, 0.031,
                                                  12345)
    assert first.extra == {"clicks": 81000.0, "cpc": 2.35}  # 交易指数, 操作: not read
    assert [r.row for r in report.rows] == [5, 6, 8, 9, 10]  # row 7 is blank
    assert report.rows[3].click_rate == 0.5 and report.rows[3].volume == 18000.0  # numbers


def test_jd_csv_in_gb18030_with_ranges_and_lower_bounds() -> None:
    report = read_report(REPORTS / "jd_keywords.csv", "jd")
    assert report.source == "jd" and report.week_hint == WEEK
    assert [(r.term, r.volume, r.competing) for r in report.rows] == [
        ("扫地机器人", 17500.0, 100000), ("扫拖一体机器人", 8500.0, 3200),
        ("自动集尘扫地机器人", 6200.0, 1150)]


def test_amazon_brand_analytics_rank_and_shares() -> None:
    report = read_report(REPORTS / "amazon_ba_search_terms.csv")
    assert report.source == "amazon-ba" and report.week_hint == WEEK
    assert [(r.term, r.rank, r.volume) for r in report.rows] == [
        ("robot vacuum", 1203, None), ("robot vacuum and mop", 2417, None),
        ("self emptying robot vacuum", 8950, None)]
    assert report.rows[0].conversion == 0.1002
    assert report.rows[0].extra == {"click_share": 0.1234}


@pytest.mark.parametrize("name", ["helium10_cerebro.csv", "helium10_magnet.xlsx"])
def test_helium10_cerebro_and_magnet(name: str) -> None:
    report = read_report(REPORTS / name)
    assert report.source == "helium10" and report.rows[0].term == "robot vacuum"
    assert report.rows[0].volume == 250341.0 and report.rows[0].competing == 1000
    assert report.rows[0].extra["trend"] == 0.12


def test_bad_rows_are_named_by_row_number_and_nothing_is_returned() -> None:
    with pytest.raises(ReportError) as error:
        read_report(REPORTS / "sycm_bad_rows.csv")
    message = str(error.value)
    assert "3 bad row(s), nothing imported" in message
    assert "row 3: volume '很多' is not a number" in message
    assert "row 4: no search term" in message and "row 5: click_rate '四成'" in message


def test_a_missing_required_column_is_named() -> None:
    with pytest.raises(ReportError, match=r"needs the column\(s\) search volume"):
        read_report(REPORTS / "jd_missing_volume.csv")
    with pytest.raises(ReportError, match="cannot read"):
        read_report(REPORTS / "none.csv")


def test_a_file_without_a_search_term_column_says_which_it_needs(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(ReportError, match="搜索词, 关键词, Search Term or Keyword Phrase"):
        read_report(tmp_path / "x.csv")


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Config:
    path = write_config(tmp_path / "shopwatch.toml", demo_config(
        "http://shop", db_url, competitors={"brands": ["追觅"]}))
    upgrade(db_url)
    return load_config(path)


def _count(config: Config) -> int:
    with session_scope(config.database_url) as session:
        return int(session.scalar(select(func.count()).select_from(SearchDemand)) or 0)


def test_import_command_stores_a_week_all_or_nothing(
        config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SHOPWATCH_CONFIG", str(tmp_path / "shopwatch.toml"))
    assert main(["keywords", "import", str(REPORTS / "sycm_bad_rows.csv")]) == 2
    assert "row 3" in capsys.readouterr().err and _count(config) == 0  # nothing half-imported
    assert main(["keywords", "import", str(REPORTS / "jd_missing_volume.csv")]) == 2
    assert "search volume" in capsys.readouterr().err
    assert main(["keywords", "import", str(REPORTS / "sycm_search_rank.xlsx")]) == 0
    assert "imported 5 search terms from a sycm report, week of 2026-11-16" in \
        capsys.readouterr().out
    # the same week again replaces it; another week is kept beside it
    assert main(["keywords", "import", str(REPORTS / "sycm_search_rank.xlsx")]) == 0
    assert main(["keywords", "import", str(REPORTS / "sycm_search_rank.xlsx"),
                 "--source", "sycm", "--week", "2026-W48"]) == 0
    assert "week of 2026-11-23" in capsys.readouterr().out
    assert _count(config) == 10
    for source in ("jd", "amazon-ba", "helium10"):
        name = {"jd": "jd_keywords.csv", "amazon-ba": "amazon_ba_search_terms.csv",
                "helium10": "helium10_cerebro.csv"}[source]
        assert main(["keywords", "import", str(REPORTS / name), "--source", source,
                     "--week", "2026-11-18"]) == 0
    assert _count(config) == 10 + 3 + 3 + 4
    assert main(["keywords", "import", str(REPORTS / "jd_keywords.csv"), "--source",
                 "helium10"]) == 2  # the wrong layout: its required columns are named
    assert "Keyword" not in capsys.readouterr().out


def test_demand_enters_the_score_and_the_opportunity_view(
        config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Two weeks of crawls; a sycm report for the second: 激光导航 is searched a lot and few
    top titles use it, 避障 is in every top title and nobody searches it."""
    with session_scope(config.database_url) as session:
        _observe(session, WEEK - dt.timedelta(days=7), _titles({"避障": 20, "激光导航": 2}))
        _observe(session, WEEK, _titles({"避障": 20, "激光导航": 2}))
        build_library(session, config, WEEK - dt.timedelta(days=7))
        build_library(session, config, WEEK)
        plain = {t.term: t for t in load_library(session, config, "清洁", WEEK).terms}
    monkeypatch.setenv("SHOPWATCH_CONFIG", str(tmp_path / "shopwatch.toml"))
    assert main(["keywords", "opportunities"]) == 2  # nothing imported: says what to do
    assert "keywords import" in capsys.readouterr().err
    assert main(["keywords", "import", str(REPORTS / "sycm_search_rank.xlsx")]) == 0
    with session_scope(config.database_url) as session:
        scored = {t.term: t for t in load_library(session, config, "清洁", WEEK).terms}
    assert scored["激光导航"].demand == 18000.0 and scored["激光导航"].demand_rank == 4
    assert scored["静音"].demand == 21000.0  # a root word: the phrases that hold it
    assert scored["避障"].demand is None and scored["避障"].score == plain["避障"].score
    assert scored["激光导航"].score > plain["激光导航"].score
    assert scored["激光导航"].text_score == plain["激光导航"].score
    capsys.readouterr()
    assert main(["keywords", "opportunities", "--group", "清洁", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["week"] == WEEK.isoformat()
    values = [o["value"] for o in shown["opportunities"]]
    assert values == sorted(values, reverse=True)
    robot = next(o for o in shown["opportunities"] if o["term"] == "扫地机器人")
    assert robot["top10_share"] == 1.0 and robot["value"] == 0.0  # every top title has it
    laser = next(o for o in shown["opportunities"] if o["term"] == "扫地机器人激光导航")
    quiet = next(o for o in shown["opportunities"] if o["term"] == "静音扫地机器人")
    assert laser["volume"] == 18000.0 and laser["rank"] == 4 and laser["own_titles"] == 0
    assert laser["value"] > robot["value"]  # searched, and few top titles use it
    assert quiet["own_titles"] == 1  # our title has 静音 扫地机器人
    assert all(o["group"] == "清洁" for o in shown["opportunities"])
    assert main(["keywords", "opportunities"]) == 0
    assert "扫地机器人激光导航" in capsys.readouterr().out
