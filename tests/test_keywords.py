"""Segmentation with an own jieba tokenizer, and keyword statistics."""

from __future__ import annotations

import jieba

from keywords.library import Document, rank_weight, term_stats
from keywords.segment import Segmenter, normalise, segment


def test_specs_and_model_numbers_stay_whole() -> None:
    assert segment("追觅X10 Pro 扫拖一体 自动集尘 扫地机器人") == [
        "追觅", "x10 pro", "扫拖一体", "自动集尘", "扫地机器人"]
    assert segment("静音扫地机器人 2000Pa 4000mAh 5L") == [
        "静音", "扫地机器人", "2000pa", "4000mah", "5l"]


def test_normalisation_full_width_case_punctuation_emoji() -> None:
    assert normalise("ＡＢＣ１２３！🔥") .split() == ["abc123"]
    assert segment("【包邮】米家 空气净化器！！🔥") == ["米家", "空气净化器"]


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


def test_rank_weighted_scores() -> None:
    docs = [Document("扫地机器人", "search_term"),
            Document("追觅 自动集尘 扫地机器人", "competitor_title", rank_weight(1)),
            Document("石头 激光导航 扫地机器人", "competitor_title", rank_weight(30))]
    stats = term_stats(docs, Segmenter(), top10={1})
    titles = stats.by_source["competitor_title"]
    assert titles["自动集尘"].score > titles["激光导航"].score  # rank 1 beats rank 30
    assert titles["扫地机器人"].frequency == 2 and titles["扫地机器人"].doc_frequency == 2
    assert titles["自动集尘"].top10_docs == 1 and titles["激光导航"].top10_docs == 0
    assert rank_weight(1) == 1.0 and rank_weight(3) == 0.5
