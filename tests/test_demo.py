"""`shopwatch demo` end to end, checked against the demo shop's own ground truth."""

from __future__ import annotations

import csv
import email
import json
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from demoshop import catalog
from monitor.demo import DEMO_KEYWORDS
from tests.support.demo import STDOUT

SEARCH_DEPTH = 3 * catalog.PAGE_SIZE  # organic results on the three pages crawled


@pytest.fixture(scope="module")
def demo(demo_out: Path) -> tuple[Path, dict[str, Any]]:
    """The run's one ``shopwatch demo`` (tests/conftest.py ``demo_out``), read only."""
    printed = (demo_out / STDOUT).read_text("utf-8")
    assert "alerts:" in printed and "summary.json" in printed
    return demo_out, json.loads((demo_out / "summary.json").read_text("utf-8"))


def _organic(term: str, day: int) -> dict[str, int]:
    return {p.id: i + 1 for i, p in enumerate(catalog.search(term, day)[:SEARCH_DEPTH])}


def expected_rank_alerts() -> set[tuple[str, str, str, str]]:
    own = {p.id for p in catalog.catalogue(2) if p.is_own}
    expected = set()
    for term, _group, sites in DEMO_KEYWORDS:
        before, after = _organic(term, 1), _organic(term, 2)
        found: set[tuple[str, str, str]] = set()
        for pid, old in before.items():
            if pid not in own:
                continue
            new = after.get(pid)
            if new is None:
                found.add(("rank_lost", term, pid))
            elif new - old >= 3 or old <= 20 < new or old <= 10 < new:
                found.add(("rank_drop", term, pid))
            elif old - new >= 3:
                found.add(("rank_gain", term, pid))
        for pid, new in after.items():
            if pid not in own and new <= 10 and before.get(pid, 99) > 10:
                found.add(("new_entrant", term, pid))
        expected |= {(kind, site, term, pid) for kind, term, pid in found for site in sites}
    return expected


def expected_listing_alerts() -> set[tuple[str, str]]:
    day1, day2 = catalog.by_id(1), catalog.by_id(2)
    expected = set()
    for pid, new in day2.items():
        old = day1.get(pid)
        if old is None:
            continue
        change = (new.price - old.price) / old.price * 100
        if not new.is_own and abs(change) >= Decimal(5):
            expected.add(("price_move", pid))
        if old.in_stock and not new.in_stock:
            expected.add(("stock_out", pid))
        if not old.in_stock and new.in_stock:
            expected.add(("back_in_stock", pid))
    return expected


def test_demo_finds_what_the_shop_changed(demo: tuple[Path, dict[str, Any]]) -> None:
    _out, summary = demo
    assert all(run["status"] == "ok" for run in summary["crawl_runs"]), summary["crawl_runs"]
    alerts = summary["alerts"]
    ranks = {(a["kind"], a["site"], a["keyword"], a["product_id"]) for a in alerts
             if a["kind"] in ("rank_drop", "rank_lost", "rank_gain", "new_entrant")}
    listings = {(a["kind"], a["product_id"]) for a in alerts
                if a["kind"] in ("price_move", "stock_out", "back_in_stock")}
    assert ranks == expected_rank_alerts()
    assert listings == expected_listing_alerts()
    kinds = summary["counts"]["alerts_by_kind"]
    assert kinds["rank_drop"] >= 1 and kinds["price_move"] >= 1 and kinds["stock_out"] >= 1
    # what the shop really did: every reported move is a real move, never the 2 % noise
    real_moves = {c.product_id for c in catalog.changes(2) if c.kind == "price_move"}
    assert {pid for kind, pid in listings if kind == "price_move"} <= real_moves
    for alert in alerts:
        assert {"kind", "site", "subject", "before", "after"} <= alert.keys()


def test_demo_writes_digest_and_keyword_exports(demo: tuple[Path, dict[str, Any]]) -> None:
    out, summary = demo
    files = {name: Path(path) for name, path in summary["files"].items()}
    message = email.message_from_bytes(files["digest_eml"].read_bytes())
    kinds = summary["counts"]["alerts_by_kind"]
    subject = str(make_header(decode_header(message["Subject"])))  # the demo runs in Chinese
    assert f"排名下降 {kinds['rank_drop']} 个" in subject
    assert f"价格变动 {kinds['price_move']} 个" in subject
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= parts
    raw = files["keywords_csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    # the demo speaks Chinese: its export's column headers too
    assert list(rows[0])[:5] == ["分组", "排名", "关键词", "类型", "得分"]
    terms = {row["关键词"] for row in rows}
    assert {"扫地机器人", "加湿器", "智能门锁"} <= terms
    top = [row for row in rows if row["分组"] == "清洁"][:5]
    assert [float(r["得分"]) for r in top] == sorted((float(r["得分"]) for r in top),
                                                     reverse=True)
    sheet = load_workbook(files["keywords_xlsx"]).active
    assert sheet is not None
    assert sheet.max_row == len(rows) + 1
    assert (out / "shopwatch.db").exists()


def test_digest_carries_inline_charts(demo: tuple[Path, dict[str, Any]]) -> None:
    _out, summary = demo
    message = email.message_from_bytes(Path(summary["files"]["digest_eml"]).read_bytes())
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert images and len(images) <= 40
    for image in images:
        assert image.get_payload(decode=True).startswith(b"\x89PNG")
        assert f'src="cid:{image["Content-ID"][1:-1]}"' in body


def test_alerts_json_and_report(demo: tuple[Path, dict[str, Any]], tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import main

    out, summary = demo
    config = str(out / "shopwatch.toml")
    assert main(["alerts", "--config", config, "--since", "2000-01-01", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == sum(summary["counts"]["alerts_by_kind"].values())
    required = {"date", "kind", "severity", "site", "product_id", "keyword", "before", "after",
                "sent"}
    assert all(required <= row.keys() for row in rows)
    assert {row["kind"] for row in rows} == set(summary["counts"]["alerts_by_kind"])
    drop = next(row for row in rows if row["kind"] == "rank_drop")
    assert drop["keyword"] and drop["product_id"] and drop["before"].startswith("#")
    assert not any(row["sent"] for row in rows)  # the demo writes .eml, it sends nothing
    day = rows[0]["date"]
    report = tmp_path / "report.html"
    assert main(["report", "--config", config, "--date", day, "--out", str(report)]) == 0
    html = report.read_text("utf-8")
    assert "data:image/png;base64," in html and drop["subject"].split("”")[0][1:] in html
    assert main(["report", "--config", config, "--date", "2001-01-01", "--out",
                 str(report)]) == 2
