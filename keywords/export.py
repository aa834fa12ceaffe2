"""Export ranked keyword lists: CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from keywords.library import RankedTerm

HEADER = ("group", "rank", "term", "score", "frequency", "doc_frequency", "top10_share",
          "sources", "first_seen", "last_seen")


def _rows(terms: Sequence[RankedTerm]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    rank_in_group: dict[str, int] = {}
    for t in terms:
        rank_in_group[t.group] = rank_in_group.get(t.group, 0) + 1
        rows.append((t.group, rank_in_group[t.group], t.term, t.score, t.frequency,
                     t.doc_frequency, round(t.top10_share, 4), "+".join(t.sources),
                     t.first_seen.isoformat(), t.last_seen.isoformat()))
    return rows


def export_csv(terms: Sequence[RankedTerm], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_rows(terms))
    return path


def export_xlsx(terms: Sequence[RankedTerm], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "keywords"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(terms):
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["C"].width = 24
    workbook.save(path)
    return path


def export(terms: Sequence[RankedTerm], fmt: str, path: Path) -> Path:
    if fmt == "csv":
        return export_csv(terms, path)
    if fmt == "xlsx":
        return export_xlsx(terms, path)
    raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
