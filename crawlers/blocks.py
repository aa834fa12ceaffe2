"""Recognise pages that refuse a crawler: captchas, sliders, robot checks, login walls.

Generic markers plus per-site ones from the config. Only the title, the final URL and the
text of short pages are read, so that a normal page mentioning "captcha" in a script is not
taken for a block.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.http import HtmlResponse, TextResponse

from crawlers.errors import PageBlocked

CAPTCHA = ("captcha", "robot check", "are you a robot", "not a robot", "unusual traffic",
           "verify you are human", "security check", "验证码", "安全验证", "访问验证", "滑块",
           "请按住滑块", "人机验证", "拖动滑块", "access denied",
           "access to this page has been denied")
LOGIN = ("请登录", "登录页", "login required", "please log in", "sign in to continue")
LOGIN_URL_PARTS = ("passport.", "login.", "/login", "/signin", "/ap/signin")
CAPTCHA_URL_PARTS = ("captcha", "/punish", "validatecaptcha")
SHORT_PAGE_CHARS = 4000


def _visible_text(response: HtmlResponse) -> str:
    parts = response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
    return " ".join(" ".join(parts.getall()).split())


CHALLENGE_NODES = ("//*[contains(@id, 'captcha') or contains(@class, 'captcha') or "
                   "contains(@id, 'nc_1') or contains(@class, 'nc-container') or "
                   "contains(@class, 'geetest') or contains(@id, 'challenge') or "
                   "contains(@class, 'cf-challenge') or contains(@class, 'slider-verify')]")


def check_blocked(response: TextResponse, extra_markers: Iterable[str] = ()) -> None:
    """Raise PageBlocked if the page is a captcha, a robot check or a login wall.

    Evidence, strongest first: the final URL, the title, a challenge widget or a heading with a
    marker on a short page, a password form with a login marker on a short page. A marker in
    running text alone (a safety notice that mentions 验证码) is not a block.
    """
    url = response.url.lower()
    if any(part in url for part in CAPTCHA_URL_PARTS):
        raise PageBlocked(f"captcha page ({response.url})", response.url)
    if any(part in url for part in LOGIN_URL_PARTS):
        raise PageBlocked("login required", response.url)
    if not isinstance(response, HtmlResponse):
        return
    markers = (*CAPTCHA, *(marker.lower() for marker in extra_markers))
    title = " ".join(response.xpath("//title//text()").getall()).lower()
    for marker in markers:
        if marker in title:
            raise PageBlocked(f"captcha page: {title.strip()[:80]}", response.url)
    text = _visible_text(response)
    if len(text) > SHORT_PAGE_CHARS:
        return
    lowered = text.lower()
    prominent = " ".join(response.xpath("//h1//text() | //h2//text() | //h3//text()").getall())
    if response.xpath(CHALLENGE_NODES) or any(m in prominent.lower() for m in markers):
        marker = next((m for m in markers if m in lowered), "challenge")
        raise PageBlocked(f"captcha page: “{marker}” on a short page", response.url)
    if any(marker in lowered for marker in LOGIN) and response.css("input[type=password]"):
        raise PageBlocked("login required", response.url)
