"""Stock-wording figures for crawlers.pagetext.stock against the two old copies.

    python bench/pagetext/stock.py

Runs the phrase tables of tests/test_pagetext_stock.py (saved real pages, platforms' labels,
composed sentences: the development set, every row asserted by the tests) and the two batches
of bench/pagetext/stock_phrases.json (written after the rules; their first-run figures are kept
in the file) through the new ``read_stock`` and the two old copies: ``crawlers.fields.
parse_stock`` (selector adapters) and ``crawlers.extract.dom.OUT_TEXT`` (generic extractor),
both taken from git at commit OLD, so the comparison stays with the old rules after they go.
Per language: the share of out-of-stock phrases recognised as out, and in-stock phrases wrongly
read as out (must be 0). Then pre-order, backorder and unrelated text. Prints markdown.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.pagetext.stock import StockState, read_stock  # noqa: E402
from tests.test_pagetext_stock import (  # noqa: E402
    BACKORDER,
    IN_STOCK,
    OUT_OF_STOCK,
    PREORDER,
    UNKNOWN_TEXTS,
    Row,
)

PHRASES = Path(__file__).with_name("stock_phrases.json")
OLD = "d4e413bbfb7ce6287e9691377fcf7a8218f4220b"  # the last commit with only the old stock words


def _old(path: str, names: set[str]) -> dict[str, Any]:
    """The named top-level definitions of a module as it was at commit OLD (needs git)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD}:{path}"], check=True,
                            capture_output=True, text=True).stdout
    tree = ast.parse(source)
    tree.body = [node for node in tree.body
                 if (isinstance(node, ast.FunctionDef) and node.name in names)
                 or (isinstance(node, ast.Assign) and any(
                     isinstance(t, ast.Name) and t.id in names for t in node.targets))]
    namespace: dict[str, Any] = {"re": re, "annotations": None}
    exec(compile(tree, f"{OLD[:7]}:{path}", "exec"), namespace)
    return namespace


_FIELDS = _old("crawlers/fields.py", {"OUT_OF_STOCK", "IN_STOCK", "_STOCK_COUNT", "parse_stock"})
parse_stock: Callable[[str | None], tuple[bool | None, int | None]] = _FIELDS["parse_stock"]
OUT_TEXT: re.Pattern[str] = _old("crawlers/extract/dom.py", {"OUT_TEXT"})["OUT_TEXT"]
Reader = Callable[[str], bool | None]  # True in stock, False out, None says nothing


def _new(text: str) -> bool | None:
    state = read_stock(text)[0]
    return {StockState.IN_STOCK: True, StockState.OUT_OF_STOCK: False}.get(state)


def _dom(text: str) -> bool | None:
    return False if OUT_TEXT.search(text) else None


READERS: dict[str, Reader] = {
    "new read_stock": _new,
    "old parse_stock": lambda text: parse_stock(text)[0],
    "old OUT_TEXT": _dom,
}


def _pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.0f}%" if total else "-"


def by_language(out_rows: list[Row], in_rows: list[Row]) -> list[str]:
    """One row per language: out recognised, out read as IN (old bug), in read as out."""
    langs: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for lang, text, _ in out_rows:
        langs[lang][0].append(text)
    for lang, text, _ in in_rows:
        langs[lang][1].append(text)
    names = list(READERS)
    head = ["language", "out phrases", "in phrases"]
    head += [f"{n}: out recognised" for n in names]
    head += ["old parse_stock: out read as IN"]
    head += [f"{n}: in read as out" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for lang in [*sorted(langs, key=lambda k: -len(langs[k][0])), "all"]:
        outs, ins = (langs[lang] if lang != "all" else
                     ([t for _, t, _ in out_rows], [t for _, t, _ in in_rows]))
        recognised = [sum(READERS[n](t) is False for t in outs) for n in names]
        wrong_in = sum(parse_stock(t)[0] is True for t in outs)
        in_as_out = [sum(READERS[n](t) is False for t in ins) for n in names]
        cells = [lang, str(len(outs)), str(len(ins))]
        cells += [_pct(r, len(outs)) for r in recognised]
        cells += [str(wrong_in)] + [str(x) for x in in_as_out]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def batches() -> list[str]:
    """The JSON batches: first run (before any fix for them) and now, new against old."""
    lines = ["| batch | out phrases | in phrases | new, first run: out recognised | new, first "
             "run: in read as out | new now: out recognised | new now: in read as out | old "
             "parse_stock: out recognised | old parse_stock: out read as IN | old OUT_TEXT: out "
             "recognised |",
             "|" + " --- |" * 10]
    for batch in json.loads(PHRASES.read_text(encoding="utf-8"))["batches"]:
        outs = [t for _, t in batch["out_of_stock"]]
        ins = [t for _, t in batch["in_stock"]]
        first = batch["first_run"]
        (hit, n_out), (bad, n_in) = first["out_recognised"], first["in_read_as_out"]
        now = [_new(t) for t in outs]
        old = [parse_stock(t)[0] for t in outs]
        cells = [batch["name"], str(len(outs)), str(len(ins)), _pct(hit, n_out),
                 f"{bad}/{n_in}", _pct(now.count(False), len(outs)),
                 str(sum(_new(t) is False for t in ins)), _pct(old.count(False), len(outs)),
                 str(old.count(True)), _pct(sum(_dom(t) is False for t in outs), len(outs))]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def other_states() -> list[str]:
    """Pre-order, backorder and unrelated text: exact state (new), and what the old copy said."""
    lines = ["| table | phrases | new read_stock: exact state | old parse_stock: says in stock "
             "| old parse_stock: says out |", "| --- | --- | --- | --- | --- |"]
    tables: list[tuple[str, list[str], StockState]] = [
        ("pre-order", [t for _, t, _ in PREORDER], StockState.PREORDER),
        ("backorder", [t for _, t, _ in BACKORDER], StockState.BACKORDER),
        ("unrelated text", [t for t, _ in UNKNOWN_TEXTS if t], StockState.UNKNOWN),
    ]
    for name, texts, state in tables:
        exact = sum(read_stock(t)[0] == state for t in texts)
        old = [parse_stock(t)[0] for t in texts]
        lines.append(f"| {name} | {len(texts)} | {_pct(exact, len(texts))} | "
                     f"{old.count(True)} | {old.count(False)} |")
    return lines


def sources() -> list[str]:
    """How many phrases came from the saved real pages, platforms' labels, composed rows."""
    counts: dict[str, int] = defaultdict(int)
    for rows in (OUT_OF_STOCK, IN_STOCK, PREORDER, BACKORDER):
        for _, _, source in rows:
            counts[source if source in {"platform", "composed", "issue 15"} else "realpages"] += 1
    return ["phrases by source: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]


def timing() -> str:
    """Best of five passes over every table phrase (other work on the machine only slows)."""
    texts = [t for rows in (OUT_OF_STOCK, IN_STOCK, PREORDER, BACKORDER) for _, t, _ in rows]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for text in texts:
            read_stock(text)
        best = min(best, time.perf_counter() - start)
    return f"read_stock: {1e6 * best / len(texts):.0f} µs a phrase (best of 5 passes)"


def main() -> None:
    print("## Stock wording (bench/pagetext/stock.py)\n")
    print("\n".join(by_language(OUT_OF_STOCK, IN_STOCK)))
    print()
    print("\n".join(other_states()))
    print()
    print("\n".join(batches()))
    print()
    print("\n".join(sources()))
    print(timing())


if __name__ == "__main__":
    main()
