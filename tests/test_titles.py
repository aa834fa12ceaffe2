"""Honest title suggestions: only words the product vouches for, within the site's limit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from keywords.segment import Segmenter, default_segmenter
from keywords.titles import Facts, compact, generic_terms, suggest, title_length

SEG = default_segmenter()
VACUUM = "扫地机器人"
ROBOT_TERMS = ["激光导航", "自动集尘", "热水洗拖布", "避障", "自清洁", "扫拖一体", "家用", "静音"]


def test_a_vacuum_keeps_its_selling_points_and_gets_no_feature_it_does_not_have() -> None:
    facts = Facts("智享T5 Plus 自动集尘 避障 家用 扫地机器人", brands=["智享"],
                  nouns=[VACUUM, "无线吸尘器"], other_nouns=["加湿器", "空气净化器"],
                  other_brands=["追觅", "石头"])
    advice = suggest(facts, ["激光导航", "热水洗拖布", "追觅", "加湿器", "静音 扫地机器人",
                             "卧室", "5000pa"], limit=60, unit="bytes", segmenter=SEG)
    assert advice.title.startswith("智享 T5 Plus ")  # the model as written, not "t5 plus"
    assert "自动集尘" in advice.title and "避障" in advice.title  # selling points stay
    assert advice.title.endswith(VACUUM)
    for absent in ("激光导航", "热水洗拖布", "追觅", "加湿器", "5000pa"):
        assert absent not in advice.title.lower()
    assert advice.to_check == ["激光导航", "热水洗拖布", "静音", "5000pa"]
    assert advice.added == ["卧室"]  # a generic term
    assert advice.dropped == [] and advice.forbidden == []


def test_attributes_and_the_confirmed_list_vouch_for_a_term() -> None:
    facts = Facts("智享T5 扫地机器人", attributes=["激光导航", "5000Pa大吸力"], brands=["智享"],
                  nouns=[VACUUM])
    advice = suggest(facts, ["激光导航", "热水洗拖布", "5000pa", "大吸力"], limit=60,
                     unit="bytes", segmenter=SEG)
    assert advice.added == ["激光导航", "5000Pa", "大吸力"]  # the attribute's spelling
    assert "5000Pa" in advice.title and advice.to_check == ["热水洗拖布"]


def test_a_vacuum_filed_under_the_humidifier_group_gets_no_humidifier_noun() -> None:
    """The issue's example: three product nouns, two of other categories."""
    facts = Facts("云栖 静音 大容量 扫地机器人", brands=["智享"], nouns=["加湿器", "空气净化器"],
                  other_nouns=[VACUUM], other_brands=[])
    advice = suggest(facts, ["卧室", "无雾", "恒湿", "智能", "空气净化器", "加湿器", "旗舰",
                             "自动集尘", "标准版"], limit=60, unit="bytes", segmenter=SEG)
    assert advice.title == "云栖 静音 大容量 卧室 扫地机器人"
    assert "智享" not in advice.title  # sold under another name: our brand is not added
    assert set(advice.to_check) == {"无雾", "恒湿", "智能", "旗舰", "自动集尘", "标准版"}


def test_a_forbidden_claim_of_the_current_title_is_dropped_and_reported() -> None:
    facts = Facts("智享X3 Max 销量第一 顶级静音 扫地机器人", brands=["智享"], nouns=[VACUUM])
    advice = suggest(facts, ["最好", "100%除菌", "家用"], limit=60, unit="bytes", segmenter=SEG)
    assert [h.word for h in advice.forbidden] == ["第一", "顶级"]
    assert "第一" not in advice.title and "顶级" not in advice.title and "最好" not in advice.title
    assert advice.title == "智享 X3 Max 销量 静音 家用 扫地机器人"
    assert set(advice.dropped) >= {"第一"}


def test_too_long_a_title_loses_its_weakest_selling_point_first() -> None:
    facts = Facts("智享X3 自动集尘 激光导航 避障 自清洁 热水洗拖布 扫拖一体 超薄 扫地机器人",
                  brands=["智享"], nouns=[VACUUM])
    advice = suggest(facts, [], limit=40, unit="bytes", segmenter=SEG,
                     scores={"自动集尘": 9, "激光导航": 8, "避障": 7, "自清洁": 1})
    assert advice.length == title_length(advice.title, "bytes") <= 40
    assert advice.title.startswith("智享 X3 自动集尘 激光导航") and advice.title.endswith(VACUUM)
    assert "超薄" in advice.dropped and "自动集尘" not in advice.dropped


# --- the property: over generated catalogues, nothing the product does not vouch for -------

GROUPS = {
    "清洁": (VACUUM, ["激光导航", "自动集尘", "热水洗拖布", "避障", "自清洁", "超薄", "大吸力"]),
    "空气": ("加湿器", ["无雾", "恒湿", "上加水", "纯净型", "除菌", "大容量"]),
    "安防": ("智能门锁", ["人脸识别", "可视猫眼", "指纹解锁", "防盗"]),
}
OTHER_BRANDS = ["追觅", "石头", "美的"]


@st.composite
def catalogue_product(draw: st.DrawFn) -> tuple[Facts, str, list[str], int, str]:
    group = draw(st.sampled_from(sorted(GROUPS)))
    noun, features = GROUPS[group]
    in_title = draw(st.lists(st.sampled_from(features), max_size=4, unique=True))
    attributes = draw(st.lists(st.sampled_from(features), max_size=3, unique=True))
    series = draw(st.sampled_from(["X", "t", "Pro", "S"]))
    model = f"{series}{draw(st.integers(1, 99))}" + draw(st.sampled_from(["", " Pro", " MAX",
                                                                           " plus"]))
    brand = draw(st.sampled_from(["智享", "ZhiXiang", ""]))
    title = f"{brand}{model} {' '.join(in_title)} {noun}"
    others = [n for g, (n, _f) in GROUPS.items() if g != group]
    facts = Facts(title, attributes, ["智享", "ZhiXiang"], [noun], others, OTHER_BRANDS)
    everything = [f for _n, fs in GROUPS.values() for f in fs] + others + OTHER_BRANDS
    everything += ["最好", "第一品牌", "100%", "5000pa", "家用", "卧室", f"静音 {noun}",
                   f"{features[0]} {noun}"]
    ranked = draw(st.lists(st.sampled_from(everything), max_size=25, unique=True))
    limit, unit = draw(st.sampled_from([(60, "bytes"), (30, "bytes"), (80, "chars"),
                                        (20, "chars")]))
    return facts, model, ranked, limit, unit


def _vouched_words(facts: Facts, segmenter: Segmenter) -> set[str]:
    """What the test itself accepts: the product's title and attribute words, its noun, the
    generic terms (computed here from the sources, not taken from the code under test)."""
    words = {compact(w) for text in [facts.title, *facts.attributes]
             for w in segmenter.segment(text)}
    words |= {compact(a) for a in facts.attributes} | {compact(facts.nouns[0])}
    words |= {compact(b) for b in facts.brands if compact(b) in compact(facts.title)}
    return words | {compact(g) for g in generic_terms()}


@settings(max_examples=300, deadline=None)
@given(catalogue_product())
def test_no_suggestion_says_what_the_product_does_not_vouch_for(
        case: tuple[Facts, str, list[str], int, str]) -> None:
    facts, model, ranked, limit, unit = case
    advice = suggest(facts, ranked, limit=limit, unit=unit, segmenter=SEG)
    vouched = _vouched_words(facts, SEG)
    assert advice.length == title_length(advice.title, unit) <= limit
    for piece in advice.title.split(" "):
        for word in SEG.segment(piece):
            assert compact(word) in vouched or any(
                compact(word) in compact(text) for text in [facts.title, *facts.attributes]
            ), (word, advice.title, facts)
    for noun in facts.other_nouns:
        assert noun not in advice.title
    for brand in OTHER_BRANDS:
        assert brand not in advice.title
    assert not any(w in advice.title for w in ("最好", "第一", "100%"))
    # brand and model keep their written case wherever they appear
    if compact(model) in compact(advice.title):
        assert model in advice.title
    for brand in facts.brands:
        if brand.lower() in advice.title.lower():
            assert brand in advice.title and brand in facts.title
    assert not set(advice.added) & set(advice.to_check)
