"""Title suggestions within the platform's limit, and the Advertising-Law word check. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from keywords.segment import load_words

CJK_JOIN = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")


def title_length(text: str, unit: str) -> int:
    """Length as the platform counts it: "bytes" counts a non-ASCII character as 2 (Taobao's
    and Tmall's 60-byte rule, GBK-style), "chars" counts characters (Amazon)."""
    if unit == "chars":
        return len(text)
    return sum(1 if ord(ch) < 128 else 2 for ch in text)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def forbidden_words(extra: Iterable[str] = ()) -> list[str]:
    """The versioned list (keywords/data/forbidden.txt) plus the config's additions."""
    words = [_fold(w).strip() for w in [*load_words("forbidden.txt"), *extra]]
    return sorted({w for w in words if w}, key=lambda w: (-len(w), w))


def forbidden_in(text: str, forbidden: Sequence[str]) -> list[str]:
    """Forbidden words the text contains, longest first, none that is part of another found."""
    folded = _fold(text)
    found: list[str] = []
    for word in forbidden:
        if word in folded and not any(word in longer for longer in found):
            found.append(word)
    return found


def compact(text: str) -> str:
    """Folded, without spaces: how a term is looked for in a title."""
    return _fold(text).replace(" ", "")


def has_term(title: str, term: str) -> bool:
    return compact(term) in compact(title)


def term_text(term: str) -> str:
    """How a term is written in a title: a phrase's Chinese words joined without a space."""
    return CJK_JOIN.sub("", term)


@dataclass(frozen=True)
class Suggestion:
    terms: tuple[str, ...]
    title: str
    length: int
    limit: int
    unit: str


def suggest_title(*, ranked: Sequence[str], limit: int, unit: str, brand: str | None,
                  core: str | None, keep: Sequence[str] = (), forbidden: Sequence[str] = (),
                  exclude: Iterable[str] = ()) -> Suggestion:
    """Terms for a title, in order: the brand, the core product noun, ``keep`` (the product's
    model number), then the best-ranked terms that still fit. Never longer than ``limit``;
    never a forbidden word, an excluded word (other brands) or a term already covered."""
    excluded = {compact(w) for w in exclude if w}
    chosen: list[str] = []

    def fits(candidate: list[str]) -> bool:
        return title_length(" ".join(map(term_text, candidate)), unit) <= limit

    def covered(term: str) -> bool:
        text = compact(term)
        joined = "".join(compact(t) for t in chosen)
        return text in joined or all(compact(w) in joined for w in term.split())

    must = [t for t in (brand, core, *keep) if t]
    for term in [*must, *ranked]:
        if not term.strip() or covered(term) or forbidden_in(term, forbidden):
            continue
        if term not in must and excluded.intersection([compact(term), *map(compact,
                                                                     term.split())]):
            continue  # another brand, also inside a phrase (追觅 扫地机器人)
        # a phrase takes the place of the words of it already chosen (静音 加湿器 for 加湿器)
        parts = [t for t in chosen if t in term.split()]
        candidate = [t for t in chosen if t not in parts] + [term]
        if fits(candidate):
            chosen = candidate
            if core in parts:
                core = term
            if brand in parts:
                brand = term
            keep = [term if k in parts else k for k in keep]
    # Written as titles are: brand and model first, the product noun last.
    head = [t for t in chosen if t in (brand, *keep)]
    tail = [t for t in chosen if t == core]
    ordered = [*head, *(t for t in chosen if t not in head and t not in tail), *tail]
    title = " ".join(map(term_text, ordered))
    return Suggestion(tuple(ordered), title, title_length(title, unit), limit, unit)
