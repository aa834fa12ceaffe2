"""The e-mail outbox: every alert reaches every recipient exactly once.

``queue`` turns the day's alerts that no message carries to a recipient yet into one digest for
that recipient, stored rendered (bytes and Message-ID) together with one ``alert_deliveries``
row per alert, in one transaction: the unique (alert, recipient) key means an alert is put in
at most one message per recipient, ever. The first digest of a day is queued even without
alerts ("no alerts"), so that a quiet day still tells the operator that the run happened.

``deliver`` sends the queued messages, one SMTP transaction per message (one recipient each),
and marks each one sent in its own transaction as soon as the server has accepted it. A
process killed in the middle leaves the messages not yet accepted queued; the next run sends
those, and only those. What no mail client can rule out is a kill in the instant between the
server's acceptance and that commit: the message would go again with the same Message-ID,
which mail clients show once.

A failed send (server down, refused, timeout) is tried again ``email.retries`` times with
exponential backoff in the same run, then stays queued with the error and ``next_attempt_at``
(5 minutes doubling per attempt, at most 6 hours); the next run that comes after that time
sends it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import Config, RecipientList
from db.models import Alert, AlertDelivery, OutboxMessage, utcnow
from db.session import session_scope
from monitor.mailer import SendError, send_bytes

log = logging.getLogger(__name__)
FIRST_BACKOFF = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)

Render = Callable[[Sequence[Alert], str, str | None], EmailMessage]
# (alerts, recipient, the recipient list's name or None) -> message


def recipients(config: Config) -> list[str]:
    return list(config.email.recipients) or [config.email.sender]


def recipient_lists(config: Config) -> list[RecipientList]:
    """The digest lists: ``email.recipients`` get every alert (a list without a name), then
    each ``email.lists`` team its own selection."""
    lists = list(config.email.lists)
    if config.email.recipients or not lists:
        lists.insert(0, RecipientList(name="all", recipients=recipients(config)))
    return lists


def queue(session: Session, config: Config, day: dt.date, render: Render) -> list[OutboxMessage]:
    """Queue, per recipient list and recipient, a digest of the day's alerts of that list that
    nothing carries to the recipient yet (a recipient in two lists gets each alert once)."""
    alerts = list(session.scalars(select(Alert).where(Alert.day == day).order_by(Alert.id)))
    queued = []
    for team in recipient_lists(config):
        wanted = [a for a in alerts if team.wants(a)]
        title = None if team.name == "all" and not config.email.lists else team.name
        for recipient in team.recipients:
            carried = set(session.scalars(select(AlertDelivery.alert_id).where(
                AlertDelivery.recipient == recipient,
                AlertDelivery.alert_id.in_([a.id for a in wanted]))))
            pending = [a for a in wanted if a.id not in carried]
            had_digest = session.scalar(select(OutboxMessage.id).where(
                OutboxMessage.day == day, OutboxMessage.recipient == recipient).limit(1))
            if not pending and had_digest is not None:
                continue
            message = render(pending, recipient, title)
            row = OutboxMessage(day=day, recipient=recipient, subject=str(message["Subject"]),
                                message_id=str(message["Message-ID"]),
                                # SMTP lines end in CRLF; smtplib does not convert bytes
                                message=message.as_bytes(
                                    policy=message.policy.clone(linesep="\r\n")),
                                status="queued", attempts=0)
            session.add(row)
            session.flush()
            session.add_all(AlertDelivery(alert_id=a.id, recipient=recipient,
                                          outbox_id=row.id) for a in pending)
            session.flush()
            queued.append(row)
    return queued


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)  # recipients
    failed: list[str] = field(default_factory=list)
    waiting: int = 0  # queued messages whose next try is later
    error: str | None = None


def _backoff(attempts: int) -> dt.timedelta:
    wait: dt.timedelta = FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_BACKOFF)


def deliver(config: Config, now: dt.datetime | None = None,
            sleep: Callable[[float], Any] = time.sleep) -> Delivery:
    """Send what is due in the outbox, oldest first; stop at a server that does not answer."""
    now = now or utcnow()
    result = Delivery()
    with session_scope(config.database_url) as session:  # (not the messages' bytes)
        queued = session.execute(
            select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == "queued").order_by(OutboxMessage.id)).all()
    due = [(outbox_id, recipient) for outbox_id, recipient, next_try in queued
           if next_try is None or next_try <= now]
    result.waiting = len(queued) - len(due)
    for index, (outbox_id, recipient) in enumerate(due):
        error = _send_with_retries(config, outbox_id, recipient, sleep)
        with session_scope(config.database_url) as session:
            row = session.get_one(OutboxMessage, outbox_id)
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", utcnow(), None
                row.attempts += 1
                session.execute(update(Alert).where(
                    Alert.id.in_(select(AlertDelivery.alert_id).where(
                        AlertDelivery.outbox_id == outbox_id)),
                    Alert.notified_at.is_(None)).values(notified_at=utcnow()))
                result.sent.append(recipient)
                continue
            row.attempts += 1 + config.email.retries
            row.last_error = error
            row.next_attempt_at = now + _backoff(row.attempts)
        log.warning("e-mail to %s not sent, stays queued: %s", recipient, error)
        result.failed.append(recipient)
        result.error = error
        result.waiting += len(due) - index - 1  # the server is down: the rest waits too
        break
    return result


def _send_with_retries(config: Config, outbox_id: int, recipient: str,
                       sleep: Callable[[float], Any]) -> str | None:
    with session_scope(config.database_url) as session:
        data = session.get_one(OutboxMessage, outbox_id).message
    error = None
    for attempt in range(config.email.retries + 1):
        if attempt:
            sleep(config.email.retry_backoff_s * 2 ** (attempt - 1))
        try:
            send_bytes(data, recipient, config.email)
            return None
        except SendError as exc:
            error = str(exc)
    return error
