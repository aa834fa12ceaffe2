"""Blocked means blocked: captcha, slider and login-wall pages, and pages that only mention them."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, TextResponse

from config import KeywordConfig, SiteConfig
from crawlers.blocks import check_blocked, explain_no_results
from crawlers.errors import LayoutChanged, PageBlocked
from crawlers.health import MAX_REASONS, SiteHealth
from crawlers.sites import demoshop, generic
from crawlers.spiders.ranks import RanksSpider

DEMO = SiteConfig(name="demo", base_url="http://shop.test")
GENERIC = SiteConfig(name="gen", adapter="generic", base_url="http://shop.test",
                     search_path="/s?q={keyword}", search={"item": ".product"})
MARKED = SiteConfig(name="demo", base_url="http://shop.test",
                    block_markers=["Our systems are busy checking you"])


def _page(body: str, url: str = "http://shop.test/s?q=x") -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8")


SLIDER = ("<html><head><title>京东验证</title></head><body><div class='verify-wrap'>"
          "<p>访问验证：请完成下方滑块验证</p><div class='slider'><span></span></div>"
          "</div></body></html>")
ENGLISH_CAPTCHA = ("<html><head><title>Shop</title></head><body><div class='box'>"
                   "<p>Please complete the captcha to continue.</p><img src='/c.png'>"
                   "<input name='answer'></div></body></html>")
UNUSUAL_TRAFFIC = ("<html><head><title>Sorry...</title></head><body><p>Our systems have "
                   "detected unusual traffic from your computer network.</p></body></html>")
HUMAN = ("<html><head><title>One more step</title></head><body><p>Please verify you are a "
         "human to continue shopping.</p></body></html>")
LOGIN_WALL = ("<html><head><title>商城</title></head><body><p>请登录后继续访问</p><form>"
              "<input name='user'><input type='password' name='pw'></form></body></html>")
SITE_MARKER = ("<html><head><title>Shop</title></head><body><p>Our systems are busy checking "
               "you. This takes a few seconds.</p></body></html>")


def _results(footer: str, items: int = 30) -> str:
    """A normal result page with many entries; ``footer`` mentions a marker somewhere."""
    entries = "".join(f"<li class='item product' data-id='{i}'><a class='title' "
                      f"href='/item/{i}.html'>扫地机器人 {i}</a>"
                      f"<img src='/{i}.jpg'><span class='price'>¥{i}99</span></li>"
                      for i in range(items))
    return (f"<html><head><title>扫地机器人 - 搜索</title><script>var captcha = "
            f"'滑块验证';</script></head><body><ul class='result-list'>{entries}</ul>"
            f"<footer>{footer}</footer></body></html>")


@pytest.mark.parametrize(("body", "site", "reason"), [
    (SLIDER, DEMO, "访问验证"),
    (ENGLISH_CAPTCHA, DEMO, "complete the captcha"),
    (UNUSUAL_TRAFFIC, DEMO, "unusual traffic"),
    (HUMAN, DEMO, "verify you are a human"),
    (LOGIN_WALL, DEMO, "login required"),
    (SITE_MARKER, MARKED, "busy checking you"),
], ids=["slider", "captcha", "unusual-traffic", "human", "login-wall", "site-marker"])
def test_block_pages_are_blocked(body: str, site: SiteConfig, reason: str) -> None:
    with pytest.raises(PageBlocked, match=reason):
        check_blocked(_page(body), site.block_markers)


@pytest.mark.parametrize("footer", [
    "安全提示：请勿向他人提供短信验证码", "This site is protected by reCAPTCHA. 请登录",
    "Please complete the captcha if asked", "访问验证 · 滑块验证 · 安全验证"])
def test_a_results_page_that_mentions_a_marker_is_not_blocked(footer: str) -> None:
    page = _page(_results(footer))
    check_blocked(page, ["Our systems are busy"])
    assert len(demoshop.parse_search(page, DEMO).products) == 30
    assert len(generic.parse_search(page, GENERIC).products) == 30


def test_a_long_article_that_mentions_captchas_is_not_blocked() -> None:
    body = ("<html><head><title>How captchas work</title></head><body><h1>Captcha</h1>"
            + "<p>A captcha asks: are you a robot? Sites see unusual traffic and ask you to "
              "complete the captcha. 滑块验证 is one kind.</p>" * 60
            + "".join(f"<a href='/a/{i}'>more {i}</a>" for i in range(40)) + "</body></html>")
    check_blocked(_page(body))


def test_an_unknown_layout_stays_a_layout_change() -> None:
    body = ("<html><head><title>扫地机器人 - 新版搜索</title></head><body><div class='grid'>"
            + "".join(f"<div class='card'><a href='/p/{i}'>扫地机器人 {i}</a><img src='/{i}.jpg'>"
                      f"<b>¥{i}99</b></div>" for i in range(40))
            + "<footer>手机验证码登录 · 请登录 · Please log in to subscribe</footer>"
            "<div class='g-recaptcha'></div><form><input type='password'></form>"
            "</div></body></html>")
    page = _page(body)
    check_blocked(page)
    assert explain_no_results(page) is None
    with pytest.raises(LayoutChanged):
        demoshop.parse_search(page, DEMO)


def test_a_rich_block_page_without_results_is_blocked_not_a_layout_change() -> None:
    """A captcha page with a big footer is not thin; its parser finds no results, so the
    marker in its text explains why."""
    body = ("<html><head><title>商城</title></head><body><p>访问验证：请完成下方滑块验证</p>"
            + "".join(f"<a href='/help/{i}'>帮助中心 {i}</a>" for i in range(60))
            + "</body></html>")
    page = _page(body)
    check_blocked(page)  # not thin: judged after parsing
    blocked = explain_no_results(page)
    assert blocked is not None and "访问验证" in blocked.reason


def test_a_marker_in_a_json_answer_is_not_read_as_html() -> None:
    answer = TextResponse("http://shop.test/suggest?q=x", body=b'["captcha", "slider"]',
                          encoding="utf-8")
    check_blocked(answer)
    assert explain_no_results(answer) is None


@pytest.mark.parametrize("body", [SLIDER, ENGLISH_CAPTCHA, LOGIN_WALL])
@pytest.mark.parametrize("adapter, site", [(demoshop, DEMO), (generic, GENERIC)],
                         ids=["demoshop", "generic"])
def test_adapters_raise_page_blocked(adapter: object, site: SiteConfig, body: str) -> None:
    with pytest.raises(PageBlocked):
        adapter.parse_search(_page(body), site)  # type: ignore[attr-defined]


def _ranks_reasons(site: SiteConfig, body: str) -> SiteHealth:
    spider = RanksSpider()
    keyword = KeywordConfig(term="扫地机器人")
    assert list(spider.parse_results(_page(body), site, keyword, 1, 0, 0)) == []
    return spider.site_health(site.name)


def test_a_blocked_search_page_names_the_keyword_page_and_address() -> None:
    health = _ranks_reasons(DEMO, SLIDER)
    assert health.status == "blocked"
    assert health.reasons == ["blocked: captcha page (“访问验证：请完成下方滑块验证”) for keyword "
                              "“扫地机器人” page 1 (http://shop.test/s?q=x)"]


def test_a_rich_block_page_is_counted_as_blocked_by_the_spider() -> None:
    body = ("<html><head><title>Shop</title></head><body><p>Please verify you are a human.</p>"
            + "".join(f"<a href='/help/{i}'>help {i}</a>" for i in range(60)) + "</body></html>")
    health = _ranks_reasons(GENERIC, body)
    assert (health.status, health.blocked, health.errors) == ("blocked", 1, 0)
    assert "verify you are a human" in health.reasons[0].lower()
    assert "keyword “扫地机器人” page 1" in health.reasons[0]


def test_a_layout_change_stays_an_error_in_the_spider() -> None:
    body = ("<html><head><title>Shop</title></head><body>"
            + "".join(f"<div><a href='/p/{i}'>thing {i}</a></div>" for i in range(60))
            + "</body></html>")
    health = _ranks_reasons(GENERIC, body)
    assert (health.status, health.blocked, health.errors) == ("failed", 0, 1)
    assert health.reasons[0].startswith("layout changed: ")


def test_blocked_reasons_are_kept_ahead_of_errors() -> None:
    health = SiteHealth()
    for i in range(MAX_REASONS + 2):
        health.error(f"HTTP 404 on /p/{i}")
    health.block("captcha page for keyword “a” page 1")
    health.block("captcha page for keyword “b” page 1")
    assert len(health.reasons) == MAX_REASONS
    assert health.reasons[:2] == ["blocked: captcha page for keyword “a” page 1",
                                  "blocked: captcha page for keyword “b” page 1"]
    assert health.reasons[2:] == [f"HTTP 404 on /p/{i}" for i in range(MAX_REASONS - 2)]
    assert health.summary is not None and health.summary.endswith("(and 4 more)")
