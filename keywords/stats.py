"""Keyword statistics from a stream of documents: counts, phrases, rank-weighted TF-IDF.

Pure: documents in, term rows out; no database. Counting streams (a document is segmented,
counted and dropped), so memory grows with the vocabulary, not with the input. With
``workers > 1`` the documents are counted in forked worker processes that each keep their own
totals and hand them back once at the end.
"""

from __future__ import annotations

import math
import multiprocessing
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby, islice, pairwise
from operator import is_not
from typing import Any, NamedTuple

from keywords.segment import DOC, Segmenter

# How much one source counts when the sources of a term are merged into one ranking.
SOURCE_WEIGHT = {"search_term": 3.0, "suggestion": 2.0, "competitor_title": 1.0, "own_title": 0.5}
BATCH = 1000  # texts segmented and counted at once
PAIR_LIMIT = 1_000_000  # distinct word pairs kept in all (about 150 MB)
CHUNK = 5000  # documents per hand-over to a worker process
WEIGHT_STEP = 0.05


class Document(NamedTuple):  # a tuple: millions are made in a build, 5x faster than a dataclass
    text: str
    source: str
    group: str = "default"
    weight: float = 1.0  # a title at rank 1 counts more than one on page 3 (rank_weight)
    top10: bool = False  # a competitor title that ranked in the top 10 of the group's keywords


def rank_weight(position: int) -> float:
    """DCG-style discount: 1.0 at #1, 0.5 at #3, 0.2 at #31."""
    return 1.0 / math.log2(position + 1)


Pair = tuple[str, str]


_is_word = partial(is_not, DOC)


def _repeats(items: list[Any]) -> Counter[Any]:
    """How many times each item occurs beyond its first time."""
    return Counter({item: n - 1 for item, n in Counter(items).items() if n > 1})


@dataclass
class Tally:
    """Occurrences of items (words or word pairs), and those beyond the first in a document:
    document frequency = freq - repeats. Titles rarely repeat a word, so counting every word
    of a batch in one C-speed ``Counter.update`` and correcting the few repeats is far cheaper
    than a set per document."""

    freq: Counter[Any] = field(default_factory=Counter)
    repeats: Counter[Any] = field(default_factory=Counter)

    def df(self, item: Any) -> int:
        return int(self.freq[item] - self.repeats[item])

    def merge(self, other: Tally) -> None:
        self.freq.update(other.freq)
        self.repeats.update(other.repeats)

    def drop(self, items: Iterable[Any]) -> None:
        for item in list(items):
            self.freq.pop(item, None)
            self.repeats.pop(item, None)


BucketKey = tuple[str, str, float, bool]  # group, source, rounded weight, top10
TableKey = tuple[str, str, bool]  # group, source, top10
_ROUNDED: dict[float, float] = {}


def bucket_key(doc: Document) -> BucketKey:
    """Documents of one bucket are segmented together: their weights are rounded to 0.05, so
    that about 20 buckets hold all ranks and a batch's words share one weight."""
    weight = _ROUNDED.get(doc.weight)
    if weight is None:
        rounded = max(WEIGHT_STEP, round(doc.weight / WEIGHT_STEP) * WEIGHT_STEP)
        weight = _ROUNDED[doc.weight] = round(rounded, 2)
    return doc.group, doc.source, weight, doc.top10


@dataclass
class Table:
    """Counts of one group, source and top-10 flag."""

    documents: int = 0
    weight: float = 0.0  # the documents' total rank weight
    words: Tally = field(default_factory=Tally)
    weighted: Counter[Any] = field(default_factory=Counter)  # sum of weight x count (floats)
    pairs: Tally = field(default_factory=Tally)

    def merge(self, other: Table) -> None:
        self.documents += other.documents
        self.weight += other.weight
        self.words.merge(other.words)
        self.pairs.merge(other.pairs)
        self.weighted.update(other.weighted)


@dataclass
class Counts:
    tables: dict[TableKey, Table] = field(default_factory=dict)
    characters: int = 0
    pairs_forgotten: int = 0  # pair entries dropped by the memory bound (lossy counting)
    _floor: int = 0
    _added: int = 0  # batches counted

    def add(self, key: BucketKey, texts: list[str], segmenter: Segmenter) -> None:
        """Count a batch of texts of one bucket (one weight)."""
        group, source, weight, top10 = key
        table = self.tables.get((group, source, top10))
        if table is None:
            table = self.tables[group, source, top10] = Table()
        flat = segmenter.flat(texts)
        table.documents += len(texts)
        table.weight += weight * len(texts)
        self.characters += sum(map(len, texts))
        batch = Counter(flat)
        table.words.freq.update(batch)
        table.weighted.update({term: n * weight for term, n in batch.items()})
        table.pairs.freq.update(pairwise(flat))
        for is_word, run in groupby(flat, _is_word):
            if is_word:
                doc = list(run)
                distinct = set(doc)
                distinct.discard(None)
                if len(distinct) < len(doc) - doc.count(None):
                    table.words.repeats.update(_repeats(doc))
                    table.pairs.repeats.update(_repeats(list(pairwise(doc))))
        self._added += 1
        if self._added % 16 == 0:
            self._bound_pairs()

    def _bound_pairs(self) -> None:
        """Memory stays flat on any input: when the pair tables hold more than PAIR_LIMIT
        entries, pairs seen at most ``floor`` times so far are forgotten (lossy counting; the
        floor rises when that is not enough). A phrase needs min_count occurrences, so a real
        one loses at most ``floor`` of them."""
        while sum(len(t.pairs.freq) for t in self.tables.values()) > PAIR_LIMIT:
            self._floor += 1
            for table in self.tables.values():
                before = len(table.pairs.freq)
                # a new, compact Counter: a dict never shrinks when entries are deleted
                table.pairs.freq = Counter({p: n for p, n in table.pairs.freq.items()
                                            if n > self._floor})
                self.pairs_forgotten += before - len(table.pairs.freq)

    def finish(self) -> Counts:
        """Drop the markers and dropped-word slots that were counted along."""
        for table in self.tables.values():
            table.words.drop((None, DOC))
            for marker in (None, DOC):
                table.weighted.pop(marker, None)
            table.pairs.drop(p for p in table.pairs.freq
                             if None in p or DOC in p or p[0] == p[1])
        return self

    def merge(self, other: Counts) -> None:
        for key, table in other.tables.items():
            self.tables.setdefault(key, Table()).merge(table)
        self.characters += other.characters
        self.pairs_forgotten += other.pairs_forgotten


Batch = tuple[BucketKey, list[str]]


def _batches(docs: Iterable[Document], size: int = BATCH) -> Iterator[Batch]:
    """The documents' texts in batches of one bucket each (streamed: at most ``size`` texts
    per bucket are held)."""
    pending: dict[BucketKey, list[str]] = defaultdict(list)
    for doc in docs:
        key = bucket_key(doc)
        texts = pending[key]
        texts.append(doc.text)
        if len(texts) >= size:
            yield key, texts
            pending[key] = []
    yield from ((key, texts) for key, texts in pending.items() if texts)


def _count(docs: Iterable[Document], segmenter: Segmenter) -> Counts:
    counts = Counts()
    for key, texts in _batches(docs):
        counts.add(key, texts, segmenter)
    return counts.finish()


_WORKER: Segmenter | None = None  # the parent's segmenter, inherited by forked workers


def _chunks(tasks: multiprocessing.Queue[list[Document] | None]) -> Iterator[Document]:
    while (chunk := tasks.get()) is not None:
        yield from chunk


def _worker(tasks: multiprocessing.Queue[list[Document] | None],
            results: multiprocessing.Queue[Counts]) -> None:
    assert _WORKER is not None
    results.put(_count(_chunks(tasks), _WORKER))


def count_documents(docs: Iterable[Document], segmenter: Segmenter, workers: int = 1) -> Counts:
    """Segment and count a stream of documents (in ``workers`` forked processes when > 1:
    the parent only reads and hands over documents, each worker keeps its own totals)."""
    if workers <= 1:
        return _count(docs, segmenter)
    global _WORKER
    _WORKER = segmenter
    context = multiprocessing.get_context("fork")
    tasks: multiprocessing.Queue[list[Document] | None] = context.Queue(maxsize=4 * workers)
    results: multiprocessing.Queue[Counts] = context.Queue()
    processes = [context.Process(target=_worker, args=(tasks, results), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    try:
        iterator = iter(docs)
        while chunk := list(islice(iterator, CHUNK)):
            tasks.put(chunk)
        for _ in processes:
            tasks.put(None)
        counts = results.get()
        for _ in processes[1:]:
            counts.merge(results.get())
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        _WORKER = None
    return counts


@dataclass(frozen=True)
class TermRow:
    group: str
    source: str
    term: str
    kind: str  # "word" or "phrase" (two words joined by a space)
    frequency: int
    doc_frequency: int
    documents: int  # documents of this group and source
    score: float
    top10_share: float  # share of the group's top-10 competitor titles that contain the term


def _npmi(pair_count: int, a_count: int, b_count: int, total: int) -> float:
    """Normalised pointwise mutual information of an adjacent pair, -1..1 (1: always together)."""
    p_ab = pair_count / total
    if p_ab >= 1.0:
        return 1.0
    return math.log(p_ab / ((a_count / total) * (b_count / total))) / -math.log(p_ab)


def _word_totals(counts: Counts) -> dict[str, Counter[str]]:
    totals: dict[str, Counter[str]] = {}
    for (group, _source, _top10), table in counts.tables.items():
        totals.setdefault(group, Counter()).update(table.words.freq)
    return totals


def find_phrases(counts: Counts, min_count: int = 3, threshold: float = 0.3,
                 ) -> dict[str, dict[Pair, float]]:
    """Per group, adjacent word pairs that co-occur far more often than chance (NPMI)."""
    words = _word_totals(counts)
    pairs: dict[str, Counter[Pair]] = {}
    for (group, _source, _top10), table in counts.tables.items():
        pairs.setdefault(group, Counter()).update(table.pairs.freq)
    found: dict[str, dict[Pair, float]] = {}
    for group, pair_counts in pairs.items():
        unigrams = words[group]
        total = sum(unigrams.values())
        found[group] = {
            pair: round(score, 4) for pair, count in pair_counts.items() if count >= min_count
            if (score := _npmi(count, unigrams[pair[0]], unigrams[pair[1]], total)) >= threshold}
    return found


@dataclass
class _Totals:
    """One group and source: documents, their total weight, and per term freq/df/weighted."""

    documents: int = 0
    weight: float = 0.0
    freq: Counter[str] = field(default_factory=Counter)
    df: Counter[str] = field(default_factory=Counter)
    weighted: Counter[Any] = field(default_factory=Counter)  # float values
    top10_df: Counter[str] = field(default_factory=Counter)
    phrases: set[str] = field(default_factory=set)


def _totals(counts: Counts, phrases: dict[str, dict[Pair, float]]
            ) -> dict[tuple[str, str], _Totals]:
    totals: dict[tuple[str, str], _Totals] = {}
    for (group, source, top10), table in counts.tables.items():
        t = totals.setdefault((group, source), _Totals())
        t.documents += table.documents
        t.weight += table.weight
        df = {term: n - table.words.repeats[term] for term, n in table.words.freq.items()}
        t.freq.update(table.words.freq)
        t.df.update(df)
        t.weighted.update(table.weighted)
        if top10:
            t.top10_df.update(df)
    for (group, source, top10), table in counts.tables.items():
        t = totals[group, source]
        for pair in phrases.get(group, {}):
            if n := table.pairs.freq[pair]:
                text = " ".join(pair)
                t.phrases.add(text)
                df_n = table.pairs.df(pair)
                t.freq[text] += n
                t.df[text] += df_n
                if top10:
                    t.top10_df[text] += df_n
                # Pairs are not kept by weight: a phrase's documents are among both words'
                # documents, so it gets the lower of the two words' mean rank weights.
                mean = min(t.weighted[w] / t.freq[w] for w in pair)
                t.weighted[text] += n * mean  # type: ignore[assignment]  # float counts
    return totals


def term_rows(counts: Counts, min_count: int = 3, threshold: float = 0.3,
              limit: int | None = None) -> list[TermRow]:
    """Rows per group, source and term (words and mined phrases), best score first.

    score = 100 x (rank-weighted occurrences / total weight of the source's documents) x idf,
    idf = ln((1 + N) / (1 + df)) + 1 over all documents of all groups (smoothed, as sklearn):
    a word every title of every category has ("包邮") scores low, a group's own words high.
    """
    phrases = find_phrases(counts, min_count, threshold)
    totals = _totals(counts, phrases)
    all_df: Counter[str] = Counter()
    top10_docs: Counter[str] = Counter()
    for t in totals.values():
        all_df.update(t.df)
    for (group, _source, top10), table in counts.tables.items():
        if top10:
            top10_docs[group] += table.documents
    n_all = sum(t.documents for t in totals.values())
    rows = []
    for (group, source), t in totals.items():
        group_rows = []
        for term, freq in t.freq.items():
            idf = math.log((1 + n_all) / (1 + all_df[term])) + 1
            share = t.top10_df[term] / top10_docs[group] if top10_docs[group] else 0.0
            kind = "phrase" if term in t.phrases else "word"
            group_rows.append(TermRow(
                group, source, term, kind, freq, t.df[term], t.documents,
                round(100 * t.weighted[term] / t.weight * idf, 4), round(share, 4)))
        group_rows.sort(key=lambda r: (-r.score, r.term))
        rows += group_rows[:limit]
    return rows
