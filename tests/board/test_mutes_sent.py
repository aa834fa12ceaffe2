"""A muted product or keyword: its alerts are recorded (and shown on the board) but the digest
and the chat messages leave them out while the mute lasts."""

from __future__ import annotations

import datetime as dt
import email
import json
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from config import Config
from db import repo
from db.models import Alert, AlertDelivery, OutboxMessage
from db.session import session_scope
from monitor.notify.chat import queue_chat
from monitor.notify.outbox import queue
from monitor.notify.send import notify, speech
from tests.board.history import DAY, SITE, TERM, config_for


def _mute_x_and_the_keyword(config: Config) -> None:
    with session_scope(config.database_url) as s:
        repo.mute(s, "product", SITE, "X", DAY, "li")  # the critical stock-out
        repo.mute(s, "keyword", "", TERM, DAY, "li")  # the rank drop


def test_muted_alerts_are_recorded_but_not_queued(history: Config) -> None:
    config = config_for(history.database_url, email={"host": "127.0.0.1",
                                                     "recipients": ["op@example.com"]},
                        notify={"chat": [{"url": "json://127.0.0.1:9/hook"}]})
    _mute_x_and_the_keyword(config)
    carried: list[list[str]] = []

    def render(alerts: Sequence[Alert], recipient: str, title: str | None) -> EmailMessage:
        carried.append([a.kind for a in alerts])
        message = EmailMessage()
        message["Subject"], message["Message-ID"] = "digest", "<d@x>"
        return message

    with session_scope(config.database_url) as s:
        queue(s, config, DAY, render)
        [chat] = queue_chat(s, config, DAY, speech(s, config, repo.alerts_of_day(s, DAY)))
        body = json.loads(chat.message)["body"]
        delivered = set(s.scalars(select(AlertDelivery.alert_id)))
        alerts = {a.kind: a.id for a in repo.alerts_of_day(s, DAY)}
    assert carried == [["price_move"]]
    assert delivered == {alerts["price_move"]}  # the muted ones are never marked sent
    assert "out of stock" not in body  # the muted critical alert is not in the chat
    assert set(alerts) == {"rank_drop", "stock_out", "price_move"}  # all still recorded


def test_the_eml_digest_leaves_muted_alerts_out_until_the_mute_ends(history: Config,
                                                                      tmp_path: Path) -> None:
    _mute_x_and_the_keyword(history)
    files = notify(history, DAY, [], eml_dir=tmp_path).files
    message = email.message_from_bytes(files["digest_eml"].read_bytes())
    text = "".join(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
                   for part in message.walk() if part.get_content_type() == "text/plain")
    assert "C1" in text and "Our A robot" not in text and "onerror" not in text
    with session_scope(history.database_url) as s:  # the next day the mutes have ended
        assert repo.active_mutes(s, DAY + dt.timedelta(days=1)).products == frozenset()
        assert s.scalar(select(OutboxMessage.id)) is None
