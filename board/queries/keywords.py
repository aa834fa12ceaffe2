"""Keywords: the week's library per group and the coverage gaps of our titles, read through
the keyword package's public functions (the library is built and stored by ``keywords/``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from config import Config
from keywords.advice import own_products
from keywords.library import Library, LibraryTerm, load_library
from keywords.titles import has_term

LIST_LENGTH = 20  # terms per list on the page
GAP_TERMS = 15  # a title is checked against its group's best terms


@dataclass(frozen=True)
class GroupLibrary:
    group: str
    top: list[LibraryTerm]
    hot: list[LibraryTerm]  # new and rising
    new: list[LibraryTerm]
    rising: list[LibraryTerm]
    fading: list[LibraryTerm]


@dataclass(frozen=True)
class LibraryView:
    week: dt.date | None
    previous_week: dt.date | None
    groups: list[GroupLibrary]
    group_names: list[str]


@dataclass(frozen=True)
class Gap:
    group: str
    site: str
    product_id: str
    title: str
    missing: list[str]  # the group's best terms the title lacks


def library_of(session: Session, config: Config, day: dt.date,
               group: str | None = None) -> Library:
    return _library(session, config, day, group)


def _library(session: Session, config: Config, day: dt.date, group: str | None) -> Library:
    """The library of ``day``'s week (the latest built, if that week has none)."""
    library = load_library(session, config, group, day)
    if library.week is None or not library.terms:
        library = load_library(session, config, group)
    return library


def library_view(session: Session, config: Config, day: dt.date,
                 group: str | None = None, library: Library | None = None) -> LibraryView:
    """The library of ``day``'s week per group: its top terms, hot, new, rising, fading."""
    library = library or _library(session, config, day, group)
    names = sorted({t.group for t in library.terms} | {k.group for k in config.keywords})
    groups = []
    for name in sorted({t.group for t in library.terms}):
        terms = [t for t in library.terms if t.group == name]  # best score first

        def trend(kind: str, terms: list[LibraryTerm] = terms) -> list[LibraryTerm]:
            return [t for t in terms if t.trend == kind][:LIST_LENGTH]

        groups.append(GroupLibrary(
            name, terms[:LIST_LENGTH],
            [t for t in terms if t.trend in ("new", "rising")][:LIST_LENGTH],
            trend("new"), trend("rising"), trend("fading")))
    return LibraryView(library.week, library.previous_week, groups, names)


def coverage_gaps(session: Session, config: Config, day: dt.date,
                  group: str | None = None, library: Library | None = None) -> list[Gap]:
    """Per own product, the best terms of its group its title does not use."""
    library = library or _library(session, config, day, group)
    best: dict[str, list[str]] = {}
    for term in library.terms:
        if term.score > 0 and len(best.setdefault(term.group, [])) < GAP_TERMS:
            best[term.group].append(term.term)
    return [Gap(p.group, p.site, p.product_id, p.title,
                [t for t in best.get(p.group, []) if not has_term(p.title, t)])
            for p in own_products(session, sorted(best), day)]
