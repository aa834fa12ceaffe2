"""The digest: rendered with escaping, sent to a real SMTP server (aiosmtpd), or written as .eml."""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from config import load_config
from db.models import Alert
from db.session import session_scope, upgrade
from monitor.mailer import SendError
from monitor.notify import notify
from monitor.rules import AlertDraft
from monitor.runner import store

DAY = dt.date(2026, 11, 25)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _config(tmp_path: Path, db_url: str, port: int | None) -> Path:
    host = f'host = "127.0.0.1"\nport = {port}\nsecurity = "none"\n' if port else ""
    path = tmp_path / "c.toml"
    path.write_text(f"""database_url = "{db_url}"
export_dir = "{tmp_path / 'out'}"
[[sites]]
name = "demo"
base_url = "http://127.0.0.1:9"
[email]
{host}sender = "watch@example.com"
recipients = ["ops@example.com", "boss@example.com"]
""", "utf-8")
    return path


def _seed(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        store(session, [
            AlertDraft(DAY, "price_move", "warning", "demo",
                       "“<script>alert(1)</script>” price cut", "100 CNY", "80 CNY", "1",
                       url="http://shop/item/1.html"),
            AlertDraft(DAY, "rank_drop", "critical", "demo", "our vacuum left page 1", "#3", "#25",
                       "2", "扫地机器人"),
        ])


def test_digest_is_sent_over_smtp_and_alerts_are_marked(db_url: str, tmp_path: Path,
                                                        smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    _seed(db_url)
    config = load_config(_config(tmp_path, db_url, port))
    assert notify(config, DAY) == {}
    assert len(inbox.messages) == 1
    sender, recipients, content = inbox.messages[0]
    assert sender == "watch@example.com"
    assert recipients == ["ops@example.com", "boss@example.com"]
    message = email.message_from_bytes(content)
    assert message["Subject"] == "ShopWatch 2026-11-25: 1 rank drop, 1 price move"
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    plain = text.get_payload(decode=True).decode()
    assert plain.index("left page 1") < plain.index("price cut")  # most severe first
    with session_scope(db_url) as session:
        assert all(a.notified_at is not None for a in session.scalars(select(Alert)))


def test_without_smtp_the_digest_is_an_eml_file(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    config = load_config(_config(tmp_path, db_url, None))
    files = notify(config, DAY)
    message = email.message_from_bytes(files["digest_eml"].read_bytes())
    assert message["Subject"] == "ShopWatch 2026-11-25: 1 rank drop, 1 price move"
    with session_scope(db_url) as session:
        assert all(a.notified_at is None for a in session.scalars(select(Alert)))


def test_a_refused_send_keeps_alerts_unsent(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = load_config(_config(tmp_path, db_url, closed_port))
    with pytest.raises(SendError, match=r"127\.0\.0\.1"):
        notify(config, DAY)
    with session_scope(db_url) as session:
        assert all(a.notified_at is None for a in session.scalars(select(Alert)))


def test_storing_the_same_alerts_again_adds_nothing(db_url: str) -> None:
    _seed(db_url)
    _seed(db_url)
    with session_scope(db_url) as session:
        assert len(list(session.scalars(select(Alert)))) == 2
