"""Scraped text already in the database is shown, never obeyed: no terminal sequence or control
character in `alerts`, `monitor`, the digest's text and HTML parts or the report, and only
http(s) addresses become links (roadmap issue 16, points 4 and 5)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from db.models import CrawlRun, Site
from db.session import session_scope, upgrade
from monitor.cli import main
from monitor.cliutil import http_url, inert, json_text
from monitor.notify.digest import render
from monitor.rules import AlertDraft
from monitor.runner import store
from tests.support import config_dict, site_block, write_config

DAY = dt.date(2026, 11, 25)
# colour, window title (OSC ended by BEL), bell, backspace, a forged line
TITLE = "\x1b[31mRed Robot\x1b[0m\x1b]0;pwned\x07 Bell\x07\x08!\n2026-11-25 [info] forged"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what must never be printed or mailed
HOSTILE_URLS = ("javascript:alert(document.cookie)", " JavaScript:alert(1)",
                "java\tscript:alert(1)", "\x01javascript:alert(1)", "vbscript:msgbox(1)",
                "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                "/relative/path", "http:/no-host", "https:javascript:alert(1)")


@pytest.mark.parametrize(("text", "shown"), [
    ("plain 扫地机器人 ¥1,299", "plain 扫地机器人 ¥1,299"),
    (TITLE, "Red Robot Bell! 2026-11-25 [info] forged"),
    ("\x9b31mC1 CSI\x9d0;x\x9c end", "C1 CSI end"),
    ("unterminated \x1b]0;title", "unterminated 0;title"),
    ("tab\tand\r\nbreaks\u2028", "tab and  breaks "),
    ("NUL\x00 DEL\x7f", "NUL DEL"),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ("pair \ud83d\ude00", "pair \U0001f600"),
])
def test_inert_text(text: str, shown: str) -> None:
    assert inert(text) == shown


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_only_http_addresses_may_become_links(url: str) -> None:
    assert http_url(url) is None


def test_http_addresses_become_links() -> None:
    assert http_url("https://shop.example/item/1?a=1&b=2") == "https://shop.example/item/1?a=1&b=2"
    assert http_url(" HTTP://Shop.Example/x ") == "HTTP://Shop.Example/x"
    assert http_url(None) is None


def test_json_keeps_the_text_and_escapes_every_control() -> None:
    value = {"title": TITLE + "\x9b\u2028\ud800"}
    text = json_text(value)
    assert not RAW.search(text) and "\ud800" not in text and "\u2028" not in text
    assert json.loads(text) == value  # the stored text, as stored


def _config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "c.toml", config_dict(
        db_url, site_block(), export_dir=str(tmp_path / "out"),
        email={"sender": "watch@example.com", "recipients": ["ops@example.com"]}))


def _hostile_alerts() -> list[AlertDraft]:
    return [
        AlertDraft(DAY, "title_change", "info", "demo", TITLE, "Robot", TITLE, "1",
                   url="javascript:alert(document.cookie)"),
        AlertDraft(DAY, "price_move", "warning", "demo", f"<b>{TITLE}</b> price cut",
                   "100 CNY", "80\x1b[2J CNY", "2", url="java\tscript:alert(1)"),
        AlertDraft(DAY, "stock_out", "critical", "demo", "a real product", None, "out", "3",
                   url="https://shop.example/item/3.html"),
    ]


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    """A database holding alerts with hostile subjects, values and URLs, and a failed crawl
    whose error summary carries escape sequences."""
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(db_url)
    with session_scope(db_url) as session:
        store(session, _hostile_alerts())
        site = Site(name="demo", adapter="demoshop", base_url="http://127.0.0.1:9")
        session.add(site)
        session.flush()
        session.add(CrawlRun(site_id=site.id, spider="listings", day=DAY, status="failed",
                             error_summary="\x1b]0;pwned\x07timeout on\x1b[5m /p/1"))
    return _config(tmp_path, db_url)


def _assert_inert(text: str) -> None:
    assert not RAW.search(text), repr(RAW.findall(text))
    assert "javascript" not in text.lower().replace(" ", "")  # no such address anywhere


def test_alerts_command_prints_no_control_characters(
        hostile_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`alerts`: one line per alert (no forged line), no ESC, BEL, BS."""
    assert main(["alerts", "--config", str(hostile_db), "--since", str(DAY)]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out)
    assert "Red Robot Bell! 2026-11-25 [info] forged" in out
    assert len(out.splitlines()) == 4  # 3 alerts and the count


def test_alerts_json_keeps_the_text_escaped(hostile_db: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`alerts --json`: the stored text, with JSON escapes for every control character."""
    assert main(["alerts", "--config", str(hostile_db), "--since", str(DAY), "--json"]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out)
    rows = json.loads(out)
    assert {r["subject"] for r in rows} >= {TITLE}


def test_monitor_prints_no_control_characters(
        hostile_db: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`monitor`: the alerts it records from hostile titles print inert."""
    monkeypatch.setattr("monitor.runner.detect", lambda *args: _hostile_alerts())
    assert main(["monitor", "--config", str(hostile_db), "--date", str(DAY)]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out) and "[info] title_change: Red Robot Bell!" in out


def test_report_html_is_escaped_and_links_only_http(hostile_db: Path, tmp_path: Path) -> None:
    """`report`: subjects escaped, no control character, the javascript: alerts unlinked."""
    out = tmp_path / "report.html"
    assert main(["report", "--config", str(hostile_db), "--date", str(DAY),
                 "--out", str(out)]) == 0
    html = out.read_text("utf-8")
    _assert_inert(html)
    assert "<b>Red" not in html and "&lt;b&gt;Red Robot" in html
    assert re.findall(r'href="([^"]*)"', html) == ["https://shop.example/item/3.html"]
    assert "timeout on /p/1" in html  # the failed crawl's summary, inert


def _parts(message: EmailMessage) -> tuple[str, str]:
    text, html = (message.get_body((kind,)) for kind in ("plain", "html"))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def test_digest_email_parts_are_inert(hostile_db: Path, tmp_path: Path) -> None:
    """The digest (`notify --dry-run`): text part and HTML part hold no control character and
    no javascript: address; the only link is the http one."""
    eml = tmp_path / "eml"
    assert main(["notify", "--config", str(hostile_db), "--date", str(DAY),
                 "--dry-run", str(eml)]) == 0
    message = email.message_from_bytes((eml / f"digest-{DAY}.eml").read_bytes(),
                                       policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text, html = _parts(message)
    for part in (text, html, str(message["Subject"])):
        _assert_inert(part)
    assert re.findall(r'href="([^"]*)"', html) == ["https://shop.example/item/3.html"]
    assert "https://shop.example/item/3.html" in text
    assert "Red Robot Bell! 2026-11-25 [info] forged" in text


def test_every_template_output_is_made_inert() -> None:
    """Any field a template prints goes through the same filter (Jinja's ``finalize``), also
    ones a template may add later: here the site, before and a run's status."""
    alert: Any = AlertDraft(DAY, "rank_drop", "warning", "demo\x1b[1m", "s", "#3\x07", "#9",
                            url="https://x.example/\x1b[0m")
    run: Any = type("Run", (), {"site": "demo", "spider": "ranks", "status": "failed\x08",
                                "error_summary": None})()
    _subject, text, html = render(DAY, [alert], [run])
    for part in (text, html):
        _assert_inert(part)
    assert 'href="https://x.example/"' in html
