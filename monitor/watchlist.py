"""The imported watch list: a spreadsheet of products read and checked against the config
(``shopwatch products import``), and every watched product listed (``products list``).

``read_sheet`` + ``parse_rows`` read one row per product (site, id or URL, role,
group, compare_to), checks every row against the config, and stores all of them or, if any
row is wrong, none: each error names its row. Imported products are crawled and compared like
``[[products]]`` blocks (``crawlers.watch``); a block of the same site and id wins.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import Config
from monitor.cliutil import UserError

# Accepted headers (lower-cased), English and Chinese, for each column.
COLUMNS = {
    "site": ("site", "站点", "平台"),
    "id": ("id", "product_id", "商品id", "商品编号", "sku", "asin"),
    "url": ("url", "link", "链接", "商品链接"),
    "role": ("role", "角色", "类型"),
    "group": ("group", "分组", "类目"),
    "compare_to": ("compare_to", "对标", "对标商品", "对标本品"),
}
ROLES = {"own": "own", "ours": "own", "本品": "own", "自有": "own", "本店": "own",
         "competitor": "competitor", "竞品": "competitor", "": "competitor"}
MAX_ERRORS = 50


@dataclass
class Sheet:
    """The rows of a file, each with its row number as a spreadsheet shows it."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cell(value: Any, where: str) -> str:
    """A cell as text. Excel stores a long numeric id as a number: 100012043978.0 is
    100012043978; a fractional or exponent-rounded one cannot be an id."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise UserError(f"{where}: {value!r} is a number, not an id; format the column as text")
    return str(value).strip()


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    # Excel saves CSV as UTF-8 with a BOM, or in the system code page (GB18030 in China).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(f"{path}: not UTF-8 nor GB18030 text; save the sheet as CSV UTF-8")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = list(csv.reader(io.StringIO(text), dialect))
    if not lines:
        raise UserError(f"{path}: the file is empty")
    return Sheet(str(path), [h.strip() for h in lines[0]],
                 [(n, [c.strip() for c in line]) for n, line in enumerate(lines[1:], start=2)
                  if any(c.strip() for c in line)])


def _read_xlsx(path: Path) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors
        raise UserError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            raise UserError(f"{path}: the first sheet is empty")
        sheet = Sheet(f"{path}", [_cell(h, f"{path} row 1") for h in header])
        for number, line in enumerate(lines, start=2):
            cells = [_cell(v, f"{path} row {number}") for v in line]
            if any(cells):
                sheet.rows.append((number, cells))
        return sheet
    finally:
        book.close()


def read_sheet(path: Path) -> Sheet:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise UserError(f"{path}: give a .csv or .xlsx file")


def _columns(sheet: Sheet) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(sheet.header):
        key = next((c for c, names in COLUMNS.items() if name.lower() in names), None)
        if key is not None and key not in index:
            index[key] = position
    missing = [c for c in ("site",) if c not in index]
    if missing or ("id" not in index and "url" not in index):
        raise UserError(f"{sheet.name} row 1: the header needs the columns site and id or url "
                        f"(found: {', '.join(sheet.header) or 'nothing'}); optional: role, "
                        "group, compare_to")
    return index


def parse_rows(sheet: Sheet, config: Config, imported_own: set[tuple[str, str]]
               ) -> tuple[list[dict[str, Any]], list[str]]:
    """(rows to store, errors "row N: …"). Nothing is stored when there is an error."""
    from crawlers.sites import product_id_from_url

    columns = _columns(sheet)
    sites = {s.name: s for s in config.sites}
    own = {(p.site, p.id) for p in config.products if p.role == "own"} | imported_own
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        value = {c: (cells[i] if i < len(cells) else "") for c, i in columns.items()}
        problems = []
        site = sites.get(value["site"])
        if site is None:
            problems.append(f"site “{value['site']}” is not a site of the config "
                            f"({', '.join(sites) or 'none configured'})")
        url = value.get("url") or None
        if url and not url.startswith(("http://", "https://")):
            problems.append(f"url “{url}” is not an http(s) address")
        pid = value.get("id") or None
        if pid is None and url and site is not None and not problems:
            pid = product_id_from_url(site, url)
            if pid is None:
                problems.append(f"cannot tell the product id from “{url}”; fill the id column")
        if pid is None and not url:
            problems.append("needs an id or a url")
        role = ROLES.get(value.get("role", "").lower())
        if role is None:
            problems.append(f"role “{value['role']}” is neither own nor competitor")
        if problems:
            errors.append(f"row {number}: " + "; ".join(problems))
            continue
        assert pid is not None and site is not None and role is not None
        key = (site.name, pid)
        if key in seen:
            errors.append(f"row {number}: {site.name} {pid} is on row {seen[key]} already")
            continue
        seen[key] = number
        if role == "own":
            own.add(key)
        rows.append({"site": site.name, "external_id": pid, "url": url, "role": role,
                     "group": value.get("group") or "default",
                     "compare_to": value.get("compare_to") or None,
                     "source": f"{Path(sheet.name).name} row {number}", "_row": number})
    for row in rows:  # compare_to may name an own product of a later row
        if row["compare_to"] and (row["site"], row["compare_to"]) not in own:
            errors.append(f"row {row['_row']}: compare_to “{row['compare_to']}” is not an own "
                          f"product of {row['site']} (in the config, imported, or this file)")
    errors.sort(key=lambda e: int(e.split(":")[0].split()[1]))
    return rows, errors


def product_rows(config: Config, session: Any) -> list[dict[str, Any]]:
    """Every watched product: the config's blocks, then the imported ones not shadowed."""
    from db import repo

    rows = [{"site": p.site, "id": p.id, "role": p.role, "group": p.group, "url": p.url,
             "compare_to": p.compare_to, "source": "config"} for p in config.products]
    listed = {(p.site, p.id) for p in config.products}
    rows += [{"site": w.site, "id": w.external_id, "role": w.role, "group": w.group,
              "url": w.url, "compare_to": w.compare_to, "source": w.source or "import"}
             for w in repo.watchlist(session) if (w.site, w.external_id) not in listed]
    return rows
