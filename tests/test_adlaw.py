"""The Advertising-Law check: the law's patterns on words, false positives, real titles."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from config.schema import SiteConfig
from keywords.adlaw import ART_4_28, ART_9_3, ART_CONFIG, check, words
from tests.support import realpages


@pytest.mark.parametrize(("title", "found"), [
    ("最好的加湿器", ["最好"]),
    ("全网最低价 第一品牌 扫地机器人", ["全网最低价", "第一品牌"]),
    ("ＮＯ．１ 加湿器", ["no.1"]),  # full width folded
    ("销量第一 国家级品质", ["第一", "国家级"]),
    ("哈佛最受欢迎的管理课", ["最受欢迎"]),
    ("绝对静音 100%满意", ["绝对", "100%"]),
    ("顶级音质 独家定制", ["顶级", "独家"]),
    ("TOP1 爆款", ["top1"]),
    # the common false positives: no claim
    ("最近上新 第一次使用 第一代", []),
    ("绝对湿度传感器", []),
    ("100%纯棉 四件套", []),
    ("top10 热销", []),
    ("99.9%除菌 静音 加湿器", []),
    ("统一绿茶", []),  # 一 of 统一 is no 第一
    ("永久磁铁", []),
])
def test_claims_are_found_as_words(title: str, found: list[str]) -> None:
    assert words(title) == found


def test_each_hit_says_why_and_under_which_article() -> None:
    hits = check("最佳 加湿器 绝对静音")
    assert [(h.word, h.article) for h in hits] == [("最佳", ART_9_3), ("绝对", ART_4_28)]
    assert hits[0].reason.startswith("superlative") and hits[0].start == 0


def test_the_operators_words_are_matched_as_whole_words() -> None:
    assert [(h.word, h.article) for h in check("今日爆品 加湿器", ["爆品"])] == [
        ("爆品", ART_CONFIG)]
    assert words("neutopia 加湿器", ["top"]) == []  # not inside a Latin word


def test_real_titles_from_saved_search_pages() -> None:
    """200 product titles from JD search pages (../shared/realpages): the three claims they
    hold are found, and nothing else is (a title with 第一版 or 最 inside a word is fine)."""
    from crawlers.sites import jd

    site = SiteConfig(name="jd", adapter="jd", base_url="https://search.jd.com")
    titles = []
    for path in sorted(realpages("jd_search_wayback").glob("*.html")):
        page = jd.parse_search(HtmlResponse("https://search.jd.com/search?keyword=x",
                                            body=path.read_bytes()), site)
        titles += [item.title for item, _ad in page.products if item.title]
    assert len(titles) >= 150
    flagged = {title: words(title) for title in titles if words(title)}
    assert sorted(flagged.values()) == [["冠军"], ["最受欢迎"], ["最受欢迎"]]
    assert any("冠军版" in t for t in flagged)  # 3D冠军版: an edition's name, still a claim
