"""Keyword lists for rewriting titles: ranked terms, coverage of own titles, title suggestions.

Three tables: the ranked terms of each group; the coverage, one row per own product and top
term of its group (long format: readable at a few hundred products, filterable in Excel); the
title advice per own product (keywords.advice). Column headers in the operator's language
(``language``, config.i18n); codes stay English in JSON, not in sheets.

CSV is UTF-8 with a BOM (so that Excel shows Chinese), one file per table; XLSX is one book with
a sheet per table, header row frozen, column widths, a link to each product page, and
conditional colours for the gaps (a top term not in the title, a term to check, a forbidden
claim). Titles and terms come from strangers' pages, so every text cell that a spreadsheet
would read as a formula (starting with = + - @, tab or carriage return) is neutralised with a
leading apostrophe, as OWASP recommends for CSV injection; a link is set only for an http(s)
URL.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from config import Config
from config.i18n import N_, gettext
from keywords.advice import OwnProduct, ProductAdvice, advise
from keywords.library import Library, LibraryTerm
from keywords.segment import Segmenter
from keywords.titles import compact, forbidden_in, has_term, title_length

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COVERAGE_TERMS = 30  # top terms of its group per own product in the coverage table
# headers: English msgids, shown in the operator's language
TERM_HEADER = (N_("group"), N_("rank"), N_("term"), N_("kind"), N_("score"),
               N_("searches"), N_("search rank"), N_("text score"), N_("frequency"),
               N_("documents"), N_("share"), N_("top-10 share"), N_("trend"),
               N_("change %"), N_("sources"), N_("first seen"), N_("last seen"),
               N_("forbidden"))
COVERAGE_HEADER = (N_("group"), N_("site"), N_("product id"), N_("term"), N_("rank"),
                   N_("score"), N_("searches"), N_("top-10 share"), N_("in title"),
                   N_("product has it"))
TITLE_HEADER = (N_("group"), N_("site"), N_("product id"), N_("current title"),
                N_("current length"), N_("limit"), N_("unit"), N_("forbidden in title"),
                N_("added"), N_("dropped"), N_("to check"), N_("suggested title"),
                N_("suggested length"))
YES, NO, TO_CHECK = N_("yes"), N_("no"), N_("to check")
RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
AMBER = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")


def safe(value: object) -> object:
    """A text cell that could start a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def link(url: str | None) -> str | None:
    """A URL a sheet may link to: absolute http(s) with a host, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True)
class KeywordExport:
    library: Library
    advice: list[ProductAdvice]
    forbidden: Sequence[str]  # the operator's own forbidden words
    language: str = "en"

    @property
    def products(self) -> list[OwnProduct]:
        return [a.product for a in self.advice]

    def text(self, msgid: str) -> str:
        return gettext(self.language, msgid)

    def header(self, names: Sequence[str]) -> list[str]:
        return [self.text(n) for n in names]

    def term_rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        rank: dict[str, int] = {}
        for t in self.library.terms:
            rank[t.group] = rank.get(t.group, 0) + 1
            rows.append([
                t.group, rank[t.group], t.term, t.kind, t.score, t.demand, t.demand_rank,
                t.text_score, t.frequency, t.doc_frequency, t.share, t.top10_share, t.trend,
                t.change_pct, "+".join(t.sources), t.first_seen.isoformat(),
                t.last_seen.isoformat(), "|".join(forbidden_in(t.term, self.forbidden))])
        return rows

    def _top(self) -> dict[str, list[LibraryTerm]]:
        top: dict[str, list[LibraryTerm]] = {}
        for t in self.library.terms:
            if t.score > 0 and len(top.setdefault(t.group, [])) < COVERAGE_TERMS:
                top[t.group].append(t)
        return top

    def coverage_rows(self) -> list[list[object]]:
        """One row per own product and top term of its group: is it in the title, does the
        product vouch for it (title, attributes) or is it to check."""
        rows: list[list[object]] = []
        top = self._top()
        for item in self.advice:
            p, a = item.product, item.advice
            vouched = compact(" ".join([p.title, a.title, *item.attributes]))
            for rank, t in enumerate(top.get(p.group, []), 1):
                inside = has_term(p.title, t.term)
                has = YES if inside or compact(t.term) in vouched else \
                    TO_CHECK if t.term in a.to_check else ""
                rows.append([p.group, p.site, p.product_id, t.term, rank, t.score, t.demand,
                             t.top10_share, self.text(YES if inside else NO),
                             self.text(has) if has else ""])
        return rows

    def title_rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        for item in self.advice:
            p, s = item.product, item.advice
            rows.append([p.group, p.site, p.product_id, p.title, title_length(p.title, s.unit),
                         s.limit, s.unit,
                         "|".join(f"{h.word} ({h.article})" for h in s.forbidden),
                         "|".join(s.added), "|".join(s.dropped), "|".join(s.to_check),
                         s.title, s.length])
        return rows


def build_export(session: Session, config: Config, group: str | None = None,
                 day: dt.date | None = None, segmenter: Segmenter | None = None,
                 ) -> KeywordExport:
    library, advice = advise(session, config, group, day, segmenter)
    return KeywordExport(library, advice, config.keyword_library.forbidden_words,
                         config.language)


def _csv(path: Path, header: Sequence[object], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe(v) for v in header])
        writer.writerows([[safe(v) for v in row] for row in rows])


def _sheet(workbook: Workbook, title: str, header: Sequence[object],
           rows: list[list[object]], widths: dict[int, int]) -> Worksheet:
    sheet = workbook.create_sheet(title)
    sheet.append([safe(v) for v in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe(v) for v in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(index, 14)
    return sheet


def _links(sheet: Worksheet, column: int, urls: list[str | None]) -> None:
    """The product id cells link to the product page."""
    for row, url in enumerate(urls, 2):
        if (target := link(url)) is not None:
            cell = sheet.cell(row, column)
            cell.hyperlink = target
            cell.style = "Hyperlink"


def _colour(sheet: Worksheet, column: int, value: str, fill: PatternFill) -> None:
    """Rows whose ``column`` holds ``value`` (or, with value "", anything) get ``fill``."""
    letter = get_column_letter(column)
    last = max(sheet.max_row, 2)
    text = value.replace('"', '""')
    formula = f'LEN(${letter}2)>0' if not value else f'${letter}2="{text}"'
    sheet.conditional_formatting.add(f"{letter}2:{letter}{last}",
                                     FormulaRule(formula=[formula], fill=fill))


def titles_path(path: Path) -> Path:
    """Where the CSV export puts its title suggestions: beside the term list."""
    return path.with_name(f"{path.stem}-titles{path.suffix}")


def coverage_path(path: Path) -> Path:
    """Where the CSV export puts its coverage table: beside the term list."""
    return path.with_name(f"{path.stem}-coverage{path.suffix}")


def export(data: KeywordExport, fmt: str, path: Path) -> list[Path]:
    """Write the export; CSV as three files (terms, titles, coverage), XLSX as one book."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _csv(path, data.header(TERM_HEADER), data.term_rows())
        _csv(titles_path(path), data.header(TITLE_HEADER), data.title_rows())
        _csv(coverage_path(path), data.header(COVERAGE_HEADER), data.coverage_rows())
        return [path, titles_path(path), coverage_path(path)]
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    _sheet(workbook, data.text(N_("keywords")), data.header(TERM_HEADER), data.term_rows(),
           {3: 24, 15: 30})
    titles = _sheet(workbook, data.text(N_("titles")), data.header(TITLE_HEADER),
                    data.title_rows(), {4: 50, 8: 30, 9: 30, 10: 30, 11: 40, 12: 50})
    _links(titles, 3, [p.url for p in data.products])
    _colour(titles, 8, "", RED)  # a forbidden claim in the current title
    _colour(titles, 11, "", AMBER)  # terms to check with the product team
    rows = data.coverage_rows()
    coverage = _sheet(workbook, data.text(N_("coverage")), data.header(COVERAGE_HEADER), rows,
                      {4: 24})
    urls = {(p.group, p.site, p.product_id): p.url for p in data.products}
    _links(coverage, 3, [urls.get((str(r[0]), str(r[1]), str(r[2]))) for r in rows])
    _colour(coverage, 9, data.text(NO), RED)  # a top term the title lacks
    _colour(coverage, 10, data.text(TO_CHECK), AMBER)
    workbook.save(path)
    return [path]
