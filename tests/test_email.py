"""The digest: rendered with escaping, sent to a real SMTP server (aiosmtpd), or written as .eml."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from config import load_config
from db.models import Alert, OutboxMessage
from db.session import session_scope, upgrade
from monitor.cli import main
from monitor.notify.digest import render
from monitor.notify.send import notify
from monitor.rules import AlertDraft
from monitor.runner import store, visibility_of_day
from tests.support import config_dict, site_block, write_config
from tests.support.smtp import Inbox, free_port

DAY = dt.date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _config(tmp_path: Path, db_url: str, port: int | None, **email: Any) -> Path:
    """``email`` adds or overrides keys of the [email] section."""
    server = {"host": "127.0.0.1", "port": port, "security": "none"} if port else {}
    return write_config(tmp_path / "c.toml", config_dict(
        db_url, site_block(), export_dir=str(tmp_path / "out"),
        email={**server, "sender": "watch@example.com",
               "recipients": ["ops@example.com", "boss@example.com"],
               "retries": 1, "retry_backoff_s": 0, **email}))


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


def _outbox(db_url: str) -> list[tuple[str, str, int]]:
    with session_scope(db_url) as session:
        return [(m.recipient, m.status, m.attempts)
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_digest_is_sent_over_smtp_and_alerts_are_marked(db_url: str, tmp_path: Path,
                                                        smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    _seed(db_url)
    config = load_config(_config(tmp_path, db_url, port))
    result = notify(config, DAY, visibility_of_day(config, DAY))
    assert result.error is None and result.queued == 2
    # one message per recipient: each delivery is tracked on its own
    assert [(m.sender, m.recipients) for m in inbox.messages] == [
        ("watch@example.com", ["ops@example.com"]), ("watch@example.com", ["boss@example.com"])]
    for _sender, recipients, content, *_ in inbox.messages:
        message = email.message_from_bytes(content)
        assert message["To"] == recipients[0]
        assert message["Subject"] == "ShopWatch 2026-11-25: 1 rank drop, 1 price move"
        html = next(p for p in message.walk() if p.get_content_type() == "text/html")
        body = html.get_payload(decode=True).decode()
        assert "<script>alert" not in body and "&lt;script&gt;" in body
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        plain = text.get_payload(decode=True).decode()
        assert plain.index("left page 1") < plain.index("price cut")  # most severe first
    with session_scope(db_url) as session:
        assert [a.notified_at is None for a in session.scalars(select(Alert))] == [False] * 2
    assert _outbox(db_url) == [("ops@example.com", "sent", 1), ("boss@example.com", "sent", 1)]
    # the same day again: nothing new, nothing sent twice
    again = notify(config, DAY, visibility_of_day(config, DAY))
    assert again.queued == 0 and again.delivery and again.delivery.sent == []
    assert len(inbox.messages) == 2


def test_without_smtp_the_digest_is_an_eml_file(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    config = load_config(_config(tmp_path, db_url, None))
    files = notify(config, DAY, visibility_of_day(config, DAY)).files
    message = email.message_from_bytes(files["digest_eml"].read_bytes())
    assert message["Subject"] == "ShopWatch 2026-11-25: 1 rank drop, 1 price move"
    with session_scope(db_url) as session:
        assert [a.notified_at for a in session.scalars(select(Alert))] == [None] * 2


def test_notify_dry_run_writes_eml_and_queues_nothing(tmp_path: Path,
                                                      smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    config = _config(tmp_path, db_url, port)
    out = tmp_path / "eml"
    assert main(["notify", "--config", str(config), "--date", str(DAY),
                 "--dry-run", str(out)]) == 0
    message = email.message_from_bytes((out / f"digest-{DAY}.eml").read_bytes())
    assert "1 rank drop" in message["Subject"]
    assert inbox.messages == [] and _outbox(db_url) == []


def test_server_down_nothing_lost_then_each_alert_sent_once(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    port = free_port()
    config = load_config(_config(tmp_path, db_url, port))
    down = notify(config, DAY, visibility_of_day(config, DAY))
    assert down.error and "127.0.0.1" in down.error and down.delivery
    assert down.delivery.failed == ["ops@example.com"] and down.delivery.waiting == 1
    # nothing lost: both digests queued, the tried one with its error and next try
    assert _outbox(db_url) == [("ops@example.com", "queued", 2), ("boss@example.com", "queued", 0)]
    with session_scope(db_url) as session:
        first = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert first and first.last_error and first.next_attempt_at
        assert [a.notified_at for a in session.scalars(select(Alert))] == [None] * 2
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # before the backoff is over the message waits; after it, the next run sends
        seen = visibility_of_day(config, DAY)
        early = notify(config, DAY, seen)
        assert early.delivery and early.delivery.sent == ["boss@example.com"]
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
        assert notify(config, DAY, seen, now=later).delivery.sent == ["ops@example.com"]  # type: ignore[union-attr]
        for _ in range(2):  # up again, twice in a row: nothing twice
            assert notify(config, DAY, seen, now=later).delivery.sent == []  # type: ignore[union-attr]
        assert sorted(m.recipients[0] for m in inbox.messages) == ["boss@example.com",
                                                                 "ops@example.com"]
        # an alert found later the same day goes out on its own, once
        with session_scope(db_url) as session:
            store(session, [AlertDraft(DAY, "stock_out", "critical", "demo", "vacuum sold out",
                                       "in stock", "out of stock", "3")])
        assert notify(config, DAY, seen, now=later).queued == 2
        assert notify(config, DAY, seen, now=later).queued == 0
    finally:
        controller.stop()
    subjects = [email.message_from_bytes(m.content)["Subject"] for m in inbox.messages]
    assert subjects[2:] == ["ShopWatch 2026-11-25: 1 stock-out"] * 2
    assert len(inbox.messages) == 4


class SlowInbox(Inbox):
    """Accepts the first recipient; for the second, holds the transaction until told."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()
        self.hold = True

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if address == "boss@example.com" and self.hold:
            self.hold = False
            self.waiting.set()
            await asyncio.sleep(60)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_killed_in_the_middle_of_sending_each_alert_still_arrives_once(
        tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = _config(tmp_path, db_url, port)
    try:
        child = subprocess.Popen([sys.executable, "-m", "monitor.cli", "notify", "--config",
                                  str(config), "--date", str(DAY)], cwd=ROOT)
        assert inbox.waiting.wait(60), "the second delivery never started"
        child.kill()  # SIGKILL while the second message is being sent
        child.wait(30)
        assert [m.recipients for m in inbox.messages] == [["ops@example.com"]]
        assert _outbox(db_url) == [("ops@example.com", "sent", 1),
                                   ("boss@example.com", "queued", 0)]
        reloaded = load_config(config)
        result = notify(reloaded, DAY, visibility_of_day(reloaded, DAY))
        assert result.delivery and result.delivery.sent == ["boss@example.com"]
    finally:
        controller.stop()
    assert [m.recipients for m in inbox.messages] == [["ops@example.com"], ["boss@example.com"]]


def test_storing_the_same_alerts_again_adds_nothing(db_url: str) -> None:
    _seed(db_url)
    _seed(db_url)
    with session_scope(db_url) as session:
        assert len(list(session.scalars(select(Alert)))) == 2


def test_digest_over_smtp_carries_the_history_charts_inline(db_url: str, tmp_path: Path,
                                                            smtp: tuple[Inbox, int]) -> None:
    """A real history (ranks and prices over a week), the monitor, the digest over SMTP: the
    rank drop and the price cut arrive with their charts as inline PNG parts."""
    from config import ProductConfig
    from monitor.runner import run_monitor
    from tests.support.history import START, History

    inbox, port = smtp
    upgrade(db_url)
    days = [START + dt.timedelta(i) for i in range(5)]
    with session_scope(db_url) as session:
        h = History(session)
        for day, position, price in zip(days, [3, 3, 4, 3, 12], ["2199", "2199", "2189",
                                                                "2199", "1899"], strict=True):
            h.ranks(day, {"o1": position, "c1": 1})
            h.listings(day, {"c1": price, "o1": "2399"})
    config = load_config(_config(tmp_path, db_url, port))
    config = config.model_copy(update={"products": [
        ProductConfig(site="demo", id="c1", compare_to="o1"),
        ProductConfig(site="demo", id="o1", role="own")]})
    with session_scope(db_url) as session:
        kinds = {a.kind for a in run_monitor(session, config, days[-1])}
    assert {"rank_drop", "price_move", "undercut"} <= kinds
    assert notify(config, days[-1], visibility_of_day(config, days[-1])).error is None
    message = email.message_from_bytes(inbox.messages[0].content)
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert "left the top 10" in body and "price cut" in body
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 3  # the rank drop, the price cut and the undercut
    for image in images:
        assert image.get_payload(decode=True).startswith(b"\x89PNG")
        assert image["Content-Disposition"].startswith("inline")
        assert f'src="cid:{image["Content-ID"][1:-1]}"' in body


def test_an_alert_that_got_worse_the_same_day_is_sent_again_once(
        db_url: str, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    upgrade(db_url)
    config = load_config(_config(tmp_path, db_url, port))

    def drop(position: int) -> AlertDraft:
        return AlertDraft(DAY, "rank_drop", "warning", "demo", f"vacuum at #{position}", "#3",
                          f"#{position}", "2", "扫地机器人", magnitude=float(position))

    for position, sent in [(9, 2), (9, 0), (15, 2), (12, 0), (15, 0)]:
        with session_scope(db_url) as session:
            store(session, [drop(position)])  # a rerun of the day finds this position
        result = notify(config, DAY, visibility_of_day(config, DAY))
        assert result.delivery and len(result.delivery.sent) == sent, position
    subjects = [email.message_from_bytes(m.content).get_payload(0).get_payload(decode=True).decode()
                for m in inbox.messages]
    assert ["#15" in text for text in subjects] == [False, False, True, True]
    with session_scope(db_url) as session:
        assert len(list(session.scalars(select(Alert)))) == 1


def test_recipient_lists_get_their_alerts_and_nobody_gets_one_twice(
        tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(db_url)
    path = _config(tmp_path, db_url, port, recipients=["ops@example.com"], lists=[
        {"name": "清洁", "recipients": ["clean@example.com", "ops@example.com"],
         "groups": ["清洁"]},
        {"name": "urgent", "recipients": ["boss@example.com"], "min_severity": "critical"}])
    with session_scope(db_url) as session:
        store(session, [
            AlertDraft(DAY, "rank_drop", "critical", "demo", "vacuum left page 1", "#3", "#25",
                       "2", "扫地机器人", group="清洁"),
            AlertDraft(DAY, "price_move", "warning", "demo", "purifier price cut", "100 CNY",
                       "80 CNY", "7", group="空气"),
            AlertDraft(DAY, "crawl_blocked", "critical", "demo", "ranks crawl of demo blocked",
                       None, "captcha", scope="ranks")])
    config = load_config(path)
    assert notify(config, DAY, visibility_of_day(config, DAY)).error is None
    got = {m.recipients[0]: str(email.message_from_bytes(
        m.content, policy=email.policy.default)["Subject"]) for m in inbox.messages}
    assert got == {
        "ops@example.com": "ShopWatch 2026-11-25 · all: 1 blocked crawl, 1 rank drop, "
                           "1 price move",
        "clean@example.com": "ShopWatch 2026-11-25 · 清洁: 1 blocked crawl, 1 rank drop",
        "boss@example.com": "ShopWatch 2026-11-25 · urgent: 1 blocked crawl, 1 rank drop"}
    assert len(inbox.messages) == 3  # ops is in two lists: one message, each alert once


def test_digest_has_one_section_per_kind_the_most_severe_kind_first() -> None:
    def alert(kind: str, severity: str, subject: str, magnitude: float) -> AlertDraft:
        return AlertDraft(DAY, kind, severity, "demo", subject, product_id=subject,
                          magnitude=magnitude)

    alerts = [alert("price_move", "info", "b raised 6.0%", 6.0),
              alert("price_move", "warning", "c cut 13.0%", -13.0),
              alert("promotion_start", "warning", "d on promotion", 20.0),
              alert("price_move", "warning", "e cut 18.0%", -18.0),
              alert("stock_out", "critical", "f is out of stock", 1.0)]
    subject, text, html = render(DAY, alerts, [])
    assert text.count("Price moves") == html.count("Price moves") == 1
    assert "== Price moves (3) ==" in text
    assert ">Price moves (3)</h3>" in html
    for body in text, html:  # kinds by their most severe alert, then the order of kinds
        assert body.index("Stock-outs") < body.index("Price moves") \
            < body.index("Promotions started")
        # inside a section: by severity, then magnitude
        assert body.index("e cut 18.0%") < body.index("c cut 13.0%") \
            < body.index("b raised 6.0%")
    assert subject.endswith(": 1 stock-out, 3 price moves, 1 promotion started")


def test_the_outbox_of_an_earlier_release_is_numbered_and_sent_as_before(
        db_url: str, tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    """Migration 0010 numbers the digests a database already holds per day and recipient
    (``seq``, unique), claims none of them, and the queued one goes out once."""
    from sqlalchemy import text

    from db.session import get_engine

    inbox, port = smtp
    upgrade(db_url, "0009")
    with get_engine(db_url).begin() as connection:
        for i, (recipient, status) in enumerate([("ops@example.com", "sent"),
                                                 ("boss@example.com", "sent"),
                                                 ("ops@example.com", "queued")]):
            connection.execute(text(
                "INSERT INTO outbox (day, recipient, subject, message_id, message, status, "
                "attempts, created_at) VALUES (:day, :recipient, 's', :mid, :message, "
                ":status, 0, :day)"), {"day": DAY, "recipient": recipient,
                                       "mid": f"<{i}@x>", "status": status,
                                       "message": b"Subject: s\r\n\r\nhello\r\n"})
    upgrade(db_url)
    with session_scope(db_url) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.recipient, m.seq, m.claimed_by) for m in rows] == [
            ("ops@example.com", 1, None), ("boss@example.com", 1, None),
            ("ops@example.com", 2, None)]
    config = load_config(_config(tmp_path, db_url, port))
    # queues nothing new (the day had digests), sends the one
    result = notify(config, DAY, visibility_of_day(config, DAY))
    assert result.queued == 0 and result.delivery and result.delivery.sent == ["ops@example.com"]
    assert [m.recipients for m in inbox.messages] == [["ops@example.com"]]
