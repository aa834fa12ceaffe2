"""Decoding and visible-text figures for crawlers.pagetext.

    python bench/pagetext/decode.py [--realpages DIR] [--show-errors]

The built decoding cases of tests/test_pagetext_decode.py (known text encoded and declared
every way pages do it), plus real saved pages with a known phrase, each through ``decode``
and plain ``w3lib.encoding.html_to_unicode`` (the hand-written ``crawlers.encoding.page_text``
it replaced got 30/47 and 7/7: bench/README.md);
a case is right when the text is exactly the expected one (real pages: the phrase is there
and no U+FFFD / U+FEFF). Then ms per page for decode and visible_text on a large real page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from parsel import Selector
from w3lib.encoding import html_to_unicode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.pagetext.decode import decode  # noqa: E402
from crawlers.pagetext.text import visible_text  # noqa: E402
from tests.test_pagetext_decode import CASES, REAL  # noqa: E402

Decoder = Callable[[bytes, str | None], str]
BIG_PAGE = "amazon_search_wayback/20211209170342_amazon-gaming-monitor.html"


DECODERS: dict[str, Decoder] = {
    "pagetext.decode": lambda body, ct: decode(body, ct)[0],
    "w3lib html_to_unicode": lambda body, ct: html_to_unicode(ct, body)[1],
}


def _safe(decoder: Decoder, body: bytes, content_type: str | None) -> str | None:
    try:
        return decoder(body, content_type)
    except Exception:  # a crash is a wrong answer here, and counted as one
        return None


def _score(realpages: Path, show_errors: bool) -> list[str]:
    real = [(realpages / name, ct, phrase) for name, ct, _, phrase in REAL]
    real = [(path, ct, phrase) for path, ct, phrase in real if path.exists()]
    rows = [f"| decoder | built cases ({len(CASES)}) | real pages ({len(real)}) |",
            "| --- | --- | --- |"]
    for label, decoder in DECODERS.items():
        built = 0
        for case in CASES:
            ok = _safe(decoder, case.body, case.content_type) == case.text
            built += ok
            if show_errors and not ok:
                print(f"  {label}: wrong on {case.name}", file=sys.stderr)
        pages = 0
        for path, content_type, phrase in real:
            text = _safe(decoder, path.read_bytes(), content_type) or ""
            ok = phrase in text and "\ufffd" not in text and not text.startswith("\ufeff")
            pages += ok
            if show_errors and not ok:
                print(f"  {label}: wrong on {path.name} ({content_type})", file=sys.stderr)
        rows.append(f"| {label} | {built}/{len(CASES)} | {pages}/{len(real)} |")
    return rows


def _ms(run: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _speed(realpages: Path) -> list[str]:
    path = realpages / BIG_PAGE
    if not path.exists():
        return [f"(no timing: {path} absent)"]
    body = path.read_bytes()
    text = decode(body)[0]
    doc = Selector(text=text)
    rows = [f"Timing, median of 7, {path.name} ({len(body) / 1e6:.2f} MB):", "",
            "| step | ms |", "| --- | --- |"]
    rows.append(f"| pagetext.decode | {_ms(lambda: decode(body)):.1f} |")
    rows.append(f"| parse (parsel Selector) | {_ms(lambda: Selector(text=text)):.1f} |")
    rows.append(f"| visible_text | {_ms(lambda: visible_text(doc)):.1f} |")
    old_xpath = ("//body//text()[not(ancestor::script) and not(ancestor::style) and "
                 "not(ancestor::noscript) and not(ancestor::template)]")
    rows.append("| old blocks.VISIBLE_TEXT xpath + squash | "
                f"{_ms(lambda: ' '.join(' '.join(doc.xpath(old_xpath).getall()).split())):.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get("SHOPWATCH_REALPAGES") or ROOT.parent / "shared" / "realpages"
    parser.add_argument("--realpages", type=Path, default=Path(default))
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    print("\n".join(_score(args.realpages, args.show_errors)))
    print()
    print("\n".join(_speed(args.realpages)))


if __name__ == "__main__":
    main()
