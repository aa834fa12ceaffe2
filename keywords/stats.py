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
from typing import Any

from keywords.segment import DOC, Segmenter

SOURCES = ("search_term", "suggestion", "competitor_title", "own_title")
# How much one source counts when the sources of a term are merged into one ranking.
SOURCE_WEIGHT = {"search_term": 3.0, "suggestion": 2.0, "competitor_title": 1.0, "own_title": 0.5}
BATCH = 1000  # texts segmented and counted at once
PAIR_LIMIT = 2_000_000  # distinct word pairs kept per group and source
WEIGHT_STEP = 0.05


@dataclass(frozen=True)
class Document:
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


BucketKey = tuple[str, str, float, bool]  # group, source, weight, top10
PairKey = tuple[str, str, bool]  # group, source, top10


def bucket_key(doc: Document) -> BucketKey:
    # Weights are rounded to 0.05, so that a few buckets (about 20) hold all ranks.
    weight = max(WEIGHT_STEP, round(doc.weight / WEIGHT_STEP) * WEIGHT_STEP)
    return doc.group, doc.source, round(weight, 2), doc.top10


@dataclass
class Counts:
    """Words per group, source, rounded weight and top-10 flag (a bucket); word pairs per group,
    source and top-10 flag (pairs are many, so they are not split by weight)."""

    words: dict[BucketKey, Tally] = field(default_factory=dict)
    documents: Counter[BucketKey] = field(default_factory=Counter)
    pairs: dict[PairKey, Tally] = field(default_factory=dict)
    characters: int = 0
    pairs_forgotten: int = 0  # pair entries dropped by the memory bound (lossy counting)

    def add(self, key: BucketKey, texts: list[str], segmenter: Segmenter) -> None:
        flat = segmenter.flat(texts)
        words = self.words.get(key) or self.words.setdefault(key, Tally())
        pair_key = key[0], key[1], key[3]
        pairs = self.pairs.get(pair_key) or self.pairs.setdefault(pair_key, Tally())
        self.documents[key] += len(texts)
        self.characters += sum(map(len, texts))
        words.freq.update(flat)
        pairs.freq.update(pairwise(flat))
        for is_word, run in groupby(flat, _is_word):
            if is_word:
                doc = list(run)
                distinct = set(doc)
                distinct.discard(None)
                if len(distinct) < len(doc) - doc.count(None):
                    words.repeats.update(_repeats(doc))
                    pairs.repeats.update(_repeats(list(pairwise(doc))))
        if len(pairs.freq) > PAIR_LIMIT:
            # Memory stays bounded on any input: pairs seen once so far are forgotten (lossy
            # counting); a phrase needs min_count occurrences, so it loses at most one.
            once = [pair for pair, n in pairs.freq.items() if n == 1]
            pairs.drop(once)
            self.pairs_forgotten += len(once)

    def finish(self) -> Counts:
        """Drop the markers and dropped-word slots that were counted along."""
        for tally in self.words.values():
            tally.drop((None, DOC))
        for tally in self.pairs.values():
            tally.drop(p for p in tally.freq if None in p or DOC in p or p[0] == p[1])
        return self

    def merge(self, other: Counts) -> None:
        for key, tally in other.words.items():
            self.words.setdefault(key, Tally()).merge(tally)
        for pair_key, tally in other.pairs.items():
            self.pairs.setdefault(pair_key, Tally()).merge(tally)
        self.documents.update(other.documents)
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


_WORKER: Segmenter | None = None  # the parent's segmenter, inherited by forked workers


def _worker(tasks: multiprocessing.Queue[list[Batch] | None],
            results: multiprocessing.Queue[Counts]) -> None:
    assert _WORKER is not None
    counts = Counts()
    while (batches := tasks.get()) is not None:
        for key, texts in batches:
            counts.add(key, texts, _WORKER)
    results.put(counts.finish())


def count_documents(docs: Iterable[Document], segmenter: Segmenter, workers: int = 1) -> Counts:
    """Segment and count a stream of documents (in ``workers`` forked processes when > 1)."""
    counts = Counts()
    if workers <= 1:
        for key, texts in _batches(docs):
            counts.add(key, texts, segmenter)
        return counts.finish()
    global _WORKER
    _WORKER = segmenter
    context = multiprocessing.get_context("fork")
    tasks: multiprocessing.Queue[list[Batch] | None] = context.Queue(maxsize=2 * workers)
    results: multiprocessing.Queue[Counts] = context.Queue()
    processes = [context.Process(target=_worker, args=(tasks, results), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    try:
        batches = _batches(docs)
        while chunk := list(islice(batches, 4)):
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
    for (group, _source, _weight, _top10), tally in counts.words.items():
        totals.setdefault(group, Counter()).update(tally.freq)
    return totals


def find_phrases(counts: Counts, min_count: int = 3, threshold: float = 0.3,
                 ) -> dict[str, dict[Pair, float]]:
    """Per group, adjacent word pairs that co-occur far more often than chance (NPMI)."""
    words = _word_totals(counts)
    pairs: dict[str, Counter[Pair]] = {}
    for (group, _source, _top10), tally in counts.pairs.items():
        pairs.setdefault(group, Counter()).update(tally.freq)
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
    weighted: dict[str, float] = field(default_factory=dict)
    top10_df: Counter[str] = field(default_factory=Counter)
    phrases: set[str] = field(default_factory=set)


def _totals(counts: Counts, phrases: dict[str, dict[Pair, float]]
            ) -> dict[tuple[str, str], _Totals]:
    totals: dict[tuple[str, str], _Totals] = {}
    for key, tally in counts.words.items():
        group, source, weight, top10 = key
        t = totals.setdefault((group, source), _Totals())
        t.documents += counts.documents[key]
        t.weight += weight * counts.documents[key]
        df = {term: n - tally.repeats[term] for term, n in tally.freq.items()}
        t.freq.update(tally.freq)
        t.df.update(df)
        weighted = t.weighted
        for term, n in tally.freq.items():
            weighted[term] = weighted.get(term, 0.0) + n * weight
        if top10:
            t.top10_df.update(df)
    for (group, source, top10), tally in counts.pairs.items():
        t = totals[group, source]
        for pair in phrases.get(group, {}):
            if n := tally.freq[pair]:
                text = " ".join(pair)
                t.phrases.add(text)
                df_n = tally.df(pair)
                t.freq[text] += n
                t.df[text] += df_n
                if top10:
                    t.top10_df[text] += df_n
                # Pairs are not kept by weight: a phrase's documents are among both words'
                # documents, so it gets the lower of the two words' mean rank weights.
                mean = min(t.weighted[w] / t.freq[w] for w in pair)
                t.weighted[text] = t.weighted.get(text, 0.0) + n * mean
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
    for (group, _source, _weight, top10), n in counts.documents.items():
        if top10:
            top10_docs[group] += n
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

