"""Readers for the platforms' search-term reports: rows of (term, demand) from CSV or XLSX. Pure.

Layouts (the column headers each report uses, Chinese and English; see README "Search demand"):

- ``sycm``: Tmall/Taobao 生意参谋, 市场 > 搜索排行: 搜索词, 热搜排名, 搜索人气, 点击人气, 点击率,
  支付转化率, 在线商品数, 直通车参考价;
- ``jd``: 京东商智, 行业 > 行业关键词 / 搜索词: 搜索词 (关键词), 搜索排名, 搜索指数, 点击指数,
  点击率, 成交转化率, 商品数;
- ``amazon-ba``: Amazon Brand Analytics, Search Terms: Search Frequency Rank, Search Term,
  #1 Clicked ASIN, #1 Click Share, #1 Conversion Share … (a metadata line above the header);
- ``helium10``: Helium 10 Cerebro / Magnet: Keyword Phrase, Search Volume, Search Volume Trend,
  Competing Products, Title Density, CPR …

A report may carry title lines and a header over two rows (merged cells: "搜索指标" over
搜索人气, 点击人气): the header is the row (or pair of rows) that names the most columns of a
layout. Numbers come as the platforms write them: "1.2万", "3亿", "12,345", "12.5%", ranges
("1,000-2,000": the middle, ">10,000": the bound), "-" for none. Unknown columns are ignored; a
missing required column is an error naming it; a row with a bad value is reported by its row
number, and :func:`read_report` returns rows only when every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

SOURCES = ("sycm", "jd", "amazon-ba", "helium10")
HEADER_SCAN = 12  # rows searched for the header
# field -> accepted headers (lower case, spaces removed); "term" is always required
LAYOUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "sycm": {"term": ("搜索词",), "rank": ("热搜排名", "排名"), "volume": ("搜索人气",),
             "clicks": ("点击人气",), "click_rate": ("点击率",),
             "conversion": ("支付转化率",), "competing": ("在线商品数",),
             "cpc": ("直通车参考价",)},
    "jd": {"term": ("搜索词", "关键词"), "rank": ("搜索排名", "排名"), "volume": ("搜索指数",),
           "clicks": ("点击指数",), "click_rate": ("点击率",),
           "conversion": ("成交转化率", "转化率"), "competing": ("商品数", "在线商品数")},
    "amazon-ba": {"term": ("searchterm",), "rank": ("searchfrequencyrank",),
                  "click_share": ("#1clickshare",), "conversion": ("#1conversionshare",)},
    "helium10": {"term": ("keywordphrase", "keyword"), "volume": ("searchvolume",),
                 "trend": ("searchvolumetrend",), "competing": ("competingproducts",),
                 "title_density": ("titledensity",)},
}
REQUIRED = {"sycm": ("term", "volume"), "jd": ("term", "volume"), "amazon-ba": ("term", "rank"),
            "helium10": ("term", "volume")}
NAMES = {"term": "search term (搜索词)", "volume": "search volume (搜索人气/搜索指数)",
         "rank": "rank (Search Frequency Rank)"}
PERCENT = {"click_rate", "conversion", "click_share", "trend", "title_density"}
UNITS = {"万": 10_000, "亿": 100_000_000, "k": 1_000, "m": 1_000_000}
NUMBER = re.compile(r"^([<>≤≥]=?)?\s*([-+]?\d+(?:\.\d+)?)\s*(万|亿|k|m)?\s*(%)?\+?$", re.I)
DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


class ReportError(ValueError):
    """A report that cannot be imported; the message names the file, row or column."""


@dataclass(frozen=True)
class DemandRow:
    row: int  # 1-based row number in the file
    term: str
    volume: float | None = None
    rank: int | None = None
    click_rate: float | None = None  # 0..1
    conversion: float | None = None  # 0..1
    competing: int | None = None
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    source: str
    rows: list[DemandRow]
    week_hint: dt.date | None  # a date named above the header (Amazon's "Select week")


def number(text: object, percent: bool = False) -> float | None:
    """A platform's number: "1.2万" 12000, "12,345", "12.5%" 0.125, "1,000-2,000" 1500,
    ">10,000" and "10万+" their bound; "" and "-" are None; anything else raises ValueError."""
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text) / 100 if percent and text > 1 else float(text)
    value = str(text).strip().replace(",", "").replace("，", "").replace(" ", "")
    if value in ("", "-", "--", "—", "N/A", "n/a"):
        return None
    if (m := re.fullmatch(r"(.+?)(?:-|~|至|到)(.+)", value)) and not value.startswith("-"):
        low, high = number(m.group(1), percent), number(m.group(2), percent)
        if low is None or high is None:
            raise ValueError(value)
        return (low + high) / 2
    match = NUMBER.match(value)
    if not match:
        raise ValueError(value)
    amount = float(match.group(2)) * UNITS.get((match.group(3) or "").lower(), 1)
    if match.group(4) or (percent and amount > 1):
        amount /= 100
    return round(amount, 6)


def sheet_rows(path: Path) -> Iterator[list[object]]:
    """The rows of a CSV (UTF-8 with or without BOM, else GB18030) or of an XLSX's first
    sheet, merged cells filled with their value (openpyxl keeps it in the top-left cell)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        book = load_workbook(path, data_only=True)
        sheet = book.worksheets[0]
        merged = {}
        for span in sheet.merged_cells.ranges:
            value = sheet.cell(span.min_row, span.min_col).value
            for row in range(span.min_row, span.max_row + 1):
                for col in range(span.min_col, span.max_col + 1):
                    merged[row, col] = value
        for r, row in enumerate(sheet.iter_rows(values_only=True), 1):
            yield [merged.get((r, c), v) for c, v in enumerate(row, 1)]
        return
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReportError(f"{path}: neither UTF-8 nor GB18030 text")
    yield from csv.reader(io.StringIO(text))


def _key(value: object) -> str:
    return re.sub(r"\s+", "", str(value or "")).lower()


def _match(header: Sequence[object], layout: str) -> dict[str, int]:
    """Field -> column for the headers of ``layout`` found in ``header``."""
    found: dict[str, int] = {}
    for column, name in enumerate(header):
        key = _key(name)
        for fld, aliases in LAYOUTS[layout].items():
            if fld not in found and any(key == a or key.endswith(a) for a in aliases):
                found[fld] = column
                break
    return found


def _header(rows: list[list[object]], source: str
            ) -> tuple[str, dict[str, int], int]:
    """The layout, its columns and the header's last row index: the row, or a row joined
    with the one above (a two-row header), that names most columns."""
    best: tuple[int, int, str, dict[str, int], int] = (0, 0, "", {}, -1)
    layouts = SOURCES if source == "auto" else (source,)
    for i, row in enumerate(rows[:HEADER_SCAN]):
        candidates = [row]
        if i:
            above = rows[i - 1]
            candidates.append([f"{above[c] if c < len(above) and above[c] else ''}{v or ''}"
                               for c, v in enumerate(row)])
        for header in candidates:
            for layout in layouts:
                columns = _match(header, layout)
                have = sum(f in columns for f in REQUIRED[layout])
                score = (have, len(columns), layout, columns, i)
                if score[:2] > best[:2]:
                    best = score
    _have, _n, layout, columns, at = best
    if not layout:
        raise ReportError(f"no header row found in the first {HEADER_SCAN} rows (need a "
                          f"search-term column: 搜索词, 关键词, Search Term or Keyword Phrase)")
    missing = [NAMES.get(f, f) for f in REQUIRED[layout] if f not in columns]
    if missing:
        raise ReportError(f"row {at + 1}: a {layout} report needs the column(s) "
                          f"{', '.join(missing)}")
    return layout, columns, at


def _row(number_in_file: int, cells: list[object], columns: dict[str, int]) -> DemandRow:
    def cell(fld: str) -> object:
        at = columns.get(fld)
        return cells[at] if at is not None and at < len(cells) else None

    values: dict[str, float | None] = {}
    for fld in columns:
        if fld == "term":
            continue
        try:
            values[fld] = number(cell(fld), percent=fld in PERCENT)
        except ValueError:
            raise ReportError(f"row {number_in_file}: {fld} {cell(fld)!r} is not a "
                              f"number") from None
    rank, competing = values.pop("rank", None), values.pop("competing", None)
    return DemandRow(number_in_file, str(cell("term")).strip(), values.pop("volume", None),
                     int(rank) if rank is not None else None, values.pop("click_rate", None),
                     values.pop("conversion", None),
                     int(competing) if competing is not None else None,
                     {k: v for k, v in values.items() if v is not None})


def read_report(path: Path, source: str = "auto") -> Report:
    """Every row of the report, or a ReportError naming each bad row (up to 20)."""
    if source != "auto" and source not in SOURCES:
        raise ReportError(f"unknown source {source!r} (one of {', '.join(SOURCES)}, auto)")
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm", ".txt"):
        raise ReportError(f"{path}: a report is a .csv or .xlsx file")
    try:
        rows = list(sheet_rows(path))
    except (OSError, csv.Error, ValueError, KeyError) as exc:
        raise ReportError(f"{path}: cannot read it ({exc})") from None
    try:
        layout, columns, at = _header(rows, source)
    except ReportError as exc:
        raise ReportError(f"{path}: {exc}") from None
    hint = next((dt.date(*map(int, m.groups())) for row in rows[:at] for value in row
                 if (m := DATE.search(str(value or "")))), None)
    good: list[DemandRow] = []
    bad: list[str] = []
    for i, cells in enumerate(rows[at + 1:], at + 2):
        if not any(str(v).strip() for v in cells if v is not None):
            continue  # a blank row
        if not str(cells[columns["term"]] if columns["term"] < len(cells) else "").strip():
            bad.append(f"row {i}: no search term")
            continue
        try:
            row = _row(i, cells, columns)
        except ReportError as exc:
            bad.append(str(exc))
            continue
        required = [f for f in REQUIRED[layout] if f != "term"]
        if all(getattr(row, f) is None for f in required):
            bad.append(f"row {i}: no {NAMES[required[0]]}")
            continue
        good.append(row)
    if bad:
        more = f" and {len(bad) - 20} more" if len(bad) > 20 else ""
        raise ReportError(f"{path}: {len(bad)} bad row(s), nothing imported: "
                          + "; ".join(bad[:20]) + more)
    if not good:
        raise ReportError(f"{path}: no rows under the header (row {at + 1})")
    return Report(layout, good, hint)

