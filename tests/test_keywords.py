"""Segmentation with an own jieba tokenizer (rjieba where it agrees), statistics and phrases."""

from __future__ import annotations

import itertools
import os
import random
from collections import Counter

import jieba
import pytest

from bench.keywords.corpus import TitleCorpus
from keywords.segment import Segmenter, normalise, segment
from keywords.stats import Document, count_documents, find_phrases, rank_weight, term_rows
from keywords.titles import title_length


def test_user_dictionary_words_and_specs_stay_whole() -> None:
    assert segment("追觅X10 Pro 扫拖一体 自动集尘 扫地机器人") == [
        "追觅", "x10 pro", "扫拖一体", "自动集尘", "扫地机器人"]
    assert segment("静音扫地机器人 2000Pa 4000mAh 5L") == [
        "静音", "扫地机器人", "2000pa", "4000mah", "5l"]
    assert segment("科沃斯智能门锁 云鲸洗地机 戴森空气净化器 石头加湿器") == [
        "科沃斯", "智能门锁", "云鲸", "洗地机", "戴森", "空气净化器", "石头", "加湿器"]


@pytest.mark.parametrize(("text", "words"), [
    ("ＡＢＣ１２３！🔥", ["abc123"]),                       # full-width to half-width, emoji
    ("【包邮】米家 空气净化器！！🔥", ["米家", "空气净化器"]),  # brackets, boilerplate
    ("美的1.5匹变频空调", ["美的", "1.5匹", "变频空调"]),      # a decimal spec with its unit
    ("99.9%除菌 3.5寸屏", ["99.9%", "除菌", "3.5寸", "屏"][:3]),
    ("2024新款 小米 WiFi 智能插座", ["小米", "wifi", "智能插座"]),  # a bare number is no term
    ("X10PRO 追觅", ["x10pro", "追觅"]),
    ("s7 max／石头", ["s7 max", "石头"]),
])
def test_normalisation(text: str, words: list[str]) -> None:
    assert segment(text) == words


def test_normalise_keeps_spec_characters_only() -> None:
    assert normalise("ＡＢＣ１２３！🔥").split() == ["abc123"]
    assert normalise("a_b,c;d").split() == ["a", "b", "c", "d"]


def test_same_text_same_words_whatever_the_global_jieba_did() -> None:
    text = "科沃斯无线吸尘器除螨家用"
    first = Segmenter().segment(text)
    jieba.add_word("无线吸尘器除螨家用", freq=10**9)  # another library mutating the global one
    jieba.del_word("科沃斯")
    try:
        assert Segmenter().segment(text) == first == ["科沃斯", "无线吸尘器", "除螨", "家用"]
    finally:
        jieba.del_word("无线吸尘器除螨家用")


def test_project_words_and_stop_words() -> None:
    custom = Segmenter(user_words=["静音款"], stop_words=["家用"])
    assert custom.segment("静音款家用加湿器") == ["静音款", "加湿器"]
    # particles, pronouns, shop boilerplate are not product words
    assert segment("这是我们的正品包邮爆款加湿器和除湿机") == ["加湿器", "除湿机"]
    assert segment("the best robot vacuum for pets") == ["best", "robot", "vacuum", "pets"]


def test_rjieba_gives_jiebas_words_on_a_generated_corpus() -> None:
    """The fast path must equal the reference: 20,000 generated titles plus odd characters
    (CJK extension A, kana, accents, decimals, underscores) that the two cutters read apart."""
    fast, reference = Segmenter(), Segmenter(engine="jieba")
    assert fast.engine == "rjieba" and reference.engine == "jieba"
    rng = random.Random(5)
    odd = ["㐀㐁", "カメラ", "café", "1.5l", "a.b.c", "x_y", "\ue000", "٣", "ǅ", "①"]
    titles = list(TitleCorpus(seed=11).titles(20000))
    titles += [f"{t}{rng.choice(odd)}{t[:5]}" for t in titles[:2000]]
    for start in range(0, len(titles), 500):
        batch = titles[start:start + 500]
        assert fast.flat(batch) == reference.flat(batch)
    # and the plain cut itself, where no spec was taken out first
    for title in titles[:5000]:
        plain = "".join(ch for ch in normalise(title) if "\u4e00" <= ch <= "\u9fd5" or ch == " ")
        assert fast.cut(plain) == reference.tokenizer.lcut(plain, HMM=True)


def test_a_batch_segments_as_its_texts_one_by_one() -> None:
    seg = Segmenter()
    titles = list(TitleCorpus(seed=3).titles(300))
    one_by_one = [seg.words(t) for t in titles]
    flat = seg.flat(titles)
    split = [list(g) for is_doc, g in itertools.groupby(flat, lambda w: w == "\ue000")
             if not is_doc]
    assert [w for w in flat if w == "\ue000"] == ["\ue000"] * 300
    assert [s for s in split] == [w for w in one_by_one if w]


def _docs(texts: list[str], source: str = "competitor_title") -> list[Document]:
    return [Document(t, source, "清洁", rank_weight(i + 1), top10=i < 10)
            for i, t in enumerate(texts)]


def test_rank_weighted_scores_and_top10_share() -> None:
    docs = [Document("扫地机器人", "search_term", "清洁"),
            Document("追觅 自动集尘 扫地机器人", "competitor_title", "清洁", rank_weight(1), True),
            Document("石头 激光导航 扫地机器人", "competitor_title", "清洁", rank_weight(30))]
    rows = {(r.source, r.term): r for r in term_rows(count_documents(docs, Segmenter()))}
    assert rows["competitor_title", "自动集尘"].score > rows["competitor_title", "激光导航"].score
    robot = rows["competitor_title", "扫地机器人"]
    assert (robot.frequency, robot.doc_frequency, robot.documents) == (2, 2, 2)
    assert rows["competitor_title", "自动集尘"].top10_share == 1.0
    assert rows["competitor_title", "激光导航"].top10_share == 0.0
    assert rows["search_term", "扫地机器人"].documents == 1
    assert rank_weight(1) == 1.0 and rank_weight(3) == 0.5


def test_document_frequency_counts_a_repeated_word_once() -> None:
    rows = term_rows(count_documents(_docs(["加湿器 家用 加湿器", "加湿器 卧室"]), Segmenter()))
    humidifier = next(r for r in rows if r.term == "加湿器")
    assert (humidifier.frequency, humidifier.doc_frequency) == (3, 2)


def test_a_phrase_is_found_from_co_occurrence() -> None:
    """静音 always right before 扫地机器人, other words in random order: only that pair is a
    phrase."""
    rng = random.Random(1)
    others = ["家用", "智能", "自清洁", "激光导航", "避障", "超薄", "大吸力", "全自动"]
    texts = []
    for i in range(200):
        words = rng.sample(others, 3)
        words.insert(rng.randint(0, 3), "静音扫地机器人" if i % 4 == 0 else "扫地机器人")
        texts.append(" ".join(words))
    counts = count_documents(_docs(texts), Segmenter())
    phrases = find_phrases(counts)["清洁"]
    assert list(phrases) == [("静音", "扫地机器人")]
    row = next(r for r in term_rows(counts) if r.term == "静音 扫地机器人")
    assert row.kind == "phrase" and row.frequency == row.doc_frequency == 50


def test_worker_processes_count_what_one_process_counts() -> None:
    docs = [Document(t, "competitor_title", f"g{i % 3}", rank_weight(i % 40 + 1), i % 40 < 10)
            for i, t in enumerate(TitleCorpus(seed=9).titles(12000))]
    seg = Segmenter()
    one = term_rows(count_documents(docs, seg, workers=1))
    two = term_rows(count_documents(iter(docs), seg, workers=2))
    assert sorted(one, key=repr) == sorted(two, key=repr)


def test_counts_equal_a_plain_python_count() -> None:
    """The numpy counting against the obvious Counter version over the segmenter's words:
    frequency, document frequency (titles that repeat words and pairs included), top-10 share,
    and the phrases' pair counts."""
    seg = Segmenter()
    titles = list(TitleCorpus(seed=4).titles(3000))
    titles += [f"{t} {t[:12]}" for t in titles[:300]]  # repeated words and pairs
    docs = [Document(t, "competitor_title", f"g{i % 2}", rank_weight(i % 30 + 1), i % 30 < 10)
            for i, t in enumerate(titles)]
    freq: Counter[tuple[str, str]] = Counter()
    df: Counter[tuple[str, str]] = Counter()
    top10: Counter[tuple[str, str]] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    pair_df: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        words = seg.words(doc.text)
        kept = [w for w in words if w]
        freq.update((doc.group, w) for w in kept)
        df.update((doc.group, w) for w in set(kept))
        top10.update((doc.group, w) for w in set(kept) if doc.top10)
        adjacent = [f"{a} {b}" for a, b in itertools.pairwise(words) if a and b and a != b]
        pairs.update((doc.group, p) for p in adjacent)
        pair_df.update((doc.group, p) for p in set(adjacent))
    rows = term_rows(count_documents(docs, seg))
    words_rows = [r for r in rows if r.kind == "word"]
    assert {(r.group, r.term): r.frequency for r in words_rows} == dict(freq)
    assert {(r.group, r.term): r.doc_frequency for r in words_rows} == dict(df)
    top10_docs = Counter(doc.group for doc in docs if doc.top10)
    assert all(r.top10_share == round(top10[r.group, r.term] / top10_docs[r.group], 4)
               for r in words_rows)
    phrase_rows = [r for r in rows if r.kind == "phrase"]
    assert phrase_rows and any(r.frequency != r.doc_frequency for r in phrase_rows)
    for r in phrase_rows:
        assert (r.frequency, r.doc_frequency) == (pairs[r.group, r.term], pair_df[r.group, r.term])


def test_a_dying_worker_is_an_error_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    seg = Segmenter()
    ids, parent = seg.ids, os.getpid()

    def die_in_child(texts: list[str]) -> object:
        if os.getpid() != parent:
            os._exit(3)  # a worker killed in the middle of its work
        return ids(texts)

    monkeypatch.setattr(seg, "ids", die_in_child)
    docs = [Document(t, "competitor_title") for t in TitleCorpus(seed=1).titles(30000)]
    with pytest.raises(RuntimeError, match="worker died"):
        count_documents(docs, seg, workers=2)


def test_title_length_counts_bytes_as_taobao_does() -> None:
    assert title_length("智享X10 Pro 扫地机器人", "bytes") == 4 + 8 + 10
    assert title_length("智享X10 Pro 扫地机器人", "chars") == 2 + 8 + 5


def test_jieba_does_the_work_when_rjieba_cuts_a_word_differently(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import sys
    import types

    class Disagreeing:
        def add_word(self, word: str, freq: int, tag: str) -> None:
            pass

        def cut(self, text: str, hmm: bool) -> list[str]:
            return list(text)  # every character alone: not jieba's answer

    monkeypatch.setitem(sys.modules, "rjieba", types.SimpleNamespace(Jieba=Disagreeing))
    seg = Segmenter()
    assert seg.engine == "jieba" and "segmenting with jieba" in caplog.text
    assert seg.segment("追觅扫地机器人") == ["追觅", "扫地机器人"]
    monkeypatch.setitem(sys.modules, "rjieba", None)  # the wheel is missing
    assert Segmenter().engine == "jieba"


def test_pair_memory_is_bounded_and_frequent_pairs_survive(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from keywords import stats

    monkeypatch.setattr(stats, "PAIR_LIMIT", 3000)
    titles = list(TitleCorpus(seed=2).titles(20000))
    titles += ["静音 扫地机器人"] * 200
    counts = count_documents([Document(t, "competitor_title", "g") for t in titles], Segmenter())
    assert counts.pairs_forgotten > 0
    assert sum(len(t.pair_codes) for t in counts.tables.values()) <= 3000
    assert ("静音", "扫地机器人") in find_phrases(counts)["g"]


def test_one_title_limit_per_site() -> None:
    from pydantic import ValidationError

    from config.schema import SiteConfig

    with pytest.raises(ValidationError, match="set one of them"):
        SiteConfig(name="tb", adapter="taobao", base_url="https://s.taobao.com",
                   title_limit_bytes=60, title_limit_chars=30)
    assert SiteConfig(name="tb", adapter="taobao", base_url="https://x").title_limit() == (
        60, "bytes")
    assert SiteConfig(name="az", adapter="amazon", base_url="https://x").title_limit() == (
        200, "chars")
    assert SiteConfig(name="jd", adapter="jd", base_url="https://x",
                      title_limit_bytes=100).title_limit() == (100, "bytes")
