"""Keyword lists for rewriting titles: ranked terms, coverage of own titles, title suggestions.

CSV is UTF-8 with a BOM (so that Excel shows Chinese); XLSX has a header row, frozen panes and
column widths. Titles and terms come from strangers' pages, so every text cell that a
spreadsheet would read as a formula (starting with = + - @, tab or carriage return) is
neutralised with a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from config import Config
from keywords.advice import OwnProduct, ProductAdvice, advise
from keywords.library import Library
from keywords.segment import Segmenter
from keywords.titles import forbidden_in, has_term, title_length

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TERM_HEADER = ("group", "rank", "term", "kind", "score", "frequency", "doc_frequency", "share",
               "top10_share", "trend", "change_pct", "sources", "first_seen", "last_seen",
               "forbidden")
TITLE_HEADER = ("group", "site", "product_id", "current_title", "current_length", "limit",
                "unit", "forbidden_in_title", "added", "dropped", "to_check",
                "suggested_title", "suggested_length")


def safe(value: object) -> object:
    """A text cell that could start a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class KeywordExport:
    library: Library
    advice: list[ProductAdvice]
    forbidden: Sequence[str]  # the operator's own forbidden words

    @property
    def products(self) -> list[OwnProduct]:
        return [a.product for a in self.advice]

    def term_rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        rank: dict[str, int] = {}
        for t in self.library.terms:
            rank[t.group] = rank.get(t.group, 0) + 1
            row: list[object] = [
                t.group, rank[t.group], t.term, t.kind, t.score, t.frequency, t.doc_frequency,
                t.share, t.top10_share, t.trend, t.change_pct, "+".join(t.sources),
                t.first_seen.isoformat(), t.last_seen.isoformat(),
                "|".join(forbidden_in(t.term, self.forbidden))]
            row += [("yes" if has_term(p.title, t.term) else "no") if p.group == t.group else ""
                    for p in self.products]
            rows.append(row)
        return rows

    def header(self) -> list[str]:
        names = [f"in_title:{p.site}:{p.product_id}" for p in self.products]
        # a product that ranks in two groups has a column per group
        return [*TERM_HEADER, *(f"{name}:{p.group}" if names.count(name) > 1 else name
                                for name, p in zip(names, self.products, strict=True))]

    def title_rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        for item in self.advice:
            p, s = item.product, item.advice
            rows.append([p.group, p.site, p.product_id, p.title, title_length(p.title, s.unit),
                         s.limit, s.unit, "|".join(h.word for h in s.forbidden),
                         "|".join(s.added), "|".join(s.dropped), "|".join(s.to_check),
                         s.title, s.length])
        return rows


def build_export(session: Session, config: Config, group: str | None = None,
                 day: dt.date | None = None, segmenter: Segmenter | None = None,
                 ) -> KeywordExport:
    library, advice = advise(session, config, group, day, segmenter)
    return KeywordExport(library, advice, config.keyword_library.forbidden_words)


def _csv(path: Path, header: Sequence[object], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe(v) for v in header])
        writer.writerows([[safe(v) for v in row] for row in rows])


def _sheet(workbook: Workbook, title: str, header: Sequence[object],
           rows: list[list[object]], widths: dict[int, int]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([safe(v) for v in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe(v) for v in row])
    sheet.freeze_panes = "A2"
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(index, 14)


def titles_path(path: Path) -> Path:
    """Where the CSV export puts its title suggestions: beside the term list."""
    return path.with_name(f"{path.stem}-titles{path.suffix}")


def export(data: KeywordExport, fmt: str, path: Path) -> list[Path]:
    """Write the export; CSV as two files (terms, titles), XLSX as one book with two sheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _csv(path, data.header(), data.term_rows())
        _csv(titles_path(path), TITLE_HEADER, data.title_rows())
        return [path, titles_path(path)]
    if fmt == "xlsx":
        workbook = Workbook()
        default = workbook.active
        if default is not None:
            workbook.remove(default)
        _sheet(workbook, "keywords", data.header(), data.term_rows(), {3: 24, 12: 30})
        _sheet(workbook, "titles", TITLE_HEADER, data.title_rows(),
               {4: 50, 9: 40, 10: 40, 11: 50})
        workbook.save(path)
        return [path]
    raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
