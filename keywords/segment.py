"""Segment product text into keywords: own jieba dictionary, specs whole, particles dropped.

jieba is the reference and its dictionary format is the user-dictionary format. For speed the
words are cut by rjieba (the binding of jieba-rs, a port of jieba with the same dictionary and
algorithm) where it gives jieba's answer, and by an own ``jieba.Tokenizer`` elsewhere:

- rjieba reads a few inputs differently from jieba (``1.5l`` is one token in jieba-rs, two in
  jieba; jieba-rs counts CJK extension characters as Chinese). Digits, dots and per cent signs
  never reach the cutter here (specs are cut out first), and text with characters outside
  jieba's Chinese range goes to jieba;
- the project's words are checked at start: if rjieba cuts any of them differently from jieba,
  or rjieba's wheel is missing, jieba does all the work (logged once).

The global ``jieba`` tokenizer is never touched, so segmenting the same text gives the same
result whatever else the process did with jieba.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import jieba
import jieba.posseg
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
DATA = Path(__file__).with_name("data")
PROJECT_WORD_FREQ = 50000  # what a config word weighs, as jieba's add_word frequency
# Everything but letters, digits and CJK becomes a space; "." and "%" stay for specs (1.5l, 99%).
# Not single spaces: a title has several, and replacing a space by a space costs a match each.
NON_TOKEN = re.compile(r"[^\w .%\ue000]+")  # and "_", replaced on its own
# Characters NFKC may change: all but ASCII, CJK unified ideographs and the batch marker.
MAYBE_NOT_NFKC = re.compile(r"[^\x00-\x7f\u4e00-\u9fff\ue000]+")
UNITS = r"(?:%|英寸|寸|毫升|升|档|挡|匹|瓦)"
MODEL_SUFFIX = r"(?: (?:pro|max|plus|ultra|mini|lite|se|air)(?![a-z\d]))?"
# Model numbers and specs stay whole: "x10 pro", "5l", "1.5l", "2000pa", "4000mah", "99.9%",
# "3.5寸". A run of letters and digits that holds a digit; the leading lookahead lets the regex
# engine skip Chinese text quickly (2.5x faster than a lookbehind).
SPEC = re.compile(r"((?=[a-z\d])[a-z]*\d[a-z\d]*(?:\.\d+[a-z\d]*)?" + UNITS + "?" + MODEL_SUFFIX
                  + ")")
# rjieba and jieba agree on lower-case Latin words and jieba's CJK range; the rest goes to jieba.
JIEBA_ONLY = re.compile(r"[^a-z \n\ue000\u4e00-\u9fd5]")
SEP = "\n"  # stands where a spec was cut out; both cutters keep it as a token of its own
DOC = "\ue000"  # ends each text of a batch (a private-use character: never in normalised text)
SPACE = " "
DROP_POS = frozenset(("c", "e", "f", "h", "k", "m", "mq", "o", "p", "q", "r", "rr", "rz", "t",
                      "tg", "u", "ud", "ug", "uj", "ul", "uv", "uz", "w", "x", "y", "zg"))
DROPPED = None  # a word that is not kept; it also breaks adjacency for phrases
# Word ids (Segmenter.ids): the markers first, then the words in the order they were first seen.
DROPPED_ID, SPACE_ID, SEP_ID, DOC_ID = 0, 1, 2, 3
FIRST_WORD = 4
MARKERS = ("", SPACE, SEP, DOC)  # the vocabulary's first entries, ids 0..3
MAX_WORDS = 1 << 24  # ids fit 24 bits: a pair of ids is one 48-bit integer (keywords.stats)


def _nfkc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, punctuation and emoji to spaces.

    NFKC runs only on the characters that are not already in normal form for certain (ASCII,
    CJK unified ideographs): it is the slowest step, and most of a title is Chinese or ASCII.
    """
    if not text.isascii():
        text = MAYBE_NOT_NFKC.sub(_nfkc, text)
    return NON_TOKEN.sub(" ", text.lower()).replace("_", " ")


def load_words(name: str) -> list[str]:
    """A versioned word list from keywords/data: one entry per line, '#' starts a comment."""
    lines = (DATA / name).read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _user_dictionary() -> list[tuple[str, int, str]]:
    entries = []
    for line in load_words("userdict.txt"):
        word, freq, tag = line.split()
        entries.append((word, int(freq), tag))
    return entries


@cache
def _default_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default dictionary (word -> frequency, total), read once a process: each
    ``jieba.Tokenizer`` reads it again on first use, 1.5 s every time."""
    base = jieba.Tokenizer()
    base.check_initialized()
    return dict(base.FREQ), base.total


def _tokenizer() -> jieba.Tokenizer:
    """A tokenizer of its own (its user words are added to its copy of the dictionary)."""
    freq, total = _default_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = dict(freq), total
    tokenizer.initialized = True
    return tokenizer


@cache
def _default_tags() -> dict[str, str]:
    """The default dictionary's parts of speech, as jieba.posseg read them at its import."""
    return dict(jieba.posseg.dt.word_tag_tab)


class _Tagger(jieba.posseg.POSTokenizer):  # type: ignore[misc]
    """jieba.posseg's tagger over ``tokenizer``; its constructor would read dict.txt again for
    the tags (1.2 s), which are those of jieba.posseg's own default tagger."""

    def __init__(self, tokenizer: jieba.Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.word_tag_tab = dict(_default_tags())


def _rjieba_cutter(words: list[tuple[str, int, str]],
                   reference: jieba.Tokenizer) -> Callable[[str], list[str]] | None:
    """rjieba with the same words, if installed and it cuts the project's words as jieba does."""
    try:
        import rjieba
    except ImportError:
        log.info("rjieba is not installed; segmenting with jieba")
        return None
    fast = rjieba.Jieba()
    for word, freq, tag in words:
        fast.add_word(word, freq, tag)
    probes = [word for word, _f, _t in words]
    probes += [f"{a}{b}" for a, b in itertools.pairwise(probes)]
    for probe in probes:
        if fast.cut(probe, True) != reference.lcut(probe, HMM=True):
            log.warning("rjieba cuts %r differently from jieba; segmenting with jieba", probe)
            return None
    cut: Callable[[str, bool], list[str]] = fast.cut
    return lambda text: cut(text, True)


class Segmenter:
    """Own tokenizer, user dictionary, stop words and part-of-speech filter.

    ``engine``: "auto" (rjieba where it agrees with jieba), "jieba" (the reference only).
    """

    def __init__(self, user_words: Iterable[str] = (), stop_words: Iterable[str] = (),
                 engine: str = "auto") -> None:
        jieba.setLogLevel(logging.WARNING)
        words = _user_dictionary()
        words += [(w, PROJECT_WORD_FREQ, "nz") for w in
                  (normalise(word).strip() for word in user_words) if w]
        self.tokenizer = _tokenizer()
        for word, freq, tag in words:
            self.tokenizer.add_word(word, freq, tag)
        self.tagger = _Tagger(self.tokenizer)
        self.tags: dict[str, str] = {**self.tagger.word_tag_tab,
                                     **self.tokenizer.user_word_tag_tab}
        self.stop_words = {normalise(w).strip() for w in [*load_words("stopwords.txt"),
                                                           *stop_words]}
        self._jieba_cut = self.tokenizer.lcut
        fast = _rjieba_cutter(words, self.tokenizer) if engine == "auto" else None
        self.engine = "rjieba" if fast else "jieba"
        self._fast_cut = fast
        # id -> word (ids below FIRST_WORD are the markers), and back
        self.vocab: list[str] = list(MARKERS)
        self._word_ids: dict[str, int] = {}
        # raw token -> word id, DROPPED_ID or a marker's id: every token's fate is decided once
        self._token_ids: dict[str, int] = {" ": SPACE_ID, SEP: SEP_ID, DOC: DOC_ID}
        self._spec_ids: dict[str, int] = {}  # spec or model number -> word id or DROPPED_ID

    def cut(self, plain: str) -> list[str]:
        """Raw tokens of normalised text without specs, as jieba's ``lcut`` gives them."""
        if self._fast_cut is None:
            return self._jieba_cut(plain, HMM=True)  # type: ignore[no-any-return]
        if not JIEBA_ONLY.search(plain):
            return self._fast_cut(plain)
        tokens: list[str] = []  # only the documents that need it go to jieba
        for part in plain.split(DOC):
            tokens += self._jieba_cut(part, HMM=True) if JIEBA_ONLY.search(part) \
                else self._fast_cut(part)
            tokens.append(DOC)
        tokens.pop()
        return tokens

    def tag(self, word: str) -> str:
        """jieba's part of speech: the dictionary's, else jieba.posseg's guess for the word."""
        tag = self.tags.get(word)
        if tag is None:
            if word.isascii():
                return "eng"
            # A word jieba's HMM made up: a function word in it (这是 = 这/r 是/v) makes it
            # one; otherwise its head, the last part, gives the tag (带屏 = 带/v 屏/ng).
            flags = [pair.flag for pair in self.tagger.lcut(word)]
            tag = "x" if not flags or DROP_POS.intersection(flags) else flags[-1]
        return tag

    def _keep(self, token: str) -> str | None:
        word = token.strip()
        if not word:
            return SPACE
        if len(word) < 2 or word in self.stop_words or self.tag(word) in DROP_POS:
            return DROPPED
        return word

    def word_id(self, word: str | None) -> int:
        """The id of a kept word (DROPPED_ID for None); a new word gets the next id."""
        if word is None:
            return DROPPED_ID
        found = self._word_ids.get(word)
        if found is None:
            found = self._word_ids[word] = len(self.vocab)
            if found >= MAX_WORDS:
                raise RuntimeError(f"more than {MAX_WORDS} distinct words in one build")
            self.vocab.append(word)
        return found

    def _ids_of(self, tokens: list[str], known: dict[str, int],
                decide: Callable[[str], int]) -> npt.NDArray[np.int32]:
        """Ids of ``tokens`` by a plain dict lookup each (C speed); a token never seen before is
        decided first, once."""
        try:
            return np.fromiter(map(known.__getitem__, tokens), np.int32, len(tokens))
        except KeyError:
            for token in set(tokens).difference(known):
                known[token] = decide(token)
            return np.fromiter(map(known.__getitem__, tokens), np.int32, len(tokens))

    def _token_id(self, token: str) -> int:
        word = self._keep(token)
        return SPACE_ID if word is SPACE else self.word_id(word)

    def _spec_id(self, spec: str) -> int:
        return self.word_id(DROPPED if spec.isdigit() or spec in self.stop_words else spec)

    def ids(self, texts: Iterable[str]) -> npt.NDArray[np.int32]:
        """Word ids of all ``texts`` (``vocab`` gives the words), each text followed by
        DOC_ID; DROPPED_ID where a dropped word stood, since it breaks phrases.

        One normalisation, one regex pass and one cut for the whole batch, and the tokens go
        through one dictionary lookup each: the per-word Python work of a loop is what made a
        word-by-word version 3x slower. Integer ids let the counting run in numpy.
        """
        texts = list(texts)
        joined = DOC.join(texts) + DOC
        if joined.count(DOC) != len(texts):  # a text holding the marker itself
            joined = DOC.join(text.replace(DOC, " ") for text in texts) + DOC
        pieces = SPEC.split(normalise(joined))
        # SPEC takes every digit (its \d is Unicode's, as it was in NON_TOKEN's \w): what is
        # left beside the specs ("1.2.3" -> ".", "."), only dots and per cent signs, is no word
        plain = SEP.join(pieces[0::2]).replace(".", " ").replace("%", " ")
        ids = self._ids_of(self.cut(plain), self._token_ids, self._token_id)
        if len(pieces) > 1:  # each spec cut out left a SEP token in its place
            ids[ids == SEP_ID] = self._ids_of(pieces[1::2], self._spec_ids, self._spec_id)
        kept: npt.NDArray[np.int32] = ids[ids != SPACE_ID]
        return kept

    def flat(self, texts: Iterable[str]) -> list[str | None]:
        """Kept words of all ``texts``, each text followed by ``DOC``; ``None`` (DROPPED) where a
        dropped word stood."""
        vocab = self.vocab
        return [vocab[i] if i else DROPPED for i in self.ids(texts).tolist()]

    def words(self, text: str) -> list[str | None]:
        """Kept words in order, ``None`` where a dropped word stood (it breaks phrases)."""
        return self.flat([text])[:-1]

    def segment(self, text: str) -> list[str]:
        """Product words of ``text`` in order: specs whole, stop words and particles dropped."""
        return [word for word in self.words(text) if word]


@cache
def default_segmenter() -> Segmenter:
    return Segmenter()


def segment(text: str) -> list[str]:
    """Segment with the default segmenter (repo dictionary, no project words)."""
    return default_segmenter().segment(text)
