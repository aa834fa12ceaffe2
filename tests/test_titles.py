"""Honest title suggestions: only words the product vouches for, within the site's limit."""

from __future__ import annotations

from pathlib import Path

import pytest
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
    # the attribute as written, which says more than its word (and only what the product has)
    assert advice.added == ["激光导航", "5000Pa大吸力"]
    assert "5000Pa大吸力" in advice.title and advice.to_check == ["热水洗拖布"]


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


def test_a_selling_point_gives_way_to_a_synonym_people_search_for_more() -> None:
    facts = Facts("智享X3 低噪 自动集尘 扫地机器人", brands=["智享"], nouns=[VACUUM],
                  synonyms=[["静音", "低噪", "低噪音"], ["避障", "智能避障"]])
    advice = suggest(facts, ["静音", "低噪音", "避障"], limit=60, unit="bytes", segmenter=SEG,
                     scores={"静音": 9, "低噪": 2, "低噪音": 5, "避障": 8})
    assert advice.title == "智享 X3 静音 自动集尘 扫地机器人"  # in the old one's place
    assert advice.added == ["静音"] and advice.dropped == ["低噪"]
    assert "低噪音" not in advice.title  # a synonym of a word the title has is not added too
    assert advice.to_check == ["避障"]  # a synonym of nothing the product says: to check


def test_a_selling_point_stays_when_its_synonyms_have_less_demand() -> None:
    facts = Facts("智享X3 静音 扫地机器人", brands=["智享"], nouns=[VACUUM],
                  synonyms=[["静音", "低噪"]])
    advice = suggest(facts, ["低噪"], limit=60, unit="bytes", segmenter=SEG,
                     scores={"静音": 9, "低噪": 2})
    assert advice.title == "智享 X3 静音 扫地机器人" and advice.added == []


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


# --- what the product vouches for beyond its title: spec tables and the confirmed list -----

SPEC_HTML = """<html><body><h1>智享X3 扫地机器人</h1>
<div class="product-params"><table>
<tr><th>品牌</th><td>智享</td></tr><tr><th>型号</th><td>X3 Max</td></tr>
<tr><td>功能</td><td>自动集尘、避障，激光导航</td></tr><tr><td colspan="2">说明</td></tr>
</table></div>
<dl class="Ptable-item"><dt>容量</dt><dd>5L</dd><dt>电池</dt><dd>5200mAh</dd></dl>
<ul class="attributes-list"><li title="x">颜色分类：白色</li><li>适用面积: 100-150㎡</li>
<li>not a pair</li></ul>
<div class="review">功能：好用</div></body></html>"""


def test_spec_rows_from_tables_lists_and_name_value_items() -> None:
    from parsel import Selector

    from crawlers.extract.spec import spec_rows

    rows = spec_rows(Selector(text=SPEC_HTML), {"brand": {"name": "智享"}, "model": "X3 Max"})
    assert rows == [("brand", "智享"), ("model", "X3 Max"), ("品牌", "智享"), ("型号", "X3 Max"),
                    ("功能", "自动集尘"), ("功能", "避障"), ("功能", "激光导航"), ("容量", "5L"),
                    ("电池", "5200mAh"), ("颜色分类", "白色"), ("适用面积", "100-150㎡")]


def test_spec_rows_of_saved_real_product_pages() -> None:
    from parsel import Selector
    from scrapy.http import HtmlResponse

    from crawlers.extract import schema
    from crawlers.extract.spec import spec_rows
    from tests.support import realpages

    folder = realpages("product_pages_opengraph")

    def rows(name: str) -> list[tuple[str, str]]:
        page = HtmlResponse("https://x/", body=(folder / name).read_bytes())
        found = schema.products(page.text, page.url)
        return spec_rows(Selector(text=page.text), found[0][1] if found else None)

    taobao = rows("taobao.html")
    assert ("品牌", "KBDfans") in taobao and ("连接方式", "无线") in taobao
    tmall = rows("tmall.html")
    assert ("Apple型号", "iPhone 11") in tmall and not any(n == "价格" for n, _v in tmall)
    newegg = dict(rows("newegg.html"))
    assert newegg["Brand"] == "XYZprinting" and newegg["Model"] == "da Vinci 2.0 Duo"
    assert dict(rows("bestbuy.html"))["model"] == "MKRY2LL/A"  # a slash is no list


def test_the_demo_shop_product_page_has_a_spec_table(shop: object) -> None:
    import urllib.request

    from scrapy.http import HtmlResponse

    from config.schema import SiteConfig
    from crawlers.sites import demoshop
    from demoshop.catalog import by_id

    url = shop.url + "/item/100002.html"  # type: ignore[attr-defined]
    with urllib.request.urlopen(url) as answer:
        page = HtmlResponse(url, body=answer.read(), encoding="utf-8")
    item = demoshop.parse_product(page, SiteConfig(name="demo", base_url=shop.url))  # type: ignore[attr-defined]
    truth = by_id(1)["100002"]
    assert ("品牌", "智享") in item.attributes and ("型号", truth.model) in item.attributes
    assert [v for n, v in item.attributes if n == "功能"] == list(truth.features)
    assert len(truth.features) == 3 and truth.features[2] not in truth.title


def test_crawled_spec_tables_and_the_confirmed_list_reach_the_suggestions(
        shop: object, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """End to end: a crawl stores the product pages' spec tables; the operator confirms one
    more attribute; ``keywords titles --json`` adds only what these vouch for."""
    import datetime as dt
    import json

    from sqlalchemy import select

    from config import load_config
    from crawlers.runner import crawl_in_child
    from db.models import ProductAttribute
    from db.session import session_scope, upgrade
    from demoshop.catalog import by_id
    from keywords.library import build_library
    from monitor.cli import main
    from tests.support import demo_config, keyword, write_config

    day = dt.date(2026, 11, 24)
    path = write_config(tmp_path / "c.toml", demo_config(
        shop.url, db_url, listing_paths=("/shop/zhixiang",),  # type: ignore[attr-defined]
        keywords=[keyword("扫地机器人", "清洁", ["demo"])]))
    upgrade(db_url)
    assert crawl_in_child(str(path), day, ["listings", "ranks"], timeout_s=180).returncode == 0
    config = load_config(path)
    truth = by_id(1)
    with session_scope(config.database_url) as session:
        rows = session.execute(select(ProductAttribute.product_id, ProductAttribute.name,
                                      ProductAttribute.value)
                               .where(ProductAttribute.source == "page")).all()
        build_library(session, config, day)
    features = {(pid, value) for pid, name, value in rows if name == "功能"}
    assert ("100001", truth["100001"].features[2]) in features  # not in its title
    sheet = tmp_path / "confirmed.csv"
    sheet.write_text("站点,商品ID,属性\ndemo,100002,激光导航、静音\n", "utf-8")
    monkeypatch.setenv("SHOPWATCH_CONFIG", str(path))
    assert main(["keywords", "attributes", str(sheet)]) == 0
    capsys.readouterr()
    assert main(["keywords", "titles", "--json"]) == 0
    advice = {p["product_id"]: p for p in json.loads(capsys.readouterr().out)["products"]}
    for item in advice.values():
        vouched = " ".join([item["current_title"], *item["attributes"]])
        for term in item["added"]:
            assert term in vouched or term in ("家用", "卧室", "客厅", "办公室", "新款")
        for term in item["to_check"]:
            assert term not in item["suggested_title"]
    assert "激光导航" in advice["100002"]["attributes"]
    assert "激光导航" not in advice["100002"]["to_check"]  # confirmed: no longer to check
    assert "激光导航" in advice["100003"]["to_check"] or \
        "激光导航" in advice["100003"]["attributes"]
