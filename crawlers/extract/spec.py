"""A product page's attributes: its specification table (品牌, 型号, 功能, 容量 …) as
(name, value) rows. Pure: a page in, rows out; the one home of spec-table reading.

Sources, all read: schema.org ``brand``, ``model`` and ``additionalProperty`` (PropertyValue),
two-cell table rows (th/td or td/td) and definition lists (dt/dd) inside a block whose class or
id names a specification (spec, param, attributes, techSpec, detail-bullets, JD's Ptable,
参数, 规格), and list items written "name: value" / "name：value" in such a block (Taobao's
产品参数, JD's parameter list, Amazon's detail bullets). A value listing several things
(功能: 自动集尘、避障) is one row per thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from parsel import Selector

from crawlers.extract.schema import name_of, walk

SPEC_BLOCK = ("spec", "param", "attribute", "attrlist", "attr-list", "techspec", "detail-bullets",
              "detailbullets", "ptable", "参数", "规格")
SEPARATORS = re.compile(r"\s*[、，,;；|]\s*")
COLON = re.compile(r"^\s*([^:：]{1,24}?)\s*[:：]\s*(.+?)\s*$")
MAX_NAME, MAX_VALUE, MAX_ROWS = 32, 120, 80
SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return SPACE.sub(" ", text.replace("\u200e", "").replace("\u200f", "")).strip(" \t:：")


def _values(value: str) -> list[str]:
    """One value per thing listed; a long prose value is not split (it is no list)."""
    value = _clean(value)
    if not value or len(value) > MAX_VALUE:
        return []
    if "(" in value or "（" in value:  # "1 edition (December 5, 2013)": one thing
        return [value]
    parts = [p for p in SEPARATORS.split(value) if p]
    return parts if all(len(p) <= 24 for p in parts) else [value]


def _blocks(doc: Selector) -> list[Selector]:
    conditions = " or ".join(
        f"contains(translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
        f"'abcdefghijklmnopqrstuvwxyz'), '{w}') or contains(translate(@id, "
        f"'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '{w}')"
        for w in SPEC_BLOCK)
    blocks = doc.xpath(f"//*[{conditions}]")
    # the outermost blocks only: a row is read once
    return [b for b in blocks if not b.xpath(f"ancestor::*[{conditions}]")]


def _text(node: Selector) -> str:
    return _clean(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))


def _rows_of_block(block: Selector) -> Iterable[tuple[str, str]]:
    for row in block.xpath(".//tr"):
        cells = row.xpath("./th|./td")
        if len(cells) == 2:
            yield _text(cells[0]), _text(cells[1])
    for term in block.xpath(".//dt"):
        value = term.xpath("following-sibling::dd[1]")
        if value:
            yield _text(term), _text(value[0])
    for item in block.xpath(".//li"):
        if match := COLON.match(_text(item)):
            yield match.group(1), match.group(2)


def _schema_rows(ld: dict[str, Any] | None) -> Iterable[tuple[str, str]]:
    if not ld:
        return
    brand = name_of(ld.get("brand"))
    if brand:
        yield "brand", brand
    if isinstance(ld.get("model"), str):
        yield "model", ld["model"]
    for entry in walk(ld.get("additionalProperty") or []):
        name, value = entry.get("name"), entry.get("value")
        if isinstance(name, str) and isinstance(value, str | int | float):
            yield name, str(value)


def spec_rows(doc: Selector, ld: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The page's attribute rows, in page order, each (name, value) once."""
    rows: dict[tuple[str, str], None] = {}
    found = [*_schema_rows(ld)]
    for block in _blocks(doc):
        found += _rows_of_block(block)
    for name, value in found:
        name = _clean(name)
        if not name or len(name) > MAX_NAME:
            continue
        for part in _values(value):
            rows.setdefault((name, part), None)
        if len(rows) >= MAX_ROWS:
            break
    return list(rows)[:MAX_ROWS]
