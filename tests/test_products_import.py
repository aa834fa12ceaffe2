"""``shopwatch products import``: many products watched from a spreadsheet, all rows or none."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from db.models import CrawlRun, Product, ProductSnapshot, Site
from db.session import session_scope
from demoshop.server import ShopServer
from monitor.cli import main
from tests.support import demo_config, write_config

DAY = dt.date(2026, 11, 24)


def _config(tmp_path: Path, db_url: str, base_url: str = "http://127.0.0.1:9") -> str:
    return str(write_config(tmp_path / "shopwatch.toml",
                            demo_config(base_url, db_url, listing_paths=())))


def _listed(config: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["products", "list", "--json", "--config", config]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_a_csv_in_excels_chinese_encoding_with_chinese_headers(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, db_url)
    sheet = tmp_path / "竞品.csv"
    sheet.write_bytes("站点,商品链接,角色,分组,对标\n"
                      "demo,http://127.0.0.1:9/item/100001.html,本品,清洁,\n"
                      "demo,http://127.0.0.1:9/item/100011.html,竞品,清洁,100001\n"
                      .encode("gb18030"))
    assert main(["products", "import", str(sheet), "--config", config]) == 0
    assert "2 new, 0 updated" in capsys.readouterr().out
    rows = _listed(config, capsys)
    assert [(r["id"], r["role"], r["group"], r["compare_to"], r["source"]) for r in rows] == [
        ("100001", "own", "清洁", None, "竞品.csv row 2"),
        ("100011", "competitor", "清洁", "100001", "竞品.csv row 3")]
    # the same sheet again changes nothing
    assert main(["products", "import", str(sheet), "--config", config]) == 0
    assert "0 new, 2 updated" in capsys.readouterr().out
    assert len(_listed(config, capsys)) == 2


def test_an_xlsx_with_numeric_ids(db_url: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, db_url)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Site", "ID", "Role", "Group", "Compare_to"])
    sheet.append(["demo", 100001, "own", "清洁", None])
    sheet.append(["demo", 100011.0, "competitor", "清洁", 100001])  # Excel keeps numbers
    path = tmp_path / "watch.xlsx"
    book.save(path)
    assert main(["products", "import", str(path), "--config", config]) == 0
    assert [(r["id"], r["compare_to"]) for r in _listed(config, capsys)] == [
        ("100001", None), ("100011", "100001")]


def test_one_wrong_row_imports_nothing_and_every_error_names_its_row(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, db_url)
    sheet = tmp_path / "watch.csv"
    sheet.write_text("site,id,url,role,compare_to\n"
                     "demo,100001,,own,\n"              # row 2: fine
                     "nosuch,100002,,,\n"               # row 3: unknown site
                     "demo,100003,,boss,\n"             # row 4: unknown role
                     "demo,100001,,,\n"                 # row 5: twice
                     "demo,100004,,,999\n"              # row 6: compare_to not ours
                     "demo,,ftp://x/item/1.html,,\n"    # row 7: not an http address
                     "demo,,http://127.0.0.1:9/about,,\n"  # row 8: no id in the address
                     "demo,,,,\n", "utf-8")             # row 9: neither id nor url
    assert main(["products", "import", str(sheet), "--config", config]) == 2
    err = capsys.readouterr().err
    assert "7 row(s) wrong, nothing imported" in err
    for row, words in [(3, "nosuch"), (4, "boss"), (5, "row 2 already"), (6, "999"),
                       (7, "not an http"), (8, "cannot tell the product id"),
                       (9, "needs an id or a url")]:
        line = next((x for x in err.splitlines() if x.strip().startswith(f"row {row}:")), "")
        assert words in line, (row, err)
    assert "row 2:" not in err
    assert _listed(config, capsys) == []
    # a header without the needed columns names what it found
    bad = tmp_path / "bad.csv"
    bad.write_text("name,price\nx,1\n", "utf-8")
    assert main(["products", "import", str(bad), "--config", config]) == 2
    assert "row 1: the header needs the columns site and id or url" in capsys.readouterr().err


def test_imported_products_are_crawled_and_a_config_block_wins(
        db_url: str, tmp_path: Path, shop: ShopServer,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, db_url, shop.url)
    with open(config, "a", encoding="utf-8") as extra:
        extra.write('\n[[products]]\nsite = "demo"\nid = "100011"\ngroup = "配置"\n')
    sheet = tmp_path / "watch.csv"
    sheet.write_text(f"site,id,url,group\ndemo,,{shop.url}/item/100002.html,导入\n"
                     "demo,100011,,导入\n", "utf-8")
    assert main(["products", "import", str(sheet), "--config", config]) == 0
    assert "row 3: demo 100011 has a [[products]] block" in capsys.readouterr().out
    assert main(["crawl", "--spider", "listings", "--date", DAY.isoformat(),
                 "--config", config]) == 0
    with session_scope(db_url) as s:
        seen = dict(s.execute(select(Product.external_id, Product.group)
                              .join(ProductSnapshot).join(CrawlRun)
                              .join(Site, Site.id == CrawlRun.site_id)
                              .where(CrawlRun.day == DAY, Site.name == "demo")).all())
    assert seen == {"100002": "导入", "100011": "配置"}
