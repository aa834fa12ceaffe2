"""Keyword statistics from a stream of documents: counts, phrases, rank-weighted TF-IDF.

Pure: documents in, term rows out; no database. Counting streams (a document is segmented,
counted and dropped), so memory grows with the vocabulary, not with the input. With
``workers > 1`` the documents are counted in forked worker processes that each keep their own
totals and hand them back once at the end.
"""

from __future__ import annotations

import math
import multiprocessing
import queue
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from keywords.segment import DOC_ID, FIRST_WORD, MARKERS, Segmenter

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
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
_EMPTY = np.zeros(0, np.int64)
PAIR_SHIFT = 24  # a pair of word ids (each < MAX_WORDS = 2**24) is one integer: a << 24 | b
_LOW = (1 << PAIR_SHIFT) - 1
DOC_SHIFT = 48  # (document in batch, pair) is one integer too: documents per batch < 2**15
PENDING = 200_000  # pair occurrences held before they are merged into a table's pair counts


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


def _grown(values: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    """``values`` padded with zeros to ``size`` (vocabularies only grow)."""
    if len(values) >= size:
        return values
    grown = np.zeros(size, values.dtype)
    grown[:len(values)] = values
    return grown


def _merge_sorted(codes: Ints, values: Ints, new_codes: Ints, new_values: Ints
                  ) -> tuple[Ints, Ints]:
    """Two sorted, distinct code arrays with per-code value rows merged: values of a code in
    both are added. Binary search and one insertion pass: cheaper than sorting both again."""
    at = np.searchsorted(codes, new_codes)
    known = at < len(codes)
    known[known] = codes[at[known]] == new_codes[known]
    values[at[known]] += new_values[known]
    fresh = ~known
    return (np.insert(codes, at[fresh], new_codes[fresh]),
            np.insert(values, at[fresh], new_values[fresh], axis=0))


@dataclass
class Table:
    """Counts of one group, source and top-10 flag, indexed by word id (Counts.vocab).

    ``freq``, ``df`` and ``weighted`` (sum of rank weight x count) per word; word pairs as
    sorted integer codes (a << 24 | b) with a row of (freq, df) each. Counting in numpy
    arrays instead of Counters of strings and tuples is what makes the build 10x faster than
    segmenting with jieba alone (bench/README.md)."""

    documents: int = 0
    weight: float = 0.0  # the documents' total rank weight
    freq: Ints = field(default_factory=lambda: _EMPTY)
    df: Ints = field(default_factory=lambda: _EMPTY)
    weighted: Floats = field(default_factory=lambda: np.zeros(0))
    pair_codes: Ints = field(default_factory=lambda: _EMPTY)
    pair_counts: Ints = field(default_factory=lambda: np.zeros((0, 2), np.int64))  # freq, df
    _pending: list[tuple[Ints, Ints]] = field(default_factory=list)
    _pending_size: int = 0

    def add(self, ids: npt.NDArray[np.int32], weight: float) -> None:
        """Count one batch of word ids (Segmenter.ids) whose documents share one weight."""
        ids64 = ids.astype(np.int64)
        doc = np.cumsum(ids64 == DOC_ID)  # the document of each position
        is_word = ids64 >= FIRST_WORD
        words, docs = ids64[is_word], doc[is_word]
        counted = np.bincount(words)
        size = len(counted)
        self.freq, self.df = _grown(self.freq, size), _grown(self.df, size)
        self.weighted = _grown(self.weighted, size)
        self.freq[:size] += counted
        self.weighted[:size] += counted * weight
        a, b = ids64[:-1], ids64[1:]
        adjacent = (a >= FIRST_WORD) & (b >= FIRST_WORD) & (a != b)
        codes = (a[adjacent] << PAIR_SHIFT) | b[adjacent]
        keys = (docs << PAIR_SHIFT) | words
        first = np.unique(keys)  # each word once per document
        if len(first) == len(keys):  # no document repeats a word, nor a pair: df = freq
            self.df[:size] += counted
            once = codes
        else:  # pairs once per document, sorted out in the few documents that repeat words
            self.df[:size] += np.bincount(first & _LOW, minlength=size)
            n = int(doc[-1]) + 1
            repeats = np.bincount(docs, minlength=n) != np.bincount(first >> PAIR_SHIFT,
                                                                    minlength=n)
            pair_docs = doc[:-1][adjacent]
            again = repeats[pair_docs]
            once = np.concatenate([codes[~again], np.unique(
                (pair_docs[again] << DOC_SHIFT) | codes[again]) & ((1 << DOC_SHIFT) - 1)])
        self._pending.append((codes, once))
        self._pending_size += len(codes)

    def flush(self) -> int:
        """Merge the pending pair occurrences into the pair counts; returns how many there were."""
        if not self._pending:
            return 0
        codes, freq = np.unique(np.concatenate([c for c, _ in self._pending]),
                                return_counts=True)
        once, df = np.unique(np.concatenate([o for _, o in self._pending]), return_counts=True)
        counts = np.zeros((len(codes), 2), np.int64)
        counts[:, 0] = freq
        counts[np.searchsorted(codes, once), 1] = df
        self.pair_codes, self.pair_counts = _merge_sorted(
            self.pair_codes, self.pair_counts, codes, counts)
        flushed, self._pending, self._pending_size = self._pending_size, [], 0
        return flushed

    def forget_pairs(self, floor: int) -> int:
        """Drop pairs seen at most ``floor`` times; returns how many were dropped."""
        keep = self.pair_counts[:, 0] > floor
        dropped = len(keep) - int(keep.sum())
        self.pair_codes, self.pair_counts = self.pair_codes[keep], self.pair_counts[keep]
        return dropped

    def pad(self, size: int) -> None:
        self.freq, self.df = _grown(self.freq, size), _grown(self.df, size)
        self.weighted = _grown(self.weighted, size)

    def merge(self, other: Table, mapping: Ints) -> None:
        """Add ``other``'s counts; ``mapping`` turns its word ids into this table's."""
        self.documents += other.documents
        self.weight += other.weight
        targets = mapping[:len(other.freq)]
        self.pad(int(mapping.max()) + 1 if len(mapping) else 0)
        self.freq[targets] += other.freq  # ids map one to one: no target repeats
        self.df[targets] += other.df
        self.weighted[targets] += other.weighted
        codes = (mapping[other.pair_codes >> PAIR_SHIFT] << PAIR_SHIFT) | mapping[
            other.pair_codes & _LOW]
        order = np.argsort(codes)
        self.pair_codes, self.pair_counts = _merge_sorted(
            self.pair_codes, self.pair_counts, codes[order], other.pair_counts[order])


@dataclass
class Counts:
    tables: dict[TableKey, Table] = field(default_factory=dict)
    vocab: list[str] = field(default_factory=list)  # word id -> word (ids < FIRST_WORD: markers)
    characters: int = 0
    pairs_forgotten: int = 0  # pair entries dropped by the memory bound (lossy counting)
    _floor: int = 0

    def add(self, key: BucketKey, texts: list[str], segmenter: Segmenter) -> None:
        """Count a batch of texts of one bucket (one weight)."""
        group, source, weight, top10 = key
        table = self.tables.get((group, source, top10))
        if table is None:
            table = self.tables[group, source, top10] = Table()
        table.documents += len(texts)
        table.weight += weight * len(texts)
        self.characters += sum(map(len, texts))
        table.add(segmenter.ids(texts), weight)
        self.vocab = segmenter.vocab
        if table._pending_size > PENDING:
            table.flush()
            self._bound_pairs()

    def _bound_pairs(self) -> None:
        """Memory stays flat on any input: when the pair tables hold more than PAIR_LIMIT
        entries, pairs seen at most ``floor`` times so far are forgotten (lossy counting; the
        floor rises when that is not enough). A phrase needs min_count occurrences, so a real
        one loses at most ``floor`` of them."""
        while sum(len(t.pair_codes) for t in self.tables.values()) > PAIR_LIMIT:
            self._floor += 1
            for table in self.tables.values():
                self.pairs_forgotten += table.forget_pairs(self._floor)

    def finish(self) -> Counts:
        """Merge what is pending; every table indexed by the whole vocabulary."""
        for table in self.tables.values():
            table.flush()
        self._bound_pairs()
        self.vocab = list(self.vocab) or list(MARKERS)
        for table in self.tables.values():
            table.pad(len(self.vocab))
        return self

    def merge(self, other: Counts) -> None:
        index = {word: i for i, word in enumerate(self.vocab)}
        mapping = np.array([index.setdefault(word, len(index)) for word in other.vocab],
                           np.int64)
        self.vocab = list(index)
        for key, table in other.tables.items():
            self.tables.setdefault(key, Table()).merge(table, mapping)
        for table in self.tables.values():
            table.pad(len(self.vocab))
        self.characters += other.characters
        self.pairs_forgotten += other.pairs_forgotten
        self._bound_pairs()


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


def _worker(tasks: multiprocessing.Queue[Batch | None],
            results: multiprocessing.Queue[Counts]) -> None:
    assert _WORKER is not None
    counts = Counts()
    while (task := tasks.get()) is not None:
        counts.add(*task, _WORKER)
    results.put(counts.finish())


Workers = Sequence[multiprocessing.process.BaseProcess]


def _check(processes: Workers) -> None:
    if dead := [p.exitcode for p in processes if p.exitcode not in (None, 0)]:
        raise RuntimeError(f"a keyword counting worker died (exit code {dead[0]})")


def _put(tasks: multiprocessing.Queue[Batch | None], task: Batch | None,
         processes: Workers) -> None:
    """Hand over a task; an error instead of waiting forever if a worker died."""
    while True:
        try:
            return tasks.put(task, timeout=1)
        except queue.Full:
            _check(processes)


def _result(results: multiprocessing.Queue[Counts], processes: Workers) -> Counts:
    """A worker's counts; an error if a worker died without handing them over."""
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            _check(processes)


def count_documents(docs: Iterable[Document], segmenter: Segmenter, workers: int = 1) -> Counts:
    """Segment and count a stream of documents in ``workers`` processes: the parent reads the
    documents and hands batches of texts to ``workers - 1`` forked children; whenever they are
    all busy it counts the batch itself, so that ``workers`` cores stay busy. Each process
    keeps its own totals; they are merged at the end."""
    if workers <= 1:
        return _count(docs, segmenter)
    global _WORKER
    _WORKER = segmenter
    context = multiprocessing.get_context("fork")
    tasks: multiprocessing.Queue[Batch | None] = context.Queue(maxsize=2 * workers)
    results: multiprocessing.Queue[Counts] = context.Queue()
    processes = [context.Process(target=_worker, args=(tasks, results), daemon=True)
                 for _ in range(workers - 1)]
    for process in processes:
        process.start()
    counts = Counts()
    try:
        for batch in _batches(docs):
            try:
                tasks.put_nowait(batch)
            except queue.Full:  # the children are busy: this one is counted here
                counts.add(*batch, segmenter)
                _check(processes)
        for _ in processes:
            _put(tasks, None, processes)
        counts.finish()
        for _ in processes:
            counts.merge(_result(results, processes))
    finally:
        # after a failure, texts nobody will read may sit in the queue's buffer: exiting must
        # not wait to flush them
        tasks.cancel_join_thread()
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


def _group_pairs(counts: Counts) -> dict[str, tuple[Ints, Ints]]:
    """Per group, all its tables' pair codes (sorted) with their total counts."""
    found: dict[str, tuple[Ints, Ints]] = {}
    for (group, _source, _top10), table in counts.tables.items():
        codes, freq = found.get(group, (_EMPTY, _EMPTY))
        found[group] = (np.concatenate([codes, table.pair_codes]),
                        np.concatenate([freq, table.pair_counts[:, 0]]))
    for group, (codes, freq) in found.items():
        unique, where = np.unique(codes, return_inverse=True)
        found[group] = unique, np.bincount(where, freq, len(unique)).astype(np.int64)
    return found


def find_phrases(counts: Counts, min_count: int = 3, threshold: float = 0.3,
                 ) -> dict[str, dict[Pair, float]]:
    """Per group, adjacent word pairs that co-occur far more often than chance: normalised
    pointwise mutual information, -1..1 (1: always together), at least ``threshold``."""
    words: dict[str, Ints] = {}
    for (group, _source, _top10), table in counts.tables.items():
        words[group] = words.get(group, 0) + table.freq
    found: dict[str, dict[Pair, float]] = {}
    for group, (codes, freq) in _group_pairs(counts).items():
        unigrams = words[group]
        total = int(unigrams.sum())
        frequent = freq >= min_count
        codes, freq = codes[frequent], freq[frequent]
        p_ab = freq / total
        p_a = unigrams[codes >> PAIR_SHIFT] / total
        p_b = unigrams[codes & _LOW] / total
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = np.where(p_ab >= 1.0, 1.0, np.log(p_ab / (p_a * p_b)) / -np.log(p_ab))
        vocab = counts.vocab
        found[group] = {
            (vocab[code >> PAIR_SHIFT], vocab[code & _LOW]): round(score, 4)
            for code, score in zip(codes.tolist(), npmi.tolist(), strict=True)
            if score >= threshold}
    return found


@dataclass
class _Totals:
    """One group and source: documents, their total weight, per word id freq/df/weighted,
    and the same for the group's phrases (in ``phrases`` order)."""

    documents: int = 0
    weight: float = 0.0
    freq: Ints = field(default_factory=lambda: _EMPTY)
    df: Ints = field(default_factory=lambda: _EMPTY)
    weighted: Floats = field(default_factory=lambda: np.zeros(0))
    top10_df: Ints = field(default_factory=lambda: _EMPTY)
    phrases: list[str] = field(default_factory=list)
    phrase_counts: Ints = field(default_factory=lambda: np.zeros((0, 3), np.int64))  # f, df, top10
    phrase_weighted: Floats = field(default_factory=lambda: np.zeros(0))


def _totals(counts: Counts, phrases: dict[str, dict[Pair, float]]
            ) -> dict[tuple[str, str], _Totals]:
    size = len(counts.vocab)
    totals: dict[tuple[str, str], _Totals] = {}
    for (group, source, top10), table in counts.tables.items():
        t = totals.setdefault((group, source), _Totals(
            freq=np.zeros(size, np.int64), df=np.zeros(size, np.int64),
            weighted=np.zeros(size), top10_df=np.zeros(size, np.int64)))
        t.documents += table.documents
        t.weight += table.weight
        t.freq += table.freq
        t.df += table.df
        t.weighted += table.weighted
        if top10:
            t.top10_df += table.df
    index = {word: i for i, word in enumerate(counts.vocab)}
    for (group, source), t in totals.items():
        pairs = list(phrases.get(group, {}))
        codes = np.array([index[a] << PAIR_SHIFT | index[b] for a, b in pairs], np.int64)
        t.phrase_counts = np.zeros((len(pairs), 3), np.int64)
        for (_group, _source, top10), table in counts.tables.items():
            if (_group, _source) != (group, source) or not len(table.pair_codes):
                continue
            at = np.minimum(np.searchsorted(table.pair_codes, codes), len(table.pair_codes) - 1)
            hit = table.pair_codes[at] == codes
            t.phrase_counts[hit, :2] += table.pair_counts[at[hit]]
            if top10:
                t.phrase_counts[hit, 2] += table.pair_counts[at[hit], 1]
        seen = t.phrase_counts[:, 0] > 0
        t.phrases = [" ".join(pair) for pair, yes in zip(pairs, seen.tolist(), strict=True)
                     if yes]
        codes, t.phrase_counts = codes[seen], t.phrase_counts[seen]
        # Pairs are not kept by weight: a phrase's documents are among both words'
        # documents, so it gets the lower of the two words' mean rank weights.
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.nan_to_num(t.weighted / t.freq)
        t.phrase_weighted = t.phrase_counts[:, 0] * np.minimum(
            mean[codes >> PAIR_SHIFT], mean[codes & _LOW])
    return totals


def term_rows(counts: Counts, min_count: int = 3, threshold: float = 0.3,
              limit: int | None = None) -> list[TermRow]:
    """Rows per group, source and term (words and mined phrases), best score first.

    score = 100 x (rank-weighted occurrences / total weight of the source's documents) x idf,
    idf = ln((1 + N) / (1 + df)) + 1 over all documents of all groups (smoothed, as sklearn):
    a word every title of every category has ("包邮") scores low, a group's own words high.
    """
    totals = _totals(counts, find_phrases(counts, min_count, threshold))
    all_df = np.zeros(len(counts.vocab), np.int64)
    phrase_df: Counter[str] = Counter()
    top10_docs: Counter[str] = Counter()
    for t in totals.values():
        all_df += t.df
        phrase_df.update(dict(zip(t.phrases, t.phrase_counts[:, 1].tolist(), strict=True)))
    for (group, _source, top10), table in counts.tables.items():
        if top10:
            top10_docs[group] += table.documents
    n_all = sum(t.documents for t in totals.values())
    vocab = counts.vocab
    rows = []
    for (group, source), t in totals.items():
        present = np.flatnonzero(t.freq)
        terms = [vocab[i] for i in present.tolist()] + t.phrases
        freq = np.concatenate([t.freq[present], t.phrase_counts[:, 0]])
        df = np.concatenate([t.df[present], t.phrase_counts[:, 1]])
        top10_df = np.concatenate([t.top10_df[present], t.phrase_counts[:, 2]])
        weighted = np.concatenate([t.weighted[present], t.phrase_weighted])
        every_df = np.concatenate([all_df[present], [phrase_df[p] for p in t.phrases]])
        idf = np.log((1 + n_all) / (1 + every_df)) + 1
        score = np.round(100 * weighted / t.weight * idf, 4)
        share = np.round(top10_df / top10_docs[group], 4) if top10_docs[group] \
            else np.zeros(len(terms))
        order = np.arange(len(terms))
        if limit is not None and len(terms) > limit:  # the best, with ties at the cut-off
            order = np.flatnonzero(score >= np.partition(score, -limit)[-limit])
        words = len(present)
        group_rows = [TermRow(group, source, terms[i], "phrase" if i >= words else "word",
                              int(freq[i]), int(df[i]), t.documents, float(score[i]),
                              float(share[i])) for i in order.tolist()]
        group_rows.sort(key=lambda r: (-r.score, r.term))
        rows += group_rows[:limit]
    return rows
