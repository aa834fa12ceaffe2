"""The operator's confirmed attribute list: a sheet (CSV or XLSX) with one row per product,
columns ``site``, ``id`` and ``attributes`` (Chinese headers: 站点, 商品ID, 属性 / 卖点), the
attributes separated by 、 ， , ; or |. What it lists, the product vouches for: a suggested title
may use it (keywords.titles). Pure: the sheet in, attributes per product out."""

from __future__ import annotations

import re
from pathlib import Path

from keywords.reports import ReportError, sheet_rows

HEADERS = {"site": ("site", "站点", "平台"), "id": ("id", "product_id", "商品id", "商品编号"),
           "attributes": ("attributes", "属性", "卖点", "confirmed", "已确认属性")}
SPLIT = re.compile(r"\s*[、，,;；|]\s*")


def read_confirmed(path: Path) -> dict[tuple[str, str], list[str]]:
    """Attributes per (site, product id); a row without site or id is an error by number."""
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise ReportError(f"{path}: the attribute list is a .csv or .xlsx file")
    try:
        rows = list(sheet_rows(path))
    except (OSError, ValueError, KeyError) as exc:
        raise ReportError(f"{path}: cannot read it ({exc})") from None
    header = [str(v or "").strip().lower().replace(" ", "") for v in (rows[0] if rows else [])]
    columns = {field: next((i for i, h in enumerate(header) if h in names), None)
               for field, names in HEADERS.items()}
    missing = [field for field, at in columns.items() if at is None]
    if missing:
        raise ReportError(f"{path} row 1: the header needs the column(s) {', '.join(missing)} "
                          f"(site/站点, id/商品ID, attributes/属性)")
    found: dict[tuple[str, str], list[str]] = {}
    bad = []
    for number, cells in enumerate(rows[1:], 2):
        values = {f: str(cells[at] if at is not None and at < len(cells) and
                         cells[at] is not None else "").strip() for f, at in columns.items()}
        if not any(values.values()):
            continue
        if not values["site"] or not values["id"]:
            bad.append(f"row {number}: no site or id")
            continue
        found.setdefault((values["site"], values["id"]), []).extend(
            a for a in SPLIT.split(values["attributes"]) if a)
    if bad:
        raise ReportError(f"{path}: nothing imported: " + "; ".join(bad[:20]))
    return found
