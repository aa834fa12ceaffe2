"""The board in a real browser (issue 18): Playwright's sync API on Debian's chromium drives
``shopwatch serve`` over the demo's two days, as an operator would.

One demo build, one board process and one browser serve the whole module; each test opens its
own browser context (its own cookies) and fails if, at any moment, a dialog opened, a script
raised, the Content-Security-Policy refused something or a request failed unexpectedly.

``SHOPWATCH_SCREENSHOTS=1`` also saves the README's screenshots (docs/img/board-*.png,
1280x800): the overview, a rank drop's chart and a product page, in Chinese and English.

Longer than 300 lines because the module-scoped set-up (demo, server, browser, the watch on
every page) serves only these tests and a module is the unit pytest shares it by.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select

from board.auth import hash_password
from config import Config, load_config
from config.i18n import LANGUAGES, format_date, gettext
from crawlers.settings import CHROMIUM, CHROMIUM_ARGS
from db import repo
from db.models import Alert, AlertAck, CrawlRun, Mute, Site
from db.session import get_engine, session_scope
from keywords.export import TERM_HEADER
from tests.support.demo import copy_demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                       reason=f"Debian's chromium is not installed at {CHROMIUM} (`make "
                              "chromium` installs it; `playwright install` is not used)"),
]

EVIL = "<img src=x onerror=alert(1)>"  # a scraped title that would run if shown as HTML
EVIL_SHOP = "<script>alert('shop')</script>"
EVIL_ID = "evil-1"
KEPT = ("<html><body><h1>访问验证</h1><script>alert('kept')</script>"
        "<img src=x onerror=alert(2)></body></html>")  # what a platform showed a crawler
EDITOR = ("li", "editor password")
VIEWER = ("zhao", "viewer password")
SCREENSHOTS = os.environ.get("SHOPWATCH_SCREENSHOTS") == "1"
IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# Chromium asks every site for /favicon.ico; the board has none (a 404, harmless).
EXPECTED_404 = frozenset({"/favicon.ico"})
Form = dict[str, str | float | bool]  # a form posted by Playwright's request API


@dataclass
class Demo:
    out: Path
    config: Config
    day: dt.date  # the demo's day 2
    summary: dict[str, Any]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SHOPWATCH_DATABASE_URL", None)  # the demo's own SQLite file, always
    return env


def _add_evil_product(config: Config, day: dt.date) -> None:
    """A competitor whose scraped title and shop are markup, seen by the demo's day-2
    listing crawl (as a parser would have stored it), and a page with a script kept by that
    crawl as unreadable."""
    with session_scope(config.database_url) as session:
        site_id = session.scalars(select(Site.id).where(Site.name == "demo")).one()
        run = session.scalars(select(CrawlRun).where(
            CrawlRun.site_id == site_id, CrawlRun.spider == "listings",
            CrawlRun.day == day)).one()
        ids = repo.upsert_products(session, site_id, [{
            "external_id": EVIL_ID, "title": EVIL, "shop": EVIL_SHOP, "is_own": False,
            "role": "competitor", "group": None, "url": "http://127.0.0.1:9/item/evil"}])
        repo.upsert_snapshots(session, [{
            "crawl_run_id": run.id, "product_id": ids[EVIL_ID], "attempt": run.attempt,
            "price": Decimal("99.00"), "list_price": Decimal("129.00"), "currency": "CNY",
            "price_raw": "99.00", "in_stock": True, "stock_state": "in_stock",
            "sales_count": 5, "title": EVIL, "from_page": True, "price_high": None,
            "list_price_high": None, "stock_count": None, "rating": None,
            "review_count": None}])
        repo.save_blocked_page(session, run.id, "http://127.0.0.1:9/shop/evil",
                               "unreadable: no product list", KEPT, status=200,
                               content_type="text/html")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_out: Path) -> Iterator[Demo]:
    """A copy of the run's one ``shopwatch demo`` (tests/conftest.py ``demo_out``), then an
    editor and a viewer of the board and a product with a hostile title. The module owns
    this copy: its tests change it."""
    out = tmp_path_factory.mktemp("browser-demo")
    copy_demo(demo_out, out)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    config = load_config(out / "shopwatch.toml")
    with session_scope(config.database_url) as session:  # as `shopwatch users add` does
        for (name, password), role in ((EDITOR, "editor"), (VIEWER, "viewer")):
            repo.set_board_user(session, name, hash_password(password), role)
    day = dt.date.fromisoformat(summary["days"][-1])
    _add_evil_product(config, day)
    yield Demo(out, config, day, summary)
    get_engine(config.database_url).dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(process: subprocess.Popen[bytes], url: str, deadline: float) -> bool:
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url + "login", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    return False


@dataclass
class Server:
    url: str
    log: Path  # what ``shopwatch serve`` wrote (tracebacks of 500s)

    def said(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:]


@pytest.fixture(scope="module")
def board(demo: Demo) -> Iterator[Server]:
    """``shopwatch serve`` on a free local port (another one if that port was taken in the
    meantime)."""
    log = demo.out / "serve.log"
    for _attempt in range(3):
        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "monitor.cli", "serve", "--config",
                 str(demo.out / "shopwatch.toml"), "--port", str(port)],
                stdout=handle, stderr=subprocess.STDOUT, env=_env())
        if _serving(process, url, time.monotonic() + 60):
            break
        process.kill()
        process.wait(10)
    else:
        pytest.fail("shopwatch serve did not start: " + log.read_text("utf-8")[-2000:])
    try:
        yield Server(url, log)
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """A browser context and its page, with everything that went wrong in them."""

    context: BrowserContext
    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions
    failed: list[str] = field(default_factory=list)  # responses >= 400 not expected
    expected: set[str] = field(default_factory=set)  # paths allowed to fail

    def attach(self, page: Page) -> None:
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("response", self._response)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        failed_load = message.text.startswith("Failed to load resource")
        if message.type == "error" and not (failed_load and self._allowed(
                message.location.get("url", ""))):
            self.errors.append(message.text)

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not self._allowed(response.url):
            self.failed.append(f"{response.status} {response.url}")

    def _allowed(self, url: str) -> bool:
        return urlsplit(url).path in EXPECTED_404 | self.expected

    def csp(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e or "Refused to" in e]

    def problems(self) -> dict[str, list[str]]:
        return {name: found for name, found in (("dialogs", self.dialogs),
                                                ("console errors", self.errors),
                                                ("failed requests", self.failed)) if found}


@pytest.fixture
def watched(board: Server, browser: Browser) -> Iterator[Callable[[], Watch]]:
    """Opens watched browser contexts on the board; at the end, none may have seen a dialog,
    a console error (CSP refusals included), an uncaught exception or a failed request."""
    opened: list[Watch] = []

    def open_one() -> Watch:
        context = browser.new_context(base_url=board.url, viewport=VIEWPORT,
                                      accept_downloads=True)
        context.set_default_timeout(30_000)  # a busy 2-core machine is slow, not broken
        watch = Watch(context, context.new_page())
        watch.attach(watch.page)
        opened.append(watch)
        return watch

    yield open_one
    problems = [watch.problems() for watch in opened]
    for watch in opened:
        watch.context.close()
    assert not any(problems), (problems, board.said())


@pytest.fixture
def watch(watched: Callable[[], Watch]) -> Watch:
    return watched()


def log_in(page: Page, user: tuple[str, str], target: str = "/") -> None:
    """Log in through the form (from ``target``, which sends us to it), and land on
    ``target``."""
    page.goto(target)
    assert urlsplit(page.url).path == "/login", page.url
    page.fill("#login-name", user[0])
    page.fill("#login-password", user[1])
    page.click("#login-submit")
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(target).path)
    expect(page.locator("#user-name")).to_contain_text(user[0])


# How much of a chart ECharts drew: per series, the points that have a value; and the opaque
# pixels of its canvas (0 when nothing was painted).
DRAWN = """id => {
  const element = document.getElementById(id);
  const chart = element && window.echarts && echarts.getInstanceByDom(element);
  const canvas = element && element.querySelector("canvas");
  if (!chart || !canvas || !canvas.width || !canvas.height) { return null; }
  const known = v => v !== null && v !== undefined && v !== "-" &&
    !(Array.isArray(v) && (v[v.length - 1] === null || v[v.length - 1] === undefined)) &&
    !(typeof v === "object" && !Array.isArray(v) && (v.value === null || v.value === undefined));
  const series = (chart.getOption().series || []).map(s => (s.data || []).filter(known).length);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i]) { painted += 1; } }
  return {series: series, painted: painted};
}"""


def drawn(page: Page, chart_id: str) -> dict[str, Any]:
    """Wait until ``chart_id`` is an ECharts chart on a canvas, painted if it has points;
    returns its counts."""
    ready = f"id => {{ const d = ({DRAWN})(id); return d && (d.painted > 0 || " \
            "d.series.every(n => n === 0)); }"
    try:
        page.wait_for_function(ready, arg=chart_id)
    except PlaywrightTimeout:
        pytest.fail(f"{chart_id} on {page.url} not drawn: {page.evaluate(DRAWN, chart_id)}")
    result: dict[str, Any] = page.evaluate(DRAWN, chart_id)
    return result


def charts_drawn(page: Page) -> dict[str, int]:
    """Every chart of the page drawn (each with the points its data has); chart id -> its
    points."""
    ids: list[str] = page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.id)")
    return {chart_id: sum(drawn(page, chart_id)["series"]) for chart_id in ids}


def shoot(page: Page, name: str, language: str) -> None:
    if SCREENSHOTS:
        IMG.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(1200)  # ECharts' entry animation (1 s) has ended
        page.screenshot(path=str(IMG / f"board-{name}-{language}.png"))


def _alert(demo: Demo, kind: str) -> Alert:
    """The day's first alert of ``kind`` about a product that nobody has acknowledged yet."""
    with session_scope(demo.config.database_url) as session:
        acked = select(AlertAck.alert_id)
        found = session.scalars(select(Alert).where(
            Alert.day == demo.day, Alert.kind == kind, Alert.product_external_id.is_not(None),
            Alert.id.not_in(acked)).order_by(Alert.id)).first()
        assert found is not None, kind
        session.expunge(found)
        return found


def _acked_by(demo: Demo, alert_id: int) -> str | None:
    with session_scope(demo.config.database_url) as session:
        ack = session.get(AlertAck, alert_id)
        return ack.user if ack else None


def _mutes(demo: Demo) -> int:
    with session_scope(demo.config.database_url) as session:
        return int(session.scalar(select(func.count()).select_from(Mute)) or 0)


def test_every_page_draws_its_charts_without_csp_errors_in_both_languages(
        watch: Watch, demo: Demo) -> None:
    page, day = watch.page, demo.day
    rank_drop, promotion = _alert(demo, "rank_drop"), _alert(demo, "promotion_start")
    product = f"/products/{promotion.site}/{quote(promotion.product_external_id or '')}"
    pages = {"overview": f"/?date={day}", "ranks": f"/ranks?date={day}",
             "keyword": f"/ranks/{quote(rank_drop.keyword or '')}?date={day}",
             "products": f"/products?date={day}", "product": f"{product}?date={day}",
             "alerts": f"/alerts?date={day}", "alert": f"/alerts/{rank_drop.id}",
             "keywords": f"/keywords?date={day}", "runs": f"/runs?date={day}"}
    log_in(page, EDITOR)
    charted = set()
    for language in LANGUAGES:
        page.goto(f"/lang/{language}?next=/")
        for name, path in pages.items():
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, language)
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
            expect(page.locator("html")).to_have_attribute("lang", language)
            if any(charts_drawn(page).values()):
                charted.add(name)
            if name in ("overview", "alert", "product"):
                shoot(page, name, language)
        assert watch.csp() == [] and watch.errors == [], (language, watch.errors)
    assert {"overview", "keyword", "product", "alert"} <= charted, charted

    # the watch does see a refusal: an inline script added to the page is refused by the CSP
    page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.inlineRan = true"; document.body.append(s); }""")
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.inlineRan === undefined")
    deadline = time.monotonic() + 5
    while not watch.csp() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert any("inline script" in e for e in watch.csp()), watch.errors
    watch.errors.clear()


def test_an_editor_acknowledges_a_rank_drop_switches_language_and_downloads(
        watch: Watch, demo: Demo, tmp_path: Path) -> None:
    page, day = watch.page, demo.day
    log_in(page, EDITOR, f"/?date={day}")
    assert page.url.endswith(f"/?date={day}")
    expect(page.locator("#page-title")).to_have_text(f"概览 · {format_date('zh-CN', day, 'full')}")
    expect(page.locator("#card-alerts .big")).to_have_text(str(demo.summary["counts"]["alerts"]))
    assert charts_drawn(page)["chart-avg-rank"] == 2  # our average rank on the two days

    page.click("#card-alerts .big a")  # the day's alert inbox
    page.wait_for_url(f"**/alerts?date={day}")
    row = page.locator("tr.kind-rank_drop:not(.acked)").first
    alert_id = int(row.get_attribute("data-alert-id") or 0)
    row.locator("a.alert-link").click()
    page.wait_for_url(f"**/alerts/{alert_id}")
    chart = drawn(page, "chart-rank")
    assert chart["series"][0] == 2, chart  # the product's rank on both demo days
    assert chart["painted"] > 1000, chart

    page.click("#ack-button")
    page.wait_for_url(f"**/alerts/{alert_id}")
    expect(page.locator("#acked")).to_contain_text(EDITOR[0])
    expect(page.locator("#ack-button")).to_have_count(0)
    assert _acked_by(demo, alert_id) == EDITOR[0]
    page.click(f"a[href='/alerts?date={day}']")
    expect(page.locator(f"#alert-{alert_id}")).to_have_class(re.compile(r"\backed\b"))
    expect(page.locator(f"#alert-{alert_id} span.acked")).to_have_text(f"✓ {EDITOR[0]}")

    expect(page.locator("#page-title")).to_have_text(f"预警 · {format_date('zh-CN', day)}")
    page.click("#lang-switch")
    expect(page.locator("#page-title")).to_have_text(f"Alerts · {format_date('en', day)}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith(f"/alerts?date={day}")  # the same page, in the other language
    expect(page.locator(f"#alert-{alert_id} span.acked")).to_have_text(f"✓ {EDITOR[0]}")
    page.click("#lang-switch")
    expect(page.locator("#page-title")).to_have_text(f"预警 · {format_date('zh-CN', day)}")

    page.click("#nav-keywords")
    page.wait_for_url("**/keywords")
    # the board builds the export on request: seconds on a busy machine
    with page.expect_download(timeout=90_000) as download_info:
        page.click("#download-xlsx", no_wait_after=True)
    download = download_info.value
    assert download.suggested_filename == f"keywords-{day}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved, read_only=True)
    cli_book = load_workbook(demo.out / f"keywords-{day}.xlsx", read_only=True)  # the demo's
    assert book.sheetnames == cli_book.sheetnames
    # the session speaks Chinese again (the switch above), like the demo's own export
    sheets = [gettext("zh-CN", "keywords"), gettext("zh-CN", "titles")]
    assert book.sheetnames[:2] == sheets == ["关键词", "标题"]
    for sheet in book.sheetnames:
        rows = list(book[sheet].iter_rows(values_only=True))
        assert rows[0] == next(cli_book[sheet].iter_rows(max_row=1, values_only=True))
        assert len(rows) > 1, sheet
    header = next(book[sheets[0]].iter_rows(max_row=1, values_only=True))
    assert header[:len(TERM_HEADER)] == tuple(gettext("zh-CN", h) for h in TERM_HEADER)
    assert header[:3] == ("分组", "排名", "关键词")


def test_scraped_text_is_shown_as_text_and_never_runs(watch: Watch, demo: Demo) -> None:
    page, day = watch.page, demo.day
    log_in(page, VIEWER, f"/products?date={day}")
    page.evaluate("() => alert('probe')")  # the watch does see a dialog ...
    assert watch.dialogs == ["alert: probe"]
    watch.dialogs.clear()  # ... and from here on, none may open
    listing = "/products?" + urlencode({"date": day.isoformat(), "shop": EVIL_SHOP})
    for language in LANGUAGES:
        page.goto(f"/lang/{language}?" + urlencode({"next": listing}))
        link = page.locator("#product-table a", has_text=EVIL)
        expect(link).to_have_text(EVIL)
        expect(page.locator("#product-table tr.product-row td").nth(1)).to_have_text(EVIL_SHOP)
        expect(page.locator("select[name=shop] option:checked")).to_have_text(EVIL_SHOP)
        link.click()
        page.wait_for_url(f"**/products/demo/{EVIL_ID}")
        expect(page.locator("#page-title")).to_have_text(EVIL)
        expect(page.locator("#title-history li")).to_contain_text(EVIL)
        assert EVIL in page.title()
        assert sum(drawn(page, "chart-price")["series"]) > 0
        for markup in ("img[src=x]", "#product-facts script", "main script:not([type])"):
            assert page.locator(markup).count() == 0, markup

    page.goto(f"/runs?date={day}")  # the page a crawl kept: its source, as text
    page.click("a.kept-page")
    page.wait_for_url("**/runs/*/page")
    expect(page.locator("#kept-page")).to_have_text(KEPT)
    assert page.locator("main img, main iframe, main h1:has-text('访问验证')").count() == 0
    assert watch.dialogs == []  # also checked, with everything else, when the test ends


def test_a_post_without_the_csrf_token_is_refused(watch: Watch, demo: Demo) -> None:
    page = watch.page
    alert = _alert(demo, "stock_out")
    log_in(page, EDITOR, f"/alerts/{alert.id}")
    token = page.locator("#ack-form input[name=csrf]").input_value()
    mutes = _mutes(demo)

    forms: list[Form] = [{}, {"csrf": "forged"}, {"csrf": ""}]
    for form in forms:
        refused = page.request.post(f"/alerts/{alert.id}/ack", form=form, max_redirects=0)
        assert refused.status == 403 and "CSRF" in refused.text(), (form, refused.status)
    watch.expected.add("/mutes")  # fetch's 403 below is logged by the browser as a failure
    status = page.evaluate("""async () => (await fetch("/mutes", {method: "POST",
        body: new URLSearchParams({target: "keyword", key: "扫地机器人", days: "3"})})).status""")
    assert status == 403
    assert _acked_by(demo, alert.id) is None and _mutes(demo) == mutes

    # the same request with the session's token goes through: the token was all it lacked
    accepted = page.request.post(f"/alerts/{alert.id}/ack", form={"csrf": token},
                                 max_redirects=0)
    assert accepted.status == 303
    assert _acked_by(demo, alert.id) == EDITOR[0]


def test_a_viewer_cannot_mute_or_acknowledge_and_an_editor_can(
        watched: Callable[[], Watch], demo: Demo) -> None:
    alert = _alert(demo, "rank_drop")
    mutes = _mutes(demo)
    viewer = watched().page
    log_in(viewer, VIEWER, f"/alerts/{alert.id}")
    expect(viewer.locator("#user-name")).to_have_text(
        f"{VIEWER[0]} ({gettext('zh-CN', 'viewer')})")
    assert sum(drawn(viewer, "chart-rank")["series"]) > 0  # a viewer sees everything
    for control in ("#alert-actions", "#ack-button", "#mute-product", "#mute-keyword"):
        expect(viewer.locator(control)).to_have_count(0)
    viewer.goto(f"/alerts?date={demo.day}")
    expect(viewer.locator("tr.alert-row")).to_have_count(demo.summary["counts"]["alerts"])
    expect(viewer.locator(".ack-form")).to_have_count(0)
    token = viewer.locator("form[action='/logout'] input[name=csrf]").input_value()
    forms: dict[str, Form] = {
        "/mutes": {"csrf": token, "target": "product", "site": alert.site or "",
                   "key": alert.product_external_id or "", "days": "7"},
        f"/alerts/{alert.id}/ack": {"csrf": token}}
    for path, form in forms.items():
        refused = viewer.request.post(path, form=form, max_redirects=0)
        assert refused.status == 403 and "viewer" in refused.text(), (path, refused.status)
    assert _mutes(demo) == mutes and _acked_by(demo, alert.id) is None

    editor = watched().page
    log_in(editor, EDITOR, f"/alerts/{alert.id}")
    editor.fill("#mute-keyword-form input[name=days]", "3")
    editor.click("#mute-keyword")
    editor.wait_for_url(f"**/alerts/{alert.id}")
    expect(editor.locator("#muted")).to_be_visible()
    assert _mutes(demo) == mutes + 1
    viewer.goto(f"/alerts/{alert.id}")
    expect(viewer.locator("#muted")).to_be_visible()
