"""Segment product text with an own ``jieba.Tokenizer`` and a user dictionary from the repo.

The global ``jieba`` tokenizer is never touched, so segmenting the same text gives the same
result whatever else the process did with jieba.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jieba
import jieba.posseg

DATA = Path(__file__).with_name("data")
# Model numbers and specs stay whole: "x10 pro", "5l", "2000pa", "4000mah", "cadr500".
SPEC = re.compile(
    r"[a-z]+\d+[a-z\d]*(?: (?:pro|max|plus|ultra|mini|lite|se))?"
    r"|\d+(?:\.\d+)?(?:pa|mah|ml|l|w|kg|g|m2|㎡|mm|cm|寸|级|档)?(?![a-z])",
)
KEEP_POS = ("n", "v", "a", "b", "eng", "x", "nz", "vn", "an", "nr", "ns", "nt", "l", "i", "j")
TOKEN_CHARS = re.compile(r"[\w\u4e00-\u9fff]")


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), Latin lower-cased, punctuation and emoji to spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch if TOKEN_CHARS.match(ch) or ch in ". " else " " for ch in text)


def _load_words(name: str) -> list[str]:
    lines = (DATA / name).read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class Segmenter:
    """Own tokenizer, user dictionary, stop words and part-of-speech filter."""

    def __init__(self, user_words: Iterable[str] = (), stop_words: Iterable[str] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.load_userdict(str(DATA / "userdict.txt"))
        for word in user_words:
            self.tokenizer.add_word(normalise(word).strip(), freq=50000)
        self.tagger = jieba.posseg.POSTokenizer(self.tokenizer)
        self.stop_words = {normalise(w).strip() for w in [*_load_words("stopwords.txt"),
                                                           *stop_words]}

    def segment(self, text: str) -> list[str]:
        """Product words of ``text`` in order: specs whole, stop words and particles dropped."""
        words: list[str] = []
        clean = normalise(text)
        position = 0
        for match in SPEC.finditer(clean):
            words += self._segment_plain(clean[position:match.start()])
            words.append(match.group().strip())
            position = match.end()
        words += self._segment_plain(clean[position:])
        return [w for w in words if w and w not in self.stop_words]

    def _segment_plain(self, text: str) -> list[str]:
        out = []
        for pair in self.tagger.cut(text, HMM=True):
            word, flag = pair.word.strip(), pair.flag
            if not word or not TOKEN_CHARS.search(word):
                continue
            if len(word) == 1 and not word.isascii():
                continue  # single characters carry no title value on their own
            if flag.startswith(KEEP_POS) or flag == "nz":
                out.append(word)
        return out


@cache
def default_segmenter() -> Segmenter:
    return Segmenter()


def segment(text: str) -> list[str]:
    """Segment with the default segmenter (repo dictionary, no project words)."""
    return default_segmenter().segment(text)
