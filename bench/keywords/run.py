"""Keyword library benchmark: build from 1,000,000 generated titles vs a plain jieba.lcut loop.

    .venv/bin/python bench/keywords/run.py [--titles 1000000] [--out bench/keywords/results.json]

1. Generates the titles reproducibly (``bench/keywords/corpus.py``, seed 2026) into a file,
   one ``group <TAB> rank <TAB> title`` per line: 30 product groups, ranks 1-100.
2. Reference: a single-process ``jieba.lcut`` loop over the same titles, read from the file.
3. The library build, read from the same file as a stream: segmentation (rjieba where it
   agrees with jieba), counts, phrase mining, rank-weighted TF-IDF rows; with 1 and 2 worker
   processes; then storing the rows into SQLite.
4. Memory as the input grows: the build over the first 250,000 / 500,000 / 1,000,000 titles,
   each in a fresh process, peak RSS reported.
5. Segmentation alone (ShopWatch's words, no counting), for where the time goes.
6. rjieba vs jieba: ShopWatch's words with each engine on the first 50,000 titles.

Every stage runs in its own child process (a clean peak RSS). Figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def generate(path: Path, n: int) -> dict[str, object]:
    from bench.keywords.corpus import NOUNS, TitleCorpus

    start = time.perf_counter()
    corpus = TitleCorpus(seed=2026)
    characters = 0
    with path.open("w", encoding="utf-8") as handle:
        for i, (noun, title) in enumerate(corpus.items(n)):
            characters += len(title)
            handle.write(f"{noun}\t{i % 100 + 1}\t{title}\n")
    assert len(NOUNS) == 30
    return {"titles": n, "characters": characters,
            "seconds": round(time.perf_counter() - start, 1)}


def _lines(path: Path, limit: int | None) -> Iterator[tuple[str, int, str]]:
    with path.open(encoding="utf-8") as handle:
        for count, line in enumerate(handle):
            if limit is not None and count >= limit:
                return
            group, rank, title = line.rstrip("\n").split("\t", 2)
            yield group, int(rank), title


def stage_jieba(path: Path, limit: int | None) -> dict[str, object]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    start = time.perf_counter()
    characters = tokens = 0
    for _group, _rank, title in _lines(path, limit):
        characters += len(title)
        tokens += len(jieba.lcut(title))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "characters": characters, "tokens": tokens,
            "chars_per_s": round(characters / seconds)}


def stage_build(path: Path, limit: int | None, workers: int, store: bool) -> dict[str, object]:
    from keywords.segment import Segmenter
    from keywords.stats import Document, count_documents, rank_weight, term_rows

    segmenter = Segmenter()  # loading dictionaries is not part of the build time
    assert segmenter.engine == "rjieba"
    start = time.perf_counter()
    docs = (Document(title, "competitor_title", group, rank_weight(rank), rank <= 10)
            for group, rank, title in _lines(path, limit))
    counts = count_documents(docs, segmenter, workers)
    rows = term_rows(counts, limit=2000)
    build_seconds = time.perf_counter() - start
    demand_seconds = _with_demand(rows)  # an imported search-term report joined in
    seconds = build_seconds + demand_seconds
    result: dict[str, object] = {
        "workers": workers, "seconds": round(seconds, 2),
        "build_seconds": round(build_seconds, 2), "demand_seconds": round(demand_seconds, 2),
        "titles": sum(
            t.documents for t in counts.tables.values()), "characters": counts.characters,
        "chars_per_s": round(counts.characters / seconds), "rows": len(rows),
        "phrases": sum(r.kind == "phrase" for r in rows),
        "pairs_forgotten": counts.pairs_forgotten}
    if store:
        result["store_seconds"] = _store(rows)
    result["peak_rss_mb"] = _peak_mb()
    return result


# the weekly reports of 30 groups: 生意参谋's 搜索排行 lists 500 terms per category and list,
# a Helium 10 or Brand Analytics export for a brand's terms a few thousand
DEMAND_PHRASES = 20_000


def _with_demand(rows: list[Any]) -> float:
    """The library rows' demand from an imported report, as ``keywords.library`` joins it:
    ``DEMAND_PHRASES`` reported phrases made of the library's own terms (two at a time, so
    that most terms are found in some), each with a volume and a rank; then every term's
    score combined with its demand. Returns the seconds taken."""
    import datetime as dt
    import random

    from db.models import SearchDemand
    from keywords.demand import combined_score, demand_of
    from keywords.titles import compact

    terms = sorted({r.term for r in rows})
    pick = random.Random(2026)
    week = dt.date(2026, 11, 23)
    phrases = {f"{pick.choice(terms)} {pick.choice(terms)}" for _ in range(DEMAND_PHRASES)}
    reported = [SearchDemand(week=week, source="sycm", term=p, term_key=compact(p),
                             volume=float(pick.randint(100, 500_000)), rank=n)
                for n, p in enumerate(sorted(phrases), start=1)]
    start = time.perf_counter()
    demand = demand_of(terms, reported)
    scores = [combined_score(r.score, demand.get(r.term), r.top10_share, "steady")
              for r in rows]
    assert len(scores) == len(rows) and demand
    return time.perf_counter() - start


def _store(rows: list[object]) -> float:
    import datetime as dt
    import tempfile

    from db import repo
    from db.session import session_scope, upgrade

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    week = dt.date(2026, 11, 23)
    start = time.perf_counter()
    with session_scope(url) as session:
        repo.replace_keyword_week(session, week, [
            {"group": r.group, "week": week, "source": r.source, "term": r.term,  # type: ignore[attr-defined]
             "kind": r.kind, "frequency": r.frequency,  # type: ignore[attr-defined]
             "doc_frequency": r.doc_frequency, "documents": r.documents,  # type: ignore[attr-defined]
             "score": r.score, "top10_share": r.top10_share,  # type: ignore[attr-defined]
             "built_on": week} for r in rows])
    return round(time.perf_counter() - start, 2)


def stage_segment(path: Path, limit: int | None) -> dict[str, object]:
    """Segmentation alone: ShopWatch's words (normalised, specs whole, filtered) per title."""
    from keywords.segment import Segmenter

    segmenter = Segmenter()
    start = time.perf_counter()
    characters = words = 0
    batch: list[str] = []
    for _group, _rank, title in _lines(path, limit):
        characters += len(title)
        batch.append(title)
        if len(batch) == 1000:
            words += len(segmenter.flat(batch))
            batch = []
    words += len(segmenter.flat(batch))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "characters": characters,
            "chars_per_s": round(characters / seconds)}


def stage_identity(path: Path, limit: int) -> dict[str, object]:
    from keywords.segment import Segmenter

    titles = [title for _g, _r, title in _lines(path, limit)]
    fast, reference = Segmenter(), Segmenter(engine="jieba")
    differ = sum(fast.words(t) != reference.words(t) for t in titles)
    return {"titles": len(titles), "differing": differ}


def _child(*args: str) -> dict[str, object]:
    """A stage in a fresh process; ``wall_seconds`` is the whole process as a user waits for
    it: interpreter start, imports, dictionaries, the work (``seconds`` is the work alone)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True).stdout
    wall = round(time.perf_counter() - start, 2)
    return {**json.loads(out.strip().splitlines()[-1]), "wall_seconds": wall}


def _speedups(results: dict[str, Any], builds: list[dict[str, Any]]) -> None:
    """Build and segmentation speed over the jieba.lcut loop: the work alone, and with imports
    included (each process from start to end: what a user waits for)."""
    jieba_s = float(results["jieba_lcut"]["seconds"])
    speedup = {f"build_workers_{b['workers']}": round(jieba_s / float(b["seconds"]), 1)
               for b in builds}
    speedup["segmentation_only"] = round(jieba_s / float(results["segment_only"]["seconds"]), 1)
    jieba_wall = float(results["jieba_lcut"]["wall_seconds"])
    for b in builds:
        speedup[f"build_workers_{b['workers']}_with_imports"] = round(
            jieba_wall / float(b["wall_seconds"]), 1)
    results["speedup"] = speedup
    print("speed-up over jieba.lcut", speedup, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, default=1_000_000)
    parser.add_argument("--data", default="/tmp/shopwatch-bench-titles.tsv")
    parser.add_argument("--out", default=str(ROOT / "bench" / "keywords" / "results.json"))
    parser.add_argument("--stage", choices=["jieba", "segment", "build", "identity"])
    parser.add_argument("--quick", action="store_true",
                        help="jieba and the builds only (no memory growth, no identity)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--store", action="store_true")
    args = parser.parse_args()
    path = Path(args.data)
    if args.stage == "jieba":
        print(json.dumps(stage_jieba(path, args.limit)))
        return
    if args.stage == "segment":
        print(json.dumps(stage_segment(path, args.limit)))
        return
    if args.stage == "build":
        print(json.dumps(stage_build(path, args.limit, args.workers, args.store)))
        return
    if args.stage == "identity":
        print(json.dumps(stage_identity(path, args.limit or 50_000)))
        return
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "generate": generate(path, args.titles)}
    print("generated", results["generate"], flush=True)
    results["jieba_lcut"] = _child("--stage", "jieba", "--data", str(path))
    print("jieba.lcut", results["jieba_lcut"], flush=True)
    results["segment_only"] = _child("--stage", "segment", "--data", str(path))
    print("segmentation only", results["segment_only"], flush=True)
    builds: list[dict[str, Any]] = []
    for workers in (1, 2):
        builds.append(_child("--stage", "build", "--data", str(path), "--workers",
                             str(workers), *(["--store"] if workers == 1 else [])))
        print("build", builds[-1], flush=True)
    results["build"] = builds
    if args.quick:
        results["memory_growth"], results["identity"] = [], {}
        _speedups(results, builds)
        Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        return
    growth = []  # without the database step, which is measured once above
    for limit in (args.titles // 4, args.titles // 2, args.titles):
        growth.append(_child("--stage", "build", "--data", str(path), "--limit", str(limit)))
        print("growth", growth[-1], flush=True)
    results["memory_growth"] = growth
    results["identity"] = _child("--stage", "identity", "--data", str(path))
    print("identity", results["identity"], flush=True)
    _speedups(results, builds)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
