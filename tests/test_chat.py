"""Chat alerts ([[notify.chat]]): the day's headline and critical alerts to WeCom, DingTalk and
Feishu bots through Apprise and the outbox, against a local HTTP server standing in for the
bots.

Apprise's WeCom, DingTalk and Feishu plugins post to their platforms' fixed hosts; the seam is
each plugin's ``notify_url`` class attribute, pointed at the local server here. Everything
else (URL parsing, payload, HTTP) is Apprise's own code.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from config import ConfigError, load_config
from db.models import Alert, OutboxMessage, Product, Site
from db.session import session_scope, upgrade
from monitor.notify.send import notify
from monitor.rules import AlertDraft
from monitor.runner import store
from tests.support import config_dict, site_block, write_config

DAY = dt.date(2026, 11, 25)
BOARD = "http://board.example:8000"
KEY_ENV = "SHOPWATCH_TEST_BOT_KEY"
KEY = "0a1b2c3d4e5f60718293a4b5"


class Bot(ThreadingHTTPServer):
    """Records every POST (path, query, JSON body); answers 500 while ``failing``."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[tuple[str, dict[str, list[str]], Any]] = []
        self.failing = False
        self.delay = 0.0  # seconds before answering (a slow bot)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Bot

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length).decode("utf-8"))
        parts = urlsplit(self.path)
        time.sleep(self.server.delay)
        if self.server.failing:
            self.send_response(500)
        else:
            self.server.posts.append((parts.path, parse_qs(parts.query), body))
            self.send_response(200)
        payload = b'{"errcode": 0, "code": 0}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bot(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bot]:
    """The local bot endpoint, with Apprise's WeCom, DingTalk and Feishu plugins posting to
    it instead of their platforms' hosts."""
    from apprise.plugins.dingtalk import NotifyDingTalk
    from apprise.plugins.feishu import NotifyFeishu
    from apprise.plugins.wecombot import NotifyWeComBot

    server = Bot()
    monkeypatch.setattr(NotifyWeComBot, "notify_url", server.base + "/wecom?key={key}")
    monkeypatch.setattr(NotifyDingTalk, "notify_url",
                        server.base + "/dingtalk?access_token={token}")
    monkeypatch.setattr(NotifyFeishu, "notify_url", server.base + "/feishu/{token}/")
    monkeypatch.setenv(KEY_ENV, KEY)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _config(tmp_path: Path, db_url: str, url: str, **top: Any) -> Path:
    sections = {"language": "zh-CN", "board": {"url": BOARD},
                "email": {"retries": 1, "retry_backoff_s": 0},
                "notify": {"chat": [{"url": url, "name": "team"}]}, **top}
    return write_config(tmp_path / "shopwatch.toml",
                        config_dict(db_url, site_block(), **sections))


def _seed(db_url: str, *alerts: AlertDraft) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        if session.scalar(select(Site).where(Site.name == "demo")) is None:
            site = Site(name="demo", adapter="demoshop", base_url=site_block()["base_url"])
            session.add(site)
            session.flush()
            session.add_all([Product(site_id=site.id, external_id="1", title="智享扫地机器人 X1"),
                             Product(site_id=site.id, external_id="2", title="追觅 S10 扫拖一体")])
        store(session, list(alerts))


STOCK_OUT = AlertDraft(DAY, "stock_out", "critical", "demo", "“智享扫地机器人 X1” is out of stock",
                       "in stock", "out of stock", "1")
PRICE_CUT = AlertDraft(DAY, "price_move", "warning", "demo", "“追觅 S10 扫拖一体” price cut 20.0%",
                       "100 CNY", "80 CNY", "2")
RANK_LOST = AlertDraft(DAY, "rank_lost", "critical", "demo",
                       "“智享扫地机器人 X1” vanished from “扫地机器人” results", "#3", "not ranked",
                       "1", "扫地机器人")


def _text(path: str, body: Any) -> str:
    """What the bot was asked to show, whatever its payload's shape."""
    if path.startswith("/wecom"):
        assert body["msgtype"] == "text"
        return str(body["text"]["content"])
    if path.startswith("/dingtalk"):
        return str(body["text"]["content"])
    if path.startswith("/feishu"):
        assert body["msg_type"] == "text"
        return str(body["content"]["text"])
    return f"{body['title']}\n{body['message']}"  # Apprise's json:// webhook


def _outbox(db_url: str) -> list[tuple[str, str, str, int]]:
    with session_scope(db_url) as session:
        return [(m.channel, m.recipient, m.status, m.seq)
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _alert_id(db_url: str, kind: str) -> int:
    with session_scope(db_url) as session:
        return int(session.scalar(select(Alert.id).where(Alert.kind == kind)) or 0)


@pytest.mark.parametrize(("url", "path", "query"), [
    ("wecombot://${SHOPWATCH_TEST_BOT_KEY}", "/wecom", {"key": [KEY]}),
    ("dingtalk://${SHOPWATCH_TEST_BOT_KEY}", "/dingtalk", {"access_token": [KEY]}),
    ("feishu://${SHOPWATCH_TEST_BOT_KEY}", f"/feishu/{KEY}/", {}),
], ids=["wecom", "dingtalk", "feishu"])
def test_the_headline_and_critical_alerts_reach_the_bot_once(
        bot: Bot, db_url: str, tmp_path: Path, url: str, path: str,
        query: dict[str, list[str]]) -> None:
    from monitor.cli import main

    _seed(db_url, STOCK_OUT, PRICE_CUT)
    config = _config(tmp_path, db_url, url)
    assert main(["notify", "--config", str(config), "--date", DAY.isoformat()]) == 0
    ((got_path, got_query, body),) = bot.posts
    assert (got_path, got_query) == (path, query)  # the key came from the environment
    text = _text(got_path, body)
    assert "ShopWatch 2026-11-25：缺货 1 个，价格变动 1 个" in text  # the day's headline
    assert "严重预警：" in text and "“智享扫地机器人 X1”缺货" in text  # the critical alert
    assert "追觅" not in text  # a warning is in the digest, not in the chat
    assert f"{BOARD}/?date=2026-11-25" in text  # links to the board
    assert f"{BOARD}/alerts/{_alert_id(db_url, 'stock_out')}" in text
    assert _outbox(db_url) == [("chat", "chat:team", "sent", 1)]
    with session_scope(db_url) as session:
        stored = session.scalars(select(OutboxMessage)).one()
        assert KEY.encode() not in stored.message and KEY not in stored.recipient
    # the same day again: nothing new, nothing twice
    assert main(["notify", "--config", str(config), "--date", DAY.isoformat()]) == 0
    assert len(bot.posts) == 1


def test_a_failed_send_stays_queued_and_goes_later_exactly_once(
        bot: Bot, db_url: str, tmp_path: Path) -> None:
    _seed(db_url, STOCK_OUT)
    config = load_config(_config(tmp_path, db_url, "wecombot://${SHOPWATCH_TEST_BOT_KEY}"))
    bot.failing = True  # the bot (or the network) is down
    first = notify(config, DAY, [])
    assert first.chat_queued == 1 and first.delivery is not None
    assert first.delivery.failed == ["chat:team"] and first.error and "500" in first.error
    assert _outbox(db_url) == [("chat", "chat:team", "queued", 1)]
    with session_scope(db_url) as session:
        assert session.scalars(select(Alert)).one().notified_at is None
    # the service was down for a while; the next run (hours later) sends it, once
    bot.failing = False
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=7)
    second = notify(config, DAY, [], now=later)
    assert second.chat_queued == 0 and second.delivery and second.delivery.sent == ["chat:team"]
    assert len(bot.posts) == 1 and "缺货" in _text(*bot.posts[0][::2])
    third = notify(config, DAY, [], now=later)
    assert third.delivery and third.delivery.sent == [] and len(bot.posts) == 1
    with session_scope(db_url) as session:
        assert session.scalars(select(Alert)).one().notified_at is not None


def test_a_rerun_sends_only_the_new_critical_alerts(bot: Bot, db_url: str,
                                                     tmp_path: Path) -> None:
    _seed(db_url, STOCK_OUT)
    config = load_config(_config(tmp_path, db_url, "feishu://${SHOPWATCH_TEST_BOT_KEY}"))
    notify(config, DAY, [])
    _seed(db_url, STOCK_OUT, RANK_LOST)  # a rerun of the day finds one more
    assert notify(config, DAY, []).chat_queued == 1
    assert len(bot.posts) == 2
    second = _text(*bot.posts[1][::2])
    assert "从“扫地机器人”的搜索结果中消失（原排名 #3）" in second and "缺货”" not in second
    assert [row[2:] for row in _outbox(db_url)] == [("sent", 1), ("sent", 2)]


def test_a_generic_webhook_in_english(bot: Bot, db_url: str, tmp_path: Path) -> None:
    """Apprise's json:// posts to any URL: a team's own webhook; the config speaks English."""
    _seed(db_url, STOCK_OUT, PRICE_CUT)
    url = bot.base.replace("http://", "json://") + "/hook"
    config = load_config(_config(tmp_path, db_url, url, language="en"))
    result = notify(config, DAY, [])
    assert result.delivery and result.delivery.sent == ["chat:team"]
    ((path, _query, body),) = bot.posts
    assert path == "/hook"
    assert body["title"] == "ShopWatch 2026-11-25: 1 stock-out, 1 price move"
    assert "Critical alerts:\n• [demo] “智享扫地机器人 X1” is out of stock" in body["message"]


def test_a_missing_secret_is_named_and_nothing_is_lost(bot: Bot, db_url: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(db_url, STOCK_OUT)
    monkeypatch.delenv(KEY_ENV)
    config = load_config(_config(tmp_path, db_url, "dingtalk://${SHOPWATCH_TEST_BOT_KEY}"))
    result = notify(config, DAY, [])
    assert result.error and KEY_ENV in result.error
    assert _outbox(db_url) == [("chat", "chat:team", "queued", 1)] and bot.posts == []
    monkeypatch.setenv(KEY_ENV, KEY)
    assert notify(config, DAY, [], paced=False).delivery.sent == ["chat:team"]  # type: ignore[union-attr]
    assert len(bot.posts) == 1


def test_chat_settings_are_checked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ConfigError, match=r"notify\.chat\[0\]\.url: Apprise knows no nosuch://"):
        load_config(_config(tmp_path, url, "nosuch://abc"))
    with pytest.raises(ConfigError, match=r"board\.url: must be an http"):
        load_config(_config(tmp_path, url, "wecombot://k", board={"url": "board.local"}))


def test_senders_at_once_send_a_chat_message_once(bot: Bot, db_url: str, tmp_path: Path) -> None:
    """Three senders (run, schedule, notify) deliver the outbox at the same moment to a slow
    bot: the claim lets one of them send the message."""
    from monitor.notify.chat import queue_chat
    from monitor.notify.digest import Speech
    from monitor.notify.outbox import deliver

    _seed(db_url, STOCK_OUT)
    config = load_config(_config(tmp_path, db_url, "wecombot://${SHOPWATCH_TEST_BOT_KEY}"))
    with session_scope(db_url) as session:
        assert len(queue_chat(session, config, DAY, Speech("zh-CN", BOARD))) == 1
    bot.delay = 0.5
    results = []
    threads = [threading.Thread(target=lambda: results.append(deliver(config, paced=False)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(bot.posts) == 1
    assert sorted(len(r.sent) for r in results) == [0, 0, 1]
    assert _outbox(db_url) == [("chat", "chat:team", "sent", 1)]


def test_check_config_warns_of_an_unset_bot_key(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from config import config_warnings

    monkeypatch.delenv(KEY_ENV, raising=False)
    config = load_config(_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}",
                                 "wecombot://${SHOPWATCH_TEST_BOT_KEY}"))
    assert config_warnings(config) == [
        f"notify.chat[0].url: the environment variable {KEY_ENV} is not set here (its "
        "messages stay queued until it is)"]
    monkeypatch.setenv(KEY_ENV, KEY)
    assert config_warnings(config) == []
