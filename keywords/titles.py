"""Honest title suggestions within the platform's limit. Pure.

A suggested title only uses words the product vouches for: its current title, its attributes
(the product page's specification table and the operator's confirmed list), its own product
noun and the generic terms every product may carry (keywords/data/generic.txt). A term people
search for that the product does not vouch for is never put into the title: it is listed in
``to_check`` ("does this product have X?"). The current title's selling points stay (unless a
forbidden claim or the length limit drops them, or a synonym from the operator's lists that
people search for more replaces them); brand and model keep their written case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from keywords import adlaw
from keywords.segment import SPEC, Segmenter, load_words, normalise

CJK_JOIN = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
TO_CHECK = 10  # demand terms listed per product for the operator to check
CHUNK_MAX = 10  # characters: a longer run without spaces (an unspaced title) is cut in words
MODEL = re.compile(r"[a-z]+\d")  # a model number starts with letters; a spec (5000pa) not
GENERIC_MAX = 1  # generic terms added per title (one place of use, not a list of rooms)


def title_length(text: str, unit: str) -> int:
    """Length as the platform counts it: "bytes" counts a non-ASCII character as 2 (Taobao's
    and Tmall's 60-byte rule, GBK-style), "chars" counts characters (Amazon)."""
    if unit == "chars":
        return len(text)
    return sum(1 if ord(ch) < 128 else 2 for ch in text)


def compact(text: str) -> str:
    """Folded, without spaces: how a term is looked for in a title."""
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


def has_term(title: str, term: str) -> bool:
    return compact(term) in compact(title)


def term_text(term: str) -> str:
    """How a term is written in a title: a phrase's Chinese words joined without a space."""
    return CJK_JOIN.sub("", term)


def generic_terms() -> list[str]:
    """Words any product may carry (家用, 新款 …): keywords/data/generic.txt."""
    return [normalise(w).strip() for w in load_words("generic.txt")]


def forbidden_in(text: str, extra: Sequence[str] = ()) -> list[str]:
    """The forbidden claims of ``text`` (keywords.adlaw), as words."""
    return adlaw.words(text, extra)


def written(word: str, sources: Iterable[str]) -> str:
    """``word`` (normalised) as the first source that has it spells it: "X10 Pro", "5000Pa"."""
    for source in sources:
        text = unicodedata.normalize("NFKC", source)
        lower = text.lower()
        if len(lower) != len(text):
            continue
        at = lower.find(word)
        if at >= 0:
            return text[at:at + len(word)]
    return word


@dataclass(frozen=True)
class Facts:
    """What one product vouches for."""

    title: str  # the current title, as written
    attributes: Sequence[str] = ()  # spec-table values and the operator's confirmed list
    brands: Sequence[str] = ()  # our brands as the config writes them
    nouns: Sequence[str] = ()  # its group's product nouns, best first
    other_nouns: Sequence[str] = ()  # the other groups' product nouns
    other_brands: Sequence[str] = ()  # brands that are not ours
    synonyms: Sequence[Sequence[str]] = ()  # words that mean the same (the config's lists)


@dataclass(frozen=True)
class Advice:
    title: str
    terms: tuple[str, ...]
    length: int
    limit: int
    unit: str
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    to_check: list[str] = field(default_factory=list)
    forbidden: list[adlaw.Hit] = field(default_factory=list)  # hits in the current title


class _Vouched:
    """The words a product vouches for, and the texts that spell them."""

    def __init__(self, facts: Facts, title_words: list[str], noun: str | None,
                 segmenter: Segmenter) -> None:
        self.sources = [facts.title, *facts.attributes, *facts.brands]
        words = set(map(compact, title_words))
        for value in facts.attributes:
            words.add(compact(value))
            words.update(map(compact, segmenter.segment(value)))
        words.update(map(compact, generic_terms()))
        if noun:
            words.add(compact(noun))
        self.words = words
        self.values = [normalise(v).strip() for v in facts.attributes]

    def whole(self, word: str) -> str:
        """The attribute as written that holds ``word`` (大吸力 -> 5000pa大吸力, 锁芯 ->
        c级锁芯): it says more, and only what the product has; else ``word``."""
        key = compact(word)
        return next((v for v in self.values if key in compact(v) and key != compact(v)
                     and len(v) <= CHUNK_MAX and " " not in v), word)

    def __contains__(self, term: str) -> bool:
        return compact(term) in self.words or all(compact(w) in self.words
                                                  for w in term.split())


def _title_parts(facts: Facts, segmenter: Segmenter, hits: list[adlaw.Hit],
                 ) -> tuple[str | None, str | None, str | None, list[str], list[str]]:
    """Brand, model, product noun and the other selling units of the current title
    (normalised), and the claims a forbidden word drops."""
    # our brand, if the title or an attribute (品牌) names it: a product sold under another
    # name does not get ours
    named = compact(" ".join([facts.title, *facts.attributes]))
    brand = next((b for b in (normalise(b).strip() for b in facts.brands)
                  if b and compact(b) in named), None)
    words = _unglued(segmenter.segment(facts.title), brand)
    model = next((w for w in words if SPEC.fullmatch(w) and any(c.isalpha() for c in w)), None)
    nouns = [w for w in words if w in facts.nouns or w in facts.other_nouns]
    noun = nouns[-1] if nouns else (facts.nouns[0] if facts.nouns else None)
    # the rest as written ("5000pa大吸力", "c级锁芯"): the title without brand, model, noun
    # and forbidden claims, cut at spaces; a long run without spaces (an unspaced title) is
    # cut into its words
    plain = normalise(facts.title)
    for gone in sorted({*(h.word for h in hits), *(w for w in (brand, model, noun) if w)},
                       key=len, reverse=True):
        plain = plain.replace(gone, " ")
    units: list[str] = []
    for chunk in plain.split():
        if len(chunk) > CHUNK_MAX:
            units += segmenter.segment(chunk)
        elif chunk not in segmenter.stop_words and (len(chunk) > 1 or not chunk.isascii()):
            units.append(chunk)  # as the operator wrote it: 洗地 (jieba: 洗/地), c级锁芯
    rest = [u for u in dict.fromkeys(units) if u not in (brand, model, noun)]
    return brand, model, noun, rest, list(dict.fromkeys(h.word for h in hits))


def _unglued(words: list[str], brand: str | None) -> list[str]:
    """A Latin brand glued to the model is one token: "zhixiangx1" is zhixiang, x1."""
    if not brand:
        return words
    out: list[str] = []
    for word in words:
        if word.startswith(brand) and word != brand:
            out += [brand, word[len(brand):].strip()]
        else:
            out.append(word)
    return out


def suggest(facts: Facts, ranked: Sequence[str], *, limit: int, unit: str,
            segmenter: Segmenter, scores: Mapping[str, float] | None = None,
            forbidden_extra: Sequence[str] = ()) -> Advice:
    """The title: brand, model, the current selling points, then the best-ranked ``ranked``
    terms the product vouches for that still fit, the product noun last."""
    scores = scores or {}
    hits = adlaw.check(facts.title, forbidden_extra, segmenter)
    brand, model, noun, rest, dropped = _title_parts(facts, segmenter, hits)
    vouched = _Vouched(facts, [w for w in (brand, model, noun, *rest) if w], noun, segmenter)
    excluded = {compact(w) for w in [*facts.other_brands, *facts.other_nouns, *facts.nouns]
                if w and w != noun and w not in rest}

    def build(middle: list[str]) -> list[str]:
        return [t for t in (brand, model, *middle, noun) if t]

    def fits(middle: list[str]) -> bool:
        return title_length(_render(build(middle), vouched.sources), unit) <= limit

    middle, swapped = _better_synonyms(rest, facts.synonyms, scores, excluded,
                                       forbidden_extra, segmenter)
    for _old, new in swapped:
        vouched.words.add(compact(new))  # it means what the title says
        vouched.sources.append(new)
    in_title = {compact(w) for w in middle}
    same = {compact(w) for group in facts.synonyms
            if any(compact(m) in in_title for m in group) for w in group}
    while middle and not fits(middle):  # too long already: the weakest selling point goes
        weakest = min(reversed(middle), key=lambda w: scores.get(w, 0.0))
        middle.remove(weakest)
        dropped.append(next((o for o, n in swapped if n == weakest), weakest))
    added: list[str] = []
    to_check: list[str] = []
    generic = {compact(g) for g in generic_terms()}
    for term in ranked:
        if excluded.intersection(compact(w) for w in [term, *term.split()]) or \
                adlaw.check(term, forbidden_extra, segmenter):
            continue
        chosen = "".join(compact(t) for t in build(middle))
        # a phrase adds the words of it the title lacks (家用 智能门锁 -> 家用)
        missing = [w for w in ([term] if SPEC.fullmatch(term) else term.split())
                   if compact(w) not in chosen and compact(w) not in same]
        if not missing or compact(term) in chosen:
            continue
        unvouched = [w for w in missing if w not in vouched]
        if unvouched:
            for word in unvouched:
                # another product's model number (x17, pro6 max) is nothing to check
                if len(to_check) < TO_CHECK and word not in to_check and not MODEL.match(word):
                    to_check.append(word)
            continue
        if sum(compact(t) in generic for t in added) + sum(
                compact(w) in generic for w in missing) > GENERIC_MAX:
            continue
        missing = [vouched.whole(w) for w in missing]
        if any(compact(w) in chosen for w in missing):
            continue  # the attribute is in the title already
        if fits([*middle, *missing]):
            middle += missing
            added += missing
    for old, new in swapped:
        if new in middle:
            added.insert(0, new)
            dropped.append(old)
    terms = build(middle)
    while terms and title_length(_render(terms, vouched.sources), unit) > limit:
        # a limit too small even for brand, model and noun: the model goes, then the brand
        dropped.append(terms.pop(terms.index(model) if model in terms else 0))
    title = _render(terms, vouched.sources)
    spell = [written(t, vouched.sources) for t in (*terms, *added, *dropped)]
    return Advice(title, tuple(spell[:len(terms)]), title_length(title, unit), limit, unit,
                  spell[len(terms):len(terms) + len(added)], spell[len(terms) + len(added):],
                  to_check, hits)


def _better_synonyms(rest: list[str], synonyms: Sequence[Sequence[str]],
                     scores: Mapping[str, float], excluded: set[str],
                     forbidden_extra: Sequence[str], segmenter: Segmenter,
                     ) -> tuple[list[str], list[tuple[str, str]]]:
    """The selling points with each one that has a synonym people search for more (a higher
    library score) replaced by it, in its place; and the (old, new) pairs replaced."""
    by_word = {compact(w): [normalise(x).strip() for x in group]
               for group in synonyms for w in group}
    known = {compact(term): score for term, score in scores.items()}
    out: list[str] = []
    swapped: list[tuple[str, str]] = []
    for word in rest:
        group = by_word.get(compact(word))
        if group:
            best = max(group, key=lambda w: known.get(compact(w), 0.0))
            if known.get(compact(best), 0.0) > known.get(compact(word), 0.0) and \
                    compact(best) not in excluded and \
                    not adlaw.check(best, forbidden_extra, segmenter) and best not in out:
                swapped.append((word, best))
                word = best
        out.append(word)
    return out, swapped


def _render(terms: Sequence[str], sources: Sequence[str]) -> str:
    return " ".join(term_text(written(t, sources)) for t in terms)
