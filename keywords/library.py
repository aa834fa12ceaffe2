"""The keyword library: built from what ShopWatch crawled, kept week by week.

Sources are kept apart: tracked search terms, crawled search suggestions (weighted by their
position), competitor titles (weighted by their best organic rank in the week), own titles.
A build recomputes the whole ISO week (Monday-Sunday) of its day from the observations, so
rebuilding a day never counts twice and a backfill lands in its own week. Earlier weeks are the
history: a term is *new* when no earlier week of the group had it, *rising* when the share of
documents that use it grew by ``rising_ratio`` or more, *fading* when it fell by as much.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Config
from db import repo
from db.models import (
    CrawlRun,
    Keyword,
    KeywordTerm,
    KeywordTermWeek,
    Product,
    ProductSnapshot,
    RankObservation,
    SuggestionObservation,
)
from keywords.demand import combined_score, demand_of, demand_week, reported
from keywords.segment import Segmenter
from keywords.stats import SOURCE_WEIGHT, Document, count_documents, rank_weight, term_rows


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def segmenter_for(config: Config) -> Segmenter:
    library = config.keyword_library
    return Segmenter(library.user_words, library.stop_words)


def _latest_titles(session: Session, product_ids: list[int], start: dt.date,
                   end: dt.date) -> dict[int, str]:
    """Each product's title as last seen in the week (a title may change during the week)."""
    statement = (select(ProductSnapshot.product_id, ProductSnapshot.title)
                 .join(CrawlRun, CrawlRun.id == ProductSnapshot.crawl_run_id)
                 .where(CrawlRun.day.between(start, end), ProductSnapshot.title.is_not(None),
                        ProductSnapshot.product_id.in_(product_ids))
                 .order_by(CrawlRun.day))
    return {pid: title for pid, title in session.execute(statement) if title}


def documents(session: Session, config: Config, start: dt.date, end: dt.date,
              ) -> Iterator[Document]:
    """Every document of the days ``start``..``end``, each tagged with its group and source."""
    for keyword in config.keywords:
        yield Document(keyword.term, "search_term", keyword.group)
    suggestions = (
        select(Keyword.group, Keyword.term, func.min(SuggestionObservation.position))
        .join(SuggestionObservation, SuggestionObservation.keyword_id == Keyword.id)
        .join(CrawlRun, CrawlRun.id == SuggestionObservation.crawl_run_id)
        .where(CrawlRun.day.between(start, end))
        .group_by(Keyword.group, Keyword.term).order_by(Keyword.group, Keyword.term))
    for group, term, position in session.execute(suggestions):
        yield Document(term, "suggestion", group, rank_weight(int(position)))
    ranked = (
        select(Keyword.group, Product.id, Product.is_own, Product.title,
               func.min(RankObservation.organic_position))
        .join(RankObservation, RankObservation.keyword_id == Keyword.id)
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .join(Product, Product.id == RankObservation.product_id)
        .where(CrawlRun.day.between(start, end), RankObservation.organic_position.is_not(None))
        .group_by(Keyword.group, Product.id, Product.is_own, Product.title)
        .order_by(Keyword.group, Product.id))
    rows = list(session.execute(ranked))
    titles = _latest_titles(session, sorted({row[1] for row in rows}), start, end)
    for group, product_id, own, current, best_position in rows:
        text = titles.get(product_id) or current
        if text and best_position is not None:
            best = int(best_position)
            source = "own_title" if own else "competitor_title"
            yield Document(text, source, group, rank_weight(best),
                           top10=not own and best <= 10)


def build_library(session: Session, config: Config, day: dt.date, workers: int = 1,
                  segmenter: Segmenter | None = None) -> dict[str, int]:
    """Recompute the library of ``day``'s week; returns the number of terms per group."""
    start = week_of(day)
    library = config.keyword_library
    counts = count_documents(documents(session, config, start, start + dt.timedelta(days=6)),
                             segmenter or segmenter_for(config), workers)
    rows = term_rows(counts, library.phrase_min_count, library.phrase_threshold,
                     library.max_terms)
    repo.replace_keyword_week(session, start, [
        {"group": r.group, "week": start, "source": r.source, "term": r.term[:128],
         "kind": r.kind, "frequency": r.frequency, "doc_frequency": r.doc_frequency,
         "documents": r.documents, "score": r.score, "top10_share": r.top10_share,
         "built_on": day} for r in rows])
    repo.upsert_keyword_terms(session, [
        {"group": r.group, "source": r.source, "term": r.term[:128], "kind": r.kind,
         "frequency": r.frequency, "doc_frequency": r.doc_frequency, "score": r.score,
         "first_seen": day, "last_seen": day, "extra": {"top10_share": r.top10_share}}
        for r in rows])
    terms: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        terms[r.group].add(r.term)
    return {group: len(terms[group]) for group in sorted({k.group for k in config.keywords}
                                                         | set(terms))}


@dataclass(frozen=True)
class LibraryTerm:
    """A term of a group in one week, its sources merged."""

    group: str
    term: str
    kind: str
    score: float  # text_score + demand points, times the trend factor (keywords.demand)
    frequency: int
    doc_frequency: int
    share: float  # documents that use it / documents of its group's sources this week
    top10_share: float  # share of the top-10 competitor titles that contain it
    sources: tuple[str, ...]
    first_seen: dt.date
    last_seen: dt.date
    trend: str  # new, rising, fading, steady; "" when there is no earlier week to compare
    previous_share: float | None  # the same share in the week compared with
    change_pct: float | None  # share change in per cent; None when new or nothing to compare
    text_score: float = 0.0  # the score from titles, suggestions and search terms alone
    demand: float | None = None  # searches of the reported phrases holding it (keywords.demand)
    demand_rank: int | None = None  # the best Search Frequency Rank / 热搜排名 of such a phrase


@dataclass(frozen=True)
class Library:
    group: str | None
    week: dt.date | None
    previous_week: dt.date | None
    terms: list[LibraryTerm]


def latest_week(session: Session, group: str | None = None,
                before: dt.date | None = None) -> dt.date | None:
    statement = select(func.max(KeywordTermWeek.week))
    if group is not None:
        statement = statement.where(KeywordTermWeek.group == group)
    if before is not None:
        statement = statement.where(KeywordTermWeek.week < before)
    return session.scalar(statement)


def _week_rows(session: Session, week: dt.date, group: str | None) -> list[KeywordTermWeek]:
    statement = select(KeywordTermWeek).where(KeywordTermWeek.week == week)
    if group is not None:
        statement = statement.where(KeywordTermWeek.group == group)
    return list(session.scalars(statement))


@dataclass
class _Merged:
    kind: str = "word"
    score: float = 0.0
    frequency: int = 0
    doc_frequency: int = 0
    top10_share: float = 0.0
    sources: tuple[str, ...] = ()


def _merge(rows: list[KeywordTermWeek]) -> tuple[dict[tuple[str, str], _Merged], dict[str, int]]:
    """Sources merged per (group, term), and each group's documents over all its sources."""
    merged: dict[tuple[str, str], _Merged] = defaultdict(_Merged)
    documents: dict[tuple[str, str], int] = {}
    for row in rows:
        m = merged[row.group, row.term]
        m.kind = row.kind
        m.score += SOURCE_WEIGHT.get(row.source, 1.0) * row.score
        m.frequency += row.frequency
        m.doc_frequency += row.doc_frequency
        m.top10_share = max(m.top10_share, row.top10_share)
        m.sources = tuple(sorted({*m.sources, row.source}))
        documents[row.group, row.source] = row.documents
    per_group: dict[str, int] = defaultdict(int)
    for (group, _source), n in documents.items():
        per_group[group] += n
    return merged, per_group


def load_library(session: Session, config: Config, group: str | None = None,
                 day: dt.date | None = None) -> Library:
    """The library of ``day``'s week (default: the latest built), with week-over-week trends."""
    week = week_of(day) if day else latest_week(session, group)
    if week is None:
        return Library(group, None, None, [])
    previous = latest_week(session, group, before=week)
    now, now_docs = _merge(_week_rows(session, week, group))
    before, before_docs = _merge(_week_rows(session, previous, group)) if previous else ({}, {})
    earlier = (select(KeywordTermWeek.group, KeywordTermWeek.term).distinct()
               .where(KeywordTermWeek.week < week))
    seen = (select(KeywordTerm.group, KeywordTerm.term, func.min(KeywordTerm.first_seen),
                   func.max(KeywordTerm.last_seen))
            .group_by(KeywordTerm.group, KeywordTerm.term))
    if group is not None:
        earlier = earlier.where(KeywordTermWeek.group == group)
        seen = seen.where(KeywordTerm.group == group)
    seen_earlier = set(session.execute(earlier))
    registry = {(grp, term): (first, last) for grp, term, first, last in session.execute(seen)}
    library = config.keyword_library
    terms = []
    demand_at = demand_week(session, week)
    demand = demand_of({t for _g, t in {*now, *before}},
                       reported(session, demand_at)) if demand_at else {}
    for key in {*now, *before}:
        grp, term = key
        m = now.get(key, _Merged())
        share = m.doc_frequency / now_docs[grp] if now_docs.get(grp) else 0.0
        old = before.get(key)
        old_share = (old.doc_frequency / before_docs[grp]
                     if old is not None and before_docs.get(grp) else 0.0)
        if previous is None:
            trend, change = "", None
        elif key not in seen_earlier:
            trend, change = "new", None
        elif old_share == 0.0:
            trend, change = ("rising" if m.doc_frequency >= library.min_documents
                             else "steady"), None
        else:
            change = round(100 * (share - old_share) / old_share, 1)
            rising = share >= old_share * library.rising_ratio and \
                m.doc_frequency >= library.min_documents
            trend = "rising" if rising else "fading" if share * library.rising_ratio <= \
                old_share else "steady"
        first, last = registry.get(key, (week, week))
        wanted = demand.get(term)
        terms.append(LibraryTerm(
            grp, term, m.kind if key in now else (old.kind if old else "word"),
            combined_score(m.score, wanted, m.top10_share, trend),
            m.frequency, m.doc_frequency, round(share, 4), m.top10_share, m.sources, first, last,
            trend, round(old_share, 4) if previous else None, change, round(m.score, 4),
            wanted.volume if wanted else None, wanted.rank if wanted else None))
    terms.sort(key=lambda t: (t.group, -t.score, t.term))
    return Library(group, week, previous, terms)


def hot_terms(library: Library) -> list[LibraryTerm]:
    """New and rising terms, best score first."""
    return [t for t in library.terms if t.trend in ("new", "rising")]
