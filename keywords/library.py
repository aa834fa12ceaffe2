"""Build the keyword library from what ShopWatch crawled: terms, titles, weights, history."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Config
from db import repo
from db.models import CrawlRun, Keyword, KeywordTerm, Product, RankObservation
from keywords.segment import Segmenter

SOURCE_WEIGHT = {"search_term": 3.0, "suggestion": 2.0, "competitor_title": 1.0, "own_title": 0.5}


@dataclass(frozen=True)
class Document:
    text: str
    source: str
    weight: float = 1.0  # a title at rank 1 counts more than one on page 3


@dataclass
class TermStat:
    frequency: int = 0
    doc_frequency: int = 0
    weighted: float = 0.0
    score: float = 0.0
    top10_docs: int = 0


@dataclass
class GroupStats:
    by_source: dict[str, dict[str, TermStat]] = field(default_factory=dict)
    top10_titles: int = 0


def rank_weight(position: int) -> float:
    """DCG-style discount: 1.0 at #1, 0.5 at #3, 0.2 at #31."""
    return 1.0 / math.log2(position + 1)


def term_stats(docs: list[Document], segmenter: Segmenter, top10: set[int] | None = None,
               ) -> GroupStats:
    """Frequency, document frequency and a weighted TF-IDF score per source and term.

    ``top10`` holds the indexes of documents that are top-10 competitor titles.
    """
    tokenised = [segmenter.segment(doc.text) for doc in docs]
    df: Counter[str] = Counter()
    for words in tokenised:
        df.update(set(words))
    n_docs = max(1, len(docs))
    stats = GroupStats(top10_titles=len(top10 or ()))
    for index, (doc, words) in enumerate(zip(docs, tokenised, strict=True)):
        table = stats.by_source.setdefault(doc.source, {})
        for term, count in Counter(words).items():
            stat = table.setdefault(term, TermStat())
            stat.frequency += count
            stat.doc_frequency += 1
            stat.weighted += count * doc.weight * SOURCE_WEIGHT.get(doc.source, 1.0)
            if top10 and index in top10:
                stat.top10_docs += 1
    for table in stats.by_source.values():
        for term, stat in table.items():
            stat.score = round(stat.weighted * math.log(1 + n_docs / df[term]), 4)
    return stats


def _title_documents(session: Session, group: str, day: dt.date) -> list[Document]:
    """Titles in the day's search results for the group's keywords, weighted by rank."""
    statement = (
        select(Product.title, Product.is_own, func.min(RankObservation.organic_position))
        .join(RankObservation, RankObservation.product_id == Product.id)
        .join(Keyword, Keyword.id == RankObservation.keyword_id)
        .join(CrawlRun, CrawlRun.id == RankObservation.crawl_run_id)
        .where(Keyword.group == group, CrawlRun.day == day,
               RankObservation.organic_position.is_not(None))
        .group_by(Product.id, Product.title, Product.is_own)
        .order_by(func.min(RankObservation.organic_position)))
    docs: list[Document] = []
    for title, own, position in session.execute(statement):
        if title and position is not None:
            source = "own_title" if own else "competitor_title"
            docs.append(Document(title, source, rank_weight(int(position))))
    return docs


def _suggestions(session: Session, group: str) -> list[str]:
    """Distinct suggested search terms of the group, over all sites."""
    statement = (select(Keyword.term).where(Keyword.group == group,
                                            Keyword.source == "suggestion")
                 .distinct().order_by(Keyword.term))
    return list(session.scalars(statement))


def build_library(session: Session, config: Config, day: dt.date) -> dict[str, int]:
    """Recompute every keyword group's terms for ``day``; returns the number of terms per group."""
    segmenter = Segmenter(config.keyword_library.user_words, config.keyword_library.stop_words)
    groups = sorted({k.group for k in config.keywords})
    counts: dict[str, int] = {}
    for group in groups:
        docs = [Document(k.term, "search_term") for k in config.keywords if k.group == group]
        docs += [Document(term, "suggestion") for term in _suggestions(session, group)]
        titles = _title_documents(session, group, day)
        competitor = [d for d in titles if d.source == "competitor_title"]
        top10 = {len(docs) + i for i, d in enumerate(competitor[:10])}
        docs += competitor + [d for d in titles if d.source == "own_title"]
        stats = term_stats(docs, segmenter, top10)
        counts[group] = _store(session, group, day, stats)
    return counts


def _store(session: Session, group: str, day: dt.date, stats: GroupStats) -> int:
    rows = []
    for source, table in stats.by_source.items():
        for term, stat in table.items():
            share = stat.top10_docs / stats.top10_titles if stats.top10_titles else 0.0
            rows.append({"group": group, "source": source, "term": term[:128],
                         "frequency": stat.frequency, "doc_frequency": stat.doc_frequency,
                         "score": stat.score, "first_seen": day, "last_seen": day,
                         "extra": {"top10_share": round(share, 4)}})
    repo.upsert(session, KeywordTerm, rows, ["group", "source", "term"],
                ["frequency", "doc_frequency", "score", "last_seen", "extra"])
    return len({row["term"] for row in rows})


@dataclass(frozen=True)
class RankedTerm:
    group: str
    term: str
    score: float
    frequency: int
    doc_frequency: int
    top10_share: float
    sources: tuple[str, ...]
    first_seen: dt.date
    last_seen: dt.date


def ranked_terms(session: Session, group: str | None = None) -> list[RankedTerm]:
    """Terms of a group (or all groups), best score first, sources merged."""
    statement = select(KeywordTerm)
    if group is not None:
        statement = statement.where(KeywordTerm.group == group)
    merged: dict[tuple[str, str], list[KeywordTerm]] = defaultdict(list)
    for row in session.scalars(statement):
        merged[row.group, row.term].append(row)
    out = []
    for (grp, term), rows in merged.items():
        share = max(float((r.extra or {}).get("top10_share", 0.0) or 0.0)  # type: ignore[arg-type]
                    for r in rows)
        out.append(RankedTerm(grp, term, round(sum(float(r.score) for r in rows), 4),
                              sum(r.frequency for r in rows), sum(r.doc_frequency for r in rows),
                              share, tuple(sorted(r.source for r in rows)),
                              min(r.first_seen for r in rows), max(r.last_seen for r in rows)))
    return sorted(out, key=lambda t: (t.group, -t.score, t.term))
