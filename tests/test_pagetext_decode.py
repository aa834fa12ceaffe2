"""crawlers.pagetext.decode: known text encoded and declared every way pages do it, the real
saved pages whose bytes and declarations disagree, and no crash on any bytes."""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawlers.pagetext.decode import decode, response_text

ZH_S = "商品价格：￥128.00 有货，立即购买。上海发货，支持七天无理由退换，全国包邮。"
ZH_T = "商品價格：NT$1,280 現貨供應，立即購買。台北出貨，享七天鑑賞期與免運費服務。"
JA = "楽天市場で人気の商品を探す。送料無料、ポイント十倍キャンペーン実施中です。"
KO = "상품 가격: 12,800원 재고 있음. 지금 구매하시면 무료 배송해 드립니다. 장바구니 담기"
RU = "Цена: 1 290 руб. В наличии. Добавить в корзину, доставка по Москве бесплатно."
FR = "Prix : 12,50 € — Crème brûlée, café façon «maison», très épicé. „Qualität“ garantie."
EMOJI = "Sale 🔥 50% off ✨ — 限时特价 😀 Ünïcödé"
ASCII = "Price: $12.99 - in stock - add to cart"
# Latin-1 whose accent pairs are valid GB2312 ("çõ", "öß"): must not read as Chinese.
PT_DE = ("Condições de Uso. Opção de entrega: Frete GRÁTIS. Displaygröße: 24 Zoll, "
         "Ähnliche Suchbegriffe. Não temos avaliações.")
DEEP = "<script>var pad = '" + "x" * 6000 + "';</script>"


@dataclass(frozen=True)
class Case:
    """A page body, its Content-Type (None: no header) and the exact text it must give."""

    name: str
    body: bytes
    content_type: str | None
    text: str


def html(text: str, head: str = "", before: str = "") -> str:
    return (f"{before}<!DOCTYPE html><html><head>{head}<title>t</title></head>"
            f"<body><p>{text}</p></body></html>")


def meta(charset: str) -> str:
    return f'<meta charset="{charset}">'


def http_equiv(charset: str) -> str:
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'


def case(name: str, page: str, encoding: str, content_type: str | None = None,
         bom: bytes = b"") -> Case:
    return Case(name, bom + page.encode(encoding), content_type, page)


def _cases() -> list[Case]:
    bad = html(JA).encode("utf-8").replace(b"<p>", b"<p>\xff")
    stray = html(ZH_S * 3).encode("utf-8").replace(b"<p>", b"<p>\xe9")
    cut = html(ZH_S).split("</p>")[0]
    truncated = (cut + "商").encode("utf-8")[:-1]
    euro = html("价格 @12", meta("GBK")).encode("gbk").replace(b"@", b"\x80")
    nec = html("① 送料無料 ㈱楽天 №1", http_equiv("EUC-JP"))
    return [
        case("utf-8, nothing declared", html(ZH_S), "utf-8"),
        case("utf-8, meta charset", html(EMOJI, meta("utf-8")), "utf-8"),
        case("utf-8, header quoted", html(RU), "utf-8", 'text/html; charset="utf-8"'),
        case("utf-8 BOM", html(JA), "utf-8", bom=codecs.BOM_UTF8),
        Case("utf-8 BOM + one bad byte", codecs.BOM_UTF8 + bad, None,
             html(JA).replace("<p>", "<p>\ufffd")),
        Case("utf-8 BOM + one bad byte, not gb18030 gibberish", codecs.BOM_UTF8
             + "Bonjour, nos cafés du jour: ".encode() + b"th\xe9s", None,
             "Bonjour, nos cafés du jour: th\ufffds"),
        Case("utf-8 + one stray byte, declared", stray, "text/html; charset=utf-8",
             html(ZH_S * 3).replace("<p>", "<p>\ufffd")),
        Case("utf-8 cut inside its last character", truncated, None, cut + "\ufffd"),
        case("utf-16le BOM", html(KO), "utf-16-le", bom=codecs.BOM_UTF16_LE),
        case("utf-16be BOM", html(ZH_T), "utf-16-be", bom=codecs.BOM_UTF16_BE),
        case("utf-16le, no BOM", html(ZH_S), "utf-16-le"),
        case("utf-16be, no BOM", html(EMOJI), "utf-16-be"),
        case("utf-16le, no BOM, header says utf-16", html(JA), "utf-16-le",
             "text/html; charset=utf-16"),
        case("utf-32le BOM", html(RU), "utf-32-le", bom=codecs.BOM_UTF32_LE),
        case("utf-32be, no BOM", html(JA), "utf-32-be"),
        case("utf-32le, no BOM", html(EMOJI), "utf-32-le"),
        case("gbk, meta http-equiv gbk", html(ZH_S, http_equiv("gbk")), "gbk"),
        case("gb18030 (emoji) declared gb2312", html(EMOJI, meta("gb2312")), "gb18030"),
        case("gbk declared utf-8 in the header", html(ZH_S), "gbk", "text/html; charset=utf-8"),
        case("gbk declared utf-8 in meta", html(ZH_S * 2, meta("utf-8")), "gbk"),
        case("gbk, nothing declared", html(ZH_S), "gbk"),
        case("gbk, meta deep in the document", html(ZH_S, before=DEEP + meta("gbk")), "gbk"),
        Case("gbk euro sign 0x80 (cp936), declared gbk", euro, None, html("价格 €12", meta("GBK"))),
        case("big5, header quoted", html(ZH_T), "big5", 'text/html; charset="big5"'),
        case("big5, nothing declared", html(ZH_T), "big5"),
        case("shift_jis, header quoted", html(JA), "shift_jis", 'text/html; charset="shift_jis"'),
        case("shift_jis, nothing declared", html(JA), "shift_jis"),
        case("shift_jis, XML declaration", '<?xml version="1.0" encoding="Shift_JIS"?>'
             + html(JA), "shift_jis"),
        case("euc-jp, meta http-equiv", html(JA, http_equiv("EUC-JP")), "euc_jp"),
        case("euc-jp, nothing declared", html(JA), "euc_jp"),
        case("euc-jp with NEC symbols (①, ㈱)", nec, "euc_jis_2004"),
        case("iso-2022-jp (7-bit), meta", html(JA, meta("iso-2022-jp")), "iso2022_jp"),
        case("koi8-r, meta http-equiv", html(RU, http_equiv("KOI8-R")), "koi8_r"),
        case("euc-kr, header uppercase", html(KO), "euc_kr", "TEXT/HTML; CHARSET=EUC-KR"),
        case("euc-kr, nothing declared", html(KO), "euc_kr"),
        case("cp1251, meta", html(RU, meta("windows-1251")), "cp1251"),
        case("cp1251, header with spaces", html(RU), "cp1251",
             "text/html ;   charset=windows-1251"),
        case("iso-8859-1 header read as windows-1252", html(FR), "cp1252",
             "text/html; charset=ISO-8859-1"),
        case("windows-1252, meta", html(FR, meta("windows-1252")), "cp1252"),
        case("latin-1, nothing declared", html(FR), "cp1252"),
        case("latin-1 with GB2312-like pairs, nothing declared", html(PT_DE), "cp1252"),
        case("cp1252 declared utf-8", html(FR, meta("utf-8")), "cp1252"),
        case("header shift_jis, meta utf-8: the header", html(JA, meta("utf-8")), "shift_jis",
             "text/html; charset=Shift_JIS"),
        case("header iso-8859-1 (server default), meta gbk", html(ZH_S, meta("gbk")), "gbk",
             "text/html; charset=iso-8859-1"),
        case("header utf-8, meta euc-kr, bytes euc-kr", html(KO, meta("euc-kr")), "euc_kr",
             "text/html; charset=UTF-8"),
        case("utf-8 under a stale gb2312 declaration", html(ZH_S, meta("gb2312")), "utf-8",
             "text/html; charset=gb2312"),
        case("ascii, nothing declared", html(ASCII), "ascii"),
    ]


CASES = _cases()


@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_decodes_exactly(item: Case) -> None:
    text, encoding = decode(item.body, item.content_type)
    assert text == item.text, encoding
    codecs.lookup(encoding)


def test_encoding_names() -> None:
    assert decode(html(ZH_S).encode("gbk"), "text/html; charset=gbk")[1] == "gb18030"
    assert decode(html(JA).encode("shift_jis"), 'text/html; charset="shift_jis"')[1] == "cp932"
    assert decode(codecs.BOM_UTF8 + b"<p>x</p>")[1] == "utf-8"
    assert decode(b"")[0] == ""


def test_escaping_charsets_are_refused() -> None:
    """UTF-7 and unicode_escape would turn inert text into markup; EBCDIC cannot be HTML."""
    for label in ("utf-7", "unicode_escape", "raw_unicode_escape", "idna", "rot13", "base64",
                  "cp037", "undefined"):
        text, encoding = decode(b"+ADw-script+AD4- \\u003cscript\\u003e",
                                f"text/html; charset={label}")
        assert "<script" not in text, label
        assert encoding in ("utf-8", "cp1252"), label


def test_response_text_reads_the_header() -> None:
    body = html(JA).encode("shift_jis")
    response = HtmlResponse("https://shop.example/item", body=body,
                            headers={"Content-Type": 'text/html; charset="shift_jis"'})
    assert response_text(response) == html(JA)
    gbk = HtmlResponse("https://shop.example/item", body=html(ZH_S).encode("gbk"),
                       headers={"Content-Type": "text/html; charset=utf-8"})
    assert response_text(gbk) == html(ZH_S)


def _realpages() -> Path:
    return Path(os.environ.get("SHOPWATCH_REALPAGES")
                or Path(__file__).resolve().parents[1].parent / "shared" / "realpages")


REAL = [
    ("product_pages_opengraph/tmall_gbk_bytes_meta_says_utf8.html", "text/html; charset=utf-8",
     "gb18030", "【官网价直降】Apple/苹果 iPhone 11 4G全网通智能手机正品苏宁易购官方旗舰店苹果11"),
    ("product_pages_opengraph/tmall_gbk_bytes_meta_says_utf8.html", None, "gb18030",
     "苏宁易购官方旗舰店"),
    ("product_pages_opengraph/tmall.html", None, "utf-8", "苏宁易购官方旗舰店"),
    ("product_pages_opengraph/rakuten.html", None, "euc_jp", "楽天市場"),
    ("jd_search_wayback/20130515024523_jd.html", None, "gb18030", "创新 - 商品搜索 - 京东"),
    ("jd_search_wayback/20131023133412_jd-ch.html", "text/html; charset=utf-8", "gb18030",
     "内裤 棉 - 商品搜索 - 京东"),
    ("taobao_search_shell_2026/taobao_search_utf16le_as_saved.html", None, "utf-16-le", "淘宝"),
]


@pytest.mark.parametrize(("name", "content_type", "encoding", "phrase"), REAL,
                         ids=[f"{r[0].split('/')[-1]}-{r[1]}" for r in REAL])
def test_real_saved_pages(name: str, content_type: str | None, encoding: str,
                          phrase: str) -> None:
    path = _realpages() / name
    if not path.exists():
        pytest.skip(f"{path} absent: set SHOPWATCH_REALPAGES to the realpages folder")
    text, used = decode(path.read_bytes(), content_type)
    assert (used, phrase in text) == (encoding, True)
    assert "\ufeff" not in text[:1] and text.count("\ufffd") == 0


LABELS = st.sampled_from(["utf-8", "gbk", "shift_jis", "euc-jp", "euc-kr", "big5", "utf-16",
                          "utf-32", "utf-7", "rot13", "base64", "idna", "cp037", "undefined",
                          "unicode_escape", "iso-2022-jp", "x-user-defined", "", '"', "é"])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000), st.none() | st.text(max_size=80)
       | LABELS.map(lambda label: f"text/html; charset={label}"))
def test_never_raises(body: bytes, content_type: str | None) -> None:
    text, encoding = decode(body, content_type)
    assert isinstance(text, str)
    codecs.lookup(encoding)


@settings(max_examples=300, deadline=None)
@given(LABELS, st.binary(max_size=2000), st.sampled_from([b"", codecs.BOM_UTF8,
                                                          codecs.BOM_UTF16_LE]))
def test_never_raises_on_declared_pages(label: str, tail: bytes, bom: bytes) -> None:
    body = bom + f'<html><head><meta charset="{label}">'.encode() + tail
    text, _ = decode(body, f"text/html; charset={label}")
    assert isinstance(text, str)
