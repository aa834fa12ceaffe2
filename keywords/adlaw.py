"""The Advertising-Law check (广告法): forbidden claims found as words, not as substrings.

A claim is looked for with the law's own patterns (superlatives 最…, "first/only/No.1", 国家级
and its kin, guarantees such as 100%/绝对, state authority, cure claims) on the normalised text,
and a match counts only where it starts a word of the text as jieba cuts it: "最" inside
another word is no claim. The common false positives are named beside each pattern (第一次,
最近, 绝对湿度, 100%纯棉 …). Each hit says why and which article it falls under, so that an
operator can decide, and the words of ``[keyword_library] forbidden_words`` are matched the
same way (as whole words).

Pure: text in, hits out. The patterns are data (PATTERNS below) rather than a word list
because the law forbids forms ("最" + an adjective), not a closed set of words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from keywords.segment import Segmenter, default_segmenter, normalise

ART_9_3 = "广告法第九条第三项 (Art. 9(3): 国家级、最高级、最佳等用语)"
ART_9_2 = "广告法第九条第二项 (Art. 9(2): 国家机关的名义)"
ART_4_28 = "广告法第四条、第二十八条 (Arts. 4, 28: 虚假或引人误解的内容)"
ART_17 = "广告法第十七条 (Art. 17: 疾病治疗功能)"
ART_CONFIG = "[keyword_library] forbidden_words"

@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    reason: str
    article: str
    allowed: re.Pattern[str] | None = None  # false positives, matched at the same place


def _p(regex: str, reason: str, article: str, allowed: str | None = None) -> Pattern:
    return Pattern(re.compile(regex), reason, article, re.compile(allowed) if allowed else None)


PATTERNS: tuple[Pattern, ...] = (
    _p("最", "superlative (最…)", ART_9_3,
       # time and order words, not claims: 最近, 最初, 最后, 最终, 最早 (a date), 最少 (a
       # minimum order), 最多 (a capacity: 最多6人)
       allowed="最(?:近|初|后|终|早|少|多)"),
    _p("第一", "first / No. 1 (第一…)", ART_9_3,
       # an order or a generation, not a rank: 第一次, 第一步, 第一代, 第一天, 第一批, 第一季,
       # 第一版, 第一章, 第一集, 第一期, 第一册, 第一卷, 第一部, 第一课
       allowed="第一(?:次|步|代|天|批|季|版|章|集|期|册|卷|部|课|节|个月|周)"),
    _p("(?:no\\.? ?1|top ?1|number one)(?![\\d.])", "No. 1 claim", ART_9_3),
    _p("(?:国家|国际|世界|全球|宇宙|全国|行业)级", "rank claim (…级)", ART_9_3),
    _p("(?:顶级|顶尖|极品|极致|首个|首家|首选|唯一|独一无二|独家|史无前例|前无古人|空前绝后|"
       "绝无仅有|无与伦比|遥遥领先|万能|无敌|王牌|销量冠军|冠军|金牌|领导品牌|领先品牌|领袖品牌|"
       "第一品牌|全网最低|秒杀全网|全球首发|独创)", "absolute claim", ART_9_3),
    _p("(?<![\\d.])(?:100(?:\\.0+)? ?%|百分百|百分之百)", "guarantee (100%)", ART_4_28,
       # a composition, not a promise: 100%纯棉, 100%羊毛, 100%真丝
       allowed="(?:100(?:\\.0+)? ?%|百分百|百分之百) ?(?:纯|全)?(?:棉|羊毛|羊绒|真丝|桑蚕丝|蚕丝|"
               "涤纶|聚酯|亚麻|纯棉)"),
    _p("绝对", "guarantee (绝对)", ART_4_28,
       allowed="绝对(?:湿度|值|温度|压力|零度|误差)"),  # physics, not a promise
    _p("永久|终身保修|零风险|无副作用", "guarantee", ART_4_28,
       allowed="永久(?:磁铁|磁体)"),
    _p("(?:国家|质量)免检|特供|专供|国家机关推荐|国宾|驰名商标", "state authority", ART_9_2),
    _p("(?:治疗|治愈|根治|抗癌|防癌|药到病除)", "cure claim", ART_17),
)


@dataclass(frozen=True)
class Hit:
    """A forbidden claim: the word or phrase as found (normalised), why, under which article."""

    word: str
    start: int
    reason: str
    article: str


def _starts(text: str, segmenter: Segmenter) -> set[int]:
    """Offsets where a word starts, as jieba cuts ``text`` (the reference tokenizer)."""
    starts, at = set(), 0
    for token in segmenter.tokenizer.lcut(text, HMM=True):
        starts.add(at)
        at += len(token)
    return starts


@cache
def _extra_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    folded = sorted({normalise(w).strip() for w in words if normalise(w).strip()},
                    key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, folded))) if folded else None


def _word_end(text: str, start: int, end: int, starts: set[int]) -> bool:
    """A Latin match ends where a word ends ("top1" is not "top10"); a Chinese one may run on
    (最好 in 最好的, 顶级 in 顶级音质)."""
    return not (text[end - 1:end].isascii() and text[end:end + 1].isalnum()) or end in starts


def check(text: str, extra: Iterable[str] = (), segmenter: Segmenter | None = None,
          ) -> list[Hit]:
    """Forbidden claims in ``text``, in order, each once; none inside another hit."""
    segmenter = segmenter or default_segmenter()
    plain = normalise(text)
    starts = _starts(plain, segmenter)
    hits: list[Hit] = []
    extra_re = _extra_pattern(tuple(extra))
    patterns: list[tuple[re.Pattern[str], str, str, re.Pattern[str] | None]] = [
        (p.regex, p.reason, p.article, p.allowed) for p in PATTERNS]
    if extra_re is not None:
        patterns.insert(0, (extra_re, "listed by the operator", ART_CONFIG, None))
    found: list[Hit] = []
    for regex, reason, article, allowed in patterns:
        for match in regex.finditer(plain):
            start, end = match.span()
            if start not in starts or not _word_end(plain, start, end, starts):
                continue  # part of another word
            if allowed is not None and allowed.match(plain, start):
                continue
            end = _expand(plain, start, end, starts)
            found.append(Hit(plain[start:end].strip(), start, reason, article))
    for hit in sorted(found, key=lambda h: (h.start, -len(h.word))):
        if not hits or hit.start >= hits[-1].start + len(hits[-1].word):
            hits.append(hit)
    return hits


def _expand(plain: str, start: int, end: int, starts: set[int]) -> int:
    """The hit as a whole word: to the end of the word it ends in (最好 of 最好的); a lone
    "最" takes the next word with it (最 受欢迎 -> 最受欢迎)."""
    following = sorted(at for at in starts if at >= end)
    end = following[0] if following else len(plain)
    if end - start == 1 and len(following) > 1 and plain[end:end + 1].strip():
        end = following[1]
    return end


def words(text: str, extra: Sequence[str] = ()) -> list[str]:
    """The forbidden words of ``text`` (the hits' words)."""
    return [hit.word for hit in check(text, extra)]
