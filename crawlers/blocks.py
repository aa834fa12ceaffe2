"""Recognise pages that refuse a crawler: captchas, sliders, robot checks, login walls.

Generic markers plus per-site ones from the config (``sites[].block_markers``). A marker on a
page that also carries the expected results is not a block (a footer that mentions 验证码, a
script variable named captcha, a keyword that happens to be 滑块). So the evidence counts:

* always: a captcha or login address (the site redirected us there);
* on a thin page (little text, few links, images and list rows): a marker in the title, a
  heading or the visible text, a challenge widget, a login prompt beside a password field;
* on any page whose parser found no results (``explain_no_results``): a marker in the title,
  a heading or the visible text; a login prompt in the title or a heading beside a password
  field.

Names of a challenge ("captcha", 验证) count in the title and headings only; the visible text
needs a sentence that asks the visitor to prove something ("complete the captcha", 滑块验证),
or one of the site's own markers.
"""

from __future__ import annotations

from collections.abc import Iterable

from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from crawlers.errors import PageBlocked
from crawlers.pagetext.decode import response_text
from crawlers.pagetext.text import headings_text, title_text, visible_text

# Names of a challenge: they count in the title and in headings.
CHALLENGE_WORDS = ("captcha", "验证", "robot check", "security check", "access denied",
                   "attention required", "just a moment")
# Requests to prove something: they count in the visible text as well.
CHALLENGE_PHRASES = (
    "complete the captcha", "enter the captcha", "solve the captcha", "solve this captcha",
    "type the characters you see", "enter the characters you see", "unusual traffic",
    "are you a robot", "not a robot", "verify you are human", "verify you are a human",
    "verify that you are human", "verify that you are not a robot", "confirm you are human",
    "press and hold", "access to this page has been denied",
    "安全验证", "访问验证", "滑块验证", "滑动验证", "人机验证", "身份验证", "请完成验证",
    "完成下方验证", "请按住滑块", "拖动滑块", "拖动下方滑块", "访问过于频繁", "访问异常")
LOGIN = ("请登录", "登录后", "login required", "please log in", "please sign in",
         "sign in to continue", "log in to continue")
LOGIN_URL_PARTS = ("passport.", "login.", "/login", "/signin", "/ap/signin")
CAPTCHA_URL_PARTS = ("captcha", "/punish", "validatecaptcha")
CHALLENGE_NODES = ("//*[contains(@id, 'captcha') or contains(@class, 'captcha') or "
                   "contains(@id, 'nc_1') or contains(@class, 'nc-container') or "
                   "contains(@class, 'geetest') or contains(@id, 'challenge') or "
                   "contains(@class, 'cf-challenge') or contains(@class, 'slider-verify')]")
CONTENT_NODES = "//body//a[@href] | //body//img | //body//li | //body//tr"
# A thin page: the 4 real robot-check pages have ~320 characters and 4 such nodes; the
# thinnest real search page with results has 790 characters and 114 nodes.
SHORT_PAGE_CHARS = 4000
THIN_PAGE_NODES = 30
SNIPPET = 24


def _snippet(text: str, marker: str) -> str:
    """The marker with a little of its context: “访问验证：请完成下方滑块验证”."""
    start = text.lower().index(marker)
    left, right = max(0, start - SNIPPET // 2), start + len(marker) + SNIPPET
    return (("…" if left else "") + text[left:right].strip()
            + ("…" if right < len(text) else ""))


def _document(response: HtmlResponse) -> Selector:
    return Selector(text=response_text(response), type="html")


def _is_thin(doc: Selector, text: str) -> bool:
    return len(text) <= SHORT_PAGE_CHARS and len(doc.xpath(CONTENT_NODES)) <= THIN_PAGE_NODES


def _blocked_url(response: TextResponse) -> PageBlocked | None:
    url = response.url.lower()
    if any(part in url for part in CAPTCHA_URL_PARTS):
        return PageBlocked("captcha page (a captcha address)", response.url)
    if any(part in url for part in LOGIN_URL_PARTS):
        return PageBlocked("login required (a login address)", response.url)
    return None


def _evidence(response: HtmlResponse, doc: Selector, text: str, extra_markers: Iterable[str],
              thin: bool) -> PageBlocked | None:
    """A block the page shows: a marker in the title, a heading or the text; a widget; a login.

    A rich page's challenge widget (a hidden reCAPTCHA of a sign-in dialog) and login prompt
    in running text ("Please log in to subscribe") are everyday furniture, not evidence; there
    the login prompt must be the title or a heading.
    """
    extra = tuple(m.lower() for m in extra_markers if m.strip())
    title, headings = title_text(doc), headings_text(doc)
    # The most telling first: a request in the page ("请完成下方滑块验证"), then a name.
    for source, markers in ((title, (*extra, *CHALLENGE_PHRASES)),
                            (headings, (*extra, *CHALLENGE_PHRASES)),
                            (text, (*extra, *CHALLENGE_PHRASES)),
                            (title, CHALLENGE_WORDS), (headings, CHALLENGE_WORDS)):
        marker = next((m for m in markers if m in source.lower()), None)
        if marker is not None:
            return PageBlocked(f"captcha page (“{_snippet(source, marker)}”)", response.url)
    if thin and doc.xpath(CHALLENGE_NODES):
        return PageBlocked("captcha page (a challenge widget)", response.url)
    prompt = text if thin else f"{title} {headings}"
    login = next((m for m in LOGIN if m in prompt.lower()), None)
    if login is not None and doc.css("input[type=password]"):
        return PageBlocked(f"login required (“{_snippet(prompt, login)}”)", response.url)
    return None


def check_blocked(response: TextResponse, extra_markers: Iterable[str] = ()) -> None:
    """Raise PageBlocked if the page is a captcha, a robot check or a login wall.

    Called before parsing: only an address or a thin page is judged here, so that a page with
    results that mentions a marker somewhere is parsed as usual.
    """
    blocked = _blocked_url(response)
    if blocked is not None:
        raise blocked
    if not isinstance(response, HtmlResponse):
        return
    doc = _document(response)
    text = visible_text(doc)
    if _is_thin(doc, text):
        blocked = _evidence(response, doc, text, extra_markers, thin=True)
        if blocked is not None:
            raise blocked


def explain_no_results(response: TextResponse,
                       extra_markers: Iterable[str] = ()) -> PageBlocked | None:
    """The block behind a page whose parser found no results (it raised LayoutChanged), if the
    page shows one; None for a real layout change."""
    blocked = _blocked_url(response)
    if blocked is not None or not isinstance(response, HtmlResponse):
        return blocked
    doc = _document(response)
    text = visible_text(doc)
    return _evidence(response, doc, text, extra_markers, _is_thin(doc, text))
