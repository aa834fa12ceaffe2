"""Score the product extractor on the product extraction benchmark (Zyte, 2021).

    python bench/extraction/score.py [--dataset DIR] [--show-errors] [--json OUT]

The definition is the benchmark's: per attribute and page at most one predicted value; a
predicted value in the page's set of true values is a true positive; a wrong one is a false
positive (and a false negative where a true value exists); no prediction where a true value
exists is a false negative. F1 from the totals over all pages. Prices compare as Decimal.
A page where the extractor says nothing about availability counts as InStock.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from scrapy.http import HtmlResponse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.extract import extract_product  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "realpages" / "product_extraction_benchmark_2021"
PUBLISHED = {  # F1 on the full benchmark, from its README
    "price": {"Zyte": 0.918, "Diffbot": 0.824, "extruct + price-parser": 0.685},
    "availability": {"Zyte": 0.957, "Diffbot": 0.943},
    "sku": {"Zyte": 0.841, "Diffbot": 0.765, "extruct": 0.537},
}


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value is not None else None
    except InvalidOperation:
        return None


def counts(true: set[object], predicted: object | None) -> tuple[int, int, int]:
    if predicted is None:
        return 0, 0, int(bool(true))
    if predicted in true:
        return 1, 0, 0
    return 0, 1, int(bool(true))


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else 0.0)
    recall = 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0)
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return score, precision, recall


def predict(dataset: Path) -> tuple[dict[str, dict[str, object]], float]:
    mapping = json.loads((dataset / "pywb-mapping.json").read_text("utf-8"))
    predictions: dict[str, dict[str, object]] = {}
    started = time.perf_counter()
    for path in sorted((dataset / "html").glob("*.html.gz")):
        key = path.name.removesuffix(".html.gz")
        match = re.search(r"https?://.*", str(mapping.get(key, "")))  # after pywb's prefix
        url = match.group() if match else None
        body = gzip.decompress(path.read_bytes())
        response = HtmlResponse(url or "http://example.invalid/", body=body)
        predictions[key] = extract_product(response.text, url).to_json()
    return predictions, time.perf_counter() - started


def score(dataset: Path, show_errors: bool) -> dict[str, dict[str, float]]:
    truth = json.loads((dataset / "ground-truth.json").read_text("utf-8"))
    predictions, seconds = predict(dataset)
    results: dict[str, dict[str, float]] = {}
    for attribute in ("price", "availability", "sku"):
        totals = [0, 0, 0]
        for key, expected in truth.items():
            predicted = predictions[key].get(attribute)
            true: set[object] = set(expected.get(attribute, []))
            if attribute == "price":
                true = {_decimal(str(v)) for v in true} - {None}
                predicted = _decimal(str(predicted)) if predicted is not None else None
            if attribute == "availability" and predicted is None:
                predicted = "InStock"
            tp, fp, fn = counts(true, predicted)
            if show_errors and (fp or fn):
                print(f"{attribute}\t{sorted(map(str, true))}\t{predicted!r}\t{key}\t"
                      f"{predictions[key]['methods'].get(attribute)}")
            totals = [a + b for a, b in zip(totals, (tp, fp, fn), strict=True)]
        value, precision, recall = f1(*totals)
        results[attribute] = {"f1": round(value, 3), "precision": round(precision, 3),
                              "recall": round(recall, 3), "tp": totals[0], "fp": totals[1],
                              "fn": totals[2]}
    results["_run"] = {"pages": len(predictions), "seconds": round(seconds, 2)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=DEFAULT)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = score(args.dataset, args.show_errors)
    print(f"{'attribute':13s} {'ShopWatch F1':>12s} {'P':>6s} {'R':>6s}   published F1")
    for attribute, published in PUBLISHED.items():
        r = results[attribute]
        others = ", ".join(f"{name} {value:.3f}" for name, value in published.items())
        print(f"{attribute:13s} {r['f1']:12.3f} {r['precision']:6.3f} {r['recall']:6.3f}   "
              f"{others}")
    run = results["_run"]
    print(f"{run['pages']} pages in {run['seconds']:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), "utf-8")


if __name__ == "__main__":
    main()
