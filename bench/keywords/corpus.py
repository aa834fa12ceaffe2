"""Reproducible marketplace-style product titles for the keyword benchmark and tests.

Titles look like Taobao/JD titles: a brand, a model number, specs (``5L``, ``2000Pa``), a few
attribute and modifier words, a product noun, shop boilerplate, now and then full-width
characters, brackets and an emoji, and general words drawn from jieba's own dictionary so that
the vocabulary grows as real titles' does. Same seed, same titles, on every machine.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import jieba

BRANDS = ("追觅", "石头", "科沃斯", "小米", "米家", "云鲸", "戴森", "美的", "飞利浦", "德施曼",
          "天猫精灵", "智享", "格力", "海尔", "松下", "博世", "九阳", "苏泊尔", "华为", "荣耀")
NOUNS = ("扫地机器人", "空气净化器", "加湿器", "智能门锁", "智能音箱", "智能插座", "无线吸尘器",
         "洗地机", "除湿机", "电风扇", "电饭煲", "破壁机", "空气炸锅", "电热水壶", "吹风机",
         "电动牙刷", "剃须刀", "按摩仪", "台灯", "摄像头", "路由器", "投影仪", "净水器",
         "洗碗机", "烤箱", "微波炉", "豆浆机", "榨汁机", "挂烫机", "暖风机")
ATTRIBUTES = ("扫拖一体", "自动集尘", "自清洁", "激光导航", "大吸力", "避障", "除甲醛", "除菌",
              "负离子", "无雾", "大容量", "恒湿", "指纹锁", "人脸识别", "可视猫眼", "语音控制",
              "带屏", "远程控制", "定时", "电量统计", "除螨", "长续航", "轻量化", "变频",
              "一级能效", "低噪音", "触控", "智能温控", "防干烧", "可拆洗", "多功能", "便携式")
MODIFIERS = ("家用", "全自动", "智能", "超薄", "静音", "卧室", "客厅", "办公室", "母婴", "手持",
             "无线", "宠物", "迷你", "小型", "大功率", "商用", "学生", "宿舍", "节能", "升级")
BOILERPLATE = ("官方旗舰店", "正品", "包邮", "新款", "爆款", "热卖", "现货", "同款", "2024新款",
               "官方正品", "旗舰", "礼物")
SPECS = ("5L", "2000Pa", "4000mAh", "5000Pa", "16A", "CADR500", "1.5L", "3L", "600W", "220V",
         "4K", "WiFi", "AI")
SERIES = ("X", "S", "T", "P", "V", "L", "Pro", "Max", "G", "K")
DECOR = ("【", "】", "！", "🔥", "★", "（", "）", "｜", "～")
FULL_WIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                           "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")


def _dictionary_words(limit: int = 20000) -> list[str]:
    """The most frequent 2-4 character nouns, verbs and adjectives of jieba's dictionary."""
    path = Path(jieba.__file__).with_name("dict.txt")
    rows = []
    for line in path.read_text("utf-8").splitlines():
        word, freq, tag = line.split(" ")
        if 2 <= len(word) <= 4 and tag[:1] in ("n", "v", "a"):
            rows.append((int(freq), word))
    rows.sort(reverse=True)
    return [word for _freq, word in rows[:limit]]


class TitleCorpus:
    """``titles(n)`` yields ``n`` titles of about 25 characters, the same for the same seed."""

    def __init__(self, seed: int = 2026) -> None:
        self.seed = seed
        self.general = _dictionary_words()
        # Zipf-like weights: a few general words are common, most are rare, as in real titles.
        self.general_weights = list(itertools.accumulate(
            1.0 / (rank + 10) for rank in range(len(self.general))))

    def titles(self, n: int) -> Iterator[str]:
        for _noun, title in self.items(n):
            yield title

    def items(self, n: int) -> Iterator[tuple[str, str]]:
        """(product noun, title) pairs: the noun is the title's product group."""
        rng = random.Random(self.seed)
        for _ in range(n):
            noun = rng.choice(NOUNS)
            yield noun, self._title(rng, noun)

    def _title(self, rng: random.Random, noun: str) -> str:
        model = f"{rng.choice(SERIES)}{rng.randint(1, 30)}{rng.choice(['', ' Pro', ' Max', ''])}"
        words = [*rng.sample(ATTRIBUTES, rng.randint(1, 3)), rng.choice(MODIFIERS)]
        words += rng.choices(self.general, cum_weights=self.general_weights,
                             k=rng.randint(0, 1))
        rng.shuffle(words)
        if rng.random() < 0.5:
            words.append(rng.choice(SPECS))
        parts = [rng.choice(BRANDS) + model, *words, noun]
        if rng.random() < 0.6:
            parts.append(rng.choice(BOILERPLATE))
        title = " ".join(parts) if rng.random() < 0.5 else "".join(parts)
        if rng.random() < 0.15:
            title = f"{rng.choice(DECOR)}{rng.choice(BOILERPLATE)}{rng.choice(DECOR)}{title}"
        if rng.random() < 0.1:
            title = title.translate(FULL_WIDTH)
        return title
