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
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config import Config
from db.models import Keyword, Product, RankObservation, Site
from keywords.library import Library, LibraryTerm, load_library, segmenter_for
from keywords.segment import SPEC, Segmenter, normalise
from keywords.titles import (
    Suggestion,
    forbidden_in,
    forbidden_words,
    has_term,
    suggest_title,
    title_length,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TERM_HEADER = ("group", "rank", "term", "kind", "score", "frequency", "doc_frequency", "share",
               "top10_share", "trend", "change_pct", "sources", "first_seen", "last_seen",
               "forbidden")
TITLE_HEADER = ("group", "site", "product_id", "current_title", "current_length", "limit",
                "unit", "forbidden_in_title", "missing_top_terms", "suggested_terms",
                "suggested_title", "suggested_length")


def safe(value: object) -> object:
    """A text cell that could start a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class OwnProduct:
    group: str
    site: str
    product_id: str
    title: str


@dataclass(frozen=True)
class KeywordExport:
    library: Library
    products: list[OwnProduct]
    suggestions: list[Suggestion]
    missing: list[list[str]]  # per own product: top terms its title lacks (the coverage gap)
    forbidden: list[str]

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
        for product, s, missing in zip(self.products, self.suggestions, self.missing,
                                       strict=True):
            rows.append([product.group, product.site, product.product_id, product.title,
                         title_length(product.title, s.unit), s.limit, s.unit,
                         "|".join(forbidden_in(product.title, self.forbidden)),
                         "|".join(missing), "|".join(s.terms), s.title, s.length])
        return rows


def own_products(session: Session, groups: Sequence[str]) -> list[OwnProduct]:
    """Own products of the groups: configured for the group, or ranked for its keywords."""
    ranked = (select(Keyword.group, RankObservation.product_id).distinct()
              .join(Keyword, Keyword.id == RankObservation.keyword_id)
              .where(Keyword.group.in_(groups)))
    pairs = {(group, pid) for group, pid in session.execute(ranked)}
    statement = (select(Product, Site.name).join(Site, Site.id == Product.site_id)
                 .where(Product.is_own, or_(Product.group.in_(groups),
                                            Product.id.in_({pid for _g, pid in pairs})))
                 .order_by(Site.name, Product.external_id))
    out = []
    for product, site in session.execute(statement):
        for group in groups:
            if product.title and (product.group == group or (group, product.id) in pairs):
                out.append(OwnProduct(group, site, product.external_id, product.title))
    return out


def product_nouns(config: Config, segmenter: Segmenter) -> dict[str, list[str]]:
    """Per group, the product nouns its search terms name: the last word of each term
    (Chinese noun phrases end with their head: 静音扫地机器人 -> 扫地机器人)."""
    nouns: dict[str, list[str]] = {}
    for keyword in config.keywords:
        words = segmenter.segment(keyword.term)
        if words and words[-1] not in nouns.setdefault(keyword.group, []):
            nouns[keyword.group].append(words[-1])
    return nouns


def _core_noun(nouns: list[str], terms: list[LibraryTerm], title: str) -> str | None:
    """The product's noun: one its title has (the best-scoring), else the group's best."""
    score = {t.term: t.score for t in terms}
    ranked = sorted(nouns, key=lambda n: -score.get(n, 0.0))
    return next((n for n in ranked if has_term(title, n)), ranked[0] if ranked else None)


def build_export(session: Session, config: Config, group: str | None = None,
                 day: dt.date | None = None, segmenter: Segmenter | None = None,
                 ) -> KeywordExport:
    library = load_library(session, config, group, day)
    groups = sorted({t.group for t in library.terms})
    products = own_products(session, groups)
    segmenter = segmenter or segmenter_for(config)
    forbidden = forbidden_words(config.keyword_library.forbidden_words)
    brands = {normalise(b).strip() for b in session.scalars(select(Product.brand).distinct())
              if b}
    brands |= {normalise(b).strip() for b in config.competitors.brands}
    brands |= {w for w, tag in segmenter.tokenizer.user_word_tag_tab.items() if tag == "nz"}
    own_brands = [normalise(b).strip() for b in config.own.brands]
    limits = {site.name: site.title_limit() for site in config.sites}
    nouns = product_nouns(config, segmenter)
    suggestions, missing = [], []
    for product in products:
        terms = [t for t in library.terms if t.group == product.group and t.score > 0]
        title = normalise(product.title)
        brand = next((b for b in own_brands if b in title), own_brands[0] if own_brands else None)
        models = [m for m in SPEC.findall(title) if any(ch.isalpha() for ch in m)]
        core = _core_noun(nouns.get(product.group, []), terms, title)
        # Numbers are facts about one product (another's model, 5000Pa, 5L): a term with a
        # digit is suggested only if this product's title already has it.
        ranked = [t.term for t in terms
                  if not any(ch.isdigit() for ch in t.term) or has_term(title, t.term)]
        limit, unit = limits.get(product.site, (60, "bytes"))
        exclude = (brands - set(own_brands)) | set(nouns.get(product.group, [])) - {core}
        suggestions.append(suggest_title(
            ranked=ranked, limit=limit, unit=unit, brand=brand, core=core, keep=models[:1],
            forbidden=forbidden, exclude=exclude))
        usable = [t for t in ranked if not forbidden_in(t, forbidden)
                  and not exclude.intersection([t, *t.split()])]
        missing.append([t for t in usable if not has_term(title, t)][:10])
    return KeywordExport(library, products, suggestions, missing, forbidden)


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
