"""The outbox: every alert reaches every recipient exactly once, however many ``notify``,
``run`` and ``schedule`` processes send at the same time. Below, e-mail; chat messages
(``channel`` "chat", queued by ``monitor.notify.chat``) are claimed, sent, retried and put back
the same way, and a channel that fails does not hold the other one back.

``queue`` turns the day's alerts that no message carries to a recipient yet into one digest for
that recipient, stored rendered (bytes and Message-ID) together with one ``alert_deliveries``
row per alert, in one transaction: the unique (alert, recipient) key means an alert is put in
at most one message per recipient, ever. The first digest of a day is queued even without
alerts ("no alerts"), so that a quiet day still tells the operator that the run happened. Each
digest has its number of the day per recipient (``seq``, unique), so two processes queueing
the same day at once collide on a key and the later one queues nothing twice (its caller runs
``queue`` again, on what the other committed).

``deliver`` sends the queued messages, one SMTP transaction per message (one recipient each).
A message is *claimed* before the server hears of it: a compare-and-set UPDATE of its claim
(``claimed_by``, ``claimed_at``) from the one the sender saw to its own, on a message still
queued; of any number of processes at once exactly one wins (the others find the claim
changed: rowcount 0), on SQLite and PostgreSQL alike, one code path. The winner marks the
message sent as soon as the server has accepted it, in its own transaction; a failed send
drops the claim and leaves the message queued with its next try.

A claim holds for a lease (``lease``: far longer than one SMTP attempt may take; renewed
before each retry), and no longer than its process lives when that process is on this machine
(a killed ``notify`` leaves a claim that the next run takes over at once). A claim past its
lease is a sender that died elsewhere or hangs, and any sender may take the message over. This
makes the outbox *at-least-once*, on purpose: the only duplicate it can produce is a message
the server accepted in the instant before the sender that claimed it was killed (or hung past
its lease) and could record it, and that copy carries the same Message-ID, which mail clients
show once. The at-most-once alternative (never take over a claim) would lose that message's
alerts silently, and a monitor's alert that never arrives is the worse failure.

A failed send (server down, refused, a certificate that does not verify, a login refused,
timeout) is tried again ``email.retries`` times with exponential backoff in the same run, then
stays queued with the error and ``next_attempt_at`` (5 minutes doubling per attempt, at most
6 hours). The back-off paces the automatic senders (``run``, ``schedule``); a person's
``notify`` (``paced=False``) sends every queued message that is not being sent right now.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update
from sqlalchemy.orm import Session

from config import Config, EmailConfig, RecipientList
from db.models import Alert, AlertDelivery, OutboxMessage, utcnow
from db.repo import holder_alive, sendable_alerts
from db.session import session_scope
from monitor.notify.chat import ChatError, send_chat
from monitor.notify.mailer import SendError, send_bytes

log = logging.getLogger(__name__)
FIRST_BACKOFF = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)
MIN_LEASE = dt.timedelta(minutes=10)  # a claim older than its lease: the sender is gone

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
    alerts = sendable_alerts(session, day)  # muted ones are recorded, not sent
    queued = []
    for team in recipient_lists(config):
        wanted = [a for a in alerts if team.wants(a)]
        title = None if team.name == "all" and not config.email.lists else team.name
        for recipient in team.recipients:
            carried = set(session.scalars(select(AlertDelivery.alert_id).where(
                AlertDelivery.recipient == recipient,
                AlertDelivery.alert_id.in_([a.id for a in wanted]))))
            pending = [a for a in wanted if a.id not in carried]
            last = session.scalar(select(func.max(OutboxMessage.seq)).where(
                OutboxMessage.day == day, OutboxMessage.recipient == recipient))
            if not pending and last is not None:
                continue
            message = render(pending, recipient, title)
            row = OutboxMessage(day=day, recipient=recipient, subject=str(message["Subject"]),
                                message_id=str(message["Message-ID"]),
                                # SMTP lines end in CRLF; smtplib does not convert bytes
                                message=message.as_bytes(
                                    policy=message.policy.clone(linesep="\r\n")),
                                status="queued", attempts=0, seq=(last or 0) + 1)
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
    waiting: int = 0  # queued messages whose next try is later (or after a failure: the rest)
    busy: int = 0  # messages another process is sending right now
    error: str | None = None


def lease(email: EmailConfig) -> dt.timedelta:
    """How long a claim holds: one SMTP attempt is some 15 socket operations, each bounded by
    ``email.timeout_s``; never less than ``MIN_LEASE``."""
    return max(MIN_LEASE, dt.timedelta(seconds=20 * email.timeout_s))


def _backoff(attempts: int) -> dt.timedelta:
    wait: dt.timedelta = FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_BACKOFF)


def sender_name() -> str:
    """Who claims: ``host:pid:nonce`` (a nonce per ``deliver`` call)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def deliver(config: Config, now: dt.datetime | None = None,
            sleep: Callable[[float], Any] = time.sleep, paced: bool = True,
            channels: Sequence[str] | None = None) -> Delivery:
    """Send what is due in the outbox, oldest first, each message claimed first; stop at a
    server that does not answer (per channel: e-mail, chat). ``paced``: a message waits for
    its ``next_attempt_at`` (the automatic senders); without, every queued message is due (a
    person's ``notify``). ``channels``: only these (None: all)."""
    now = now or utcnow()
    me = sender_name()
    result = Delivery()
    with session_scope(config.database_url) as session:  # (not the messages' bytes)
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.next_attempt_at,
                   OutboxMessage.claimed_by, OutboxMessage.claimed_at, OutboxMessage.channel)
            .where(OutboxMessage.status == "queued",
                   true() if channels is None else OutboxMessage.channel.in_(channels))
            .order_by(OutboxMessage.id)).all()
    checked, held_for = utcnow(), lease(config.email)
    due: dict[str, list[tuple[int, str, _Claim]]] = {}  # per channel
    for outbox_id, recipient, next_try, claimed_by, claimed_at, channel in rows:
        if claimed_at is not None and holder_alive(claimed_by or "", claimed_at, checked,
                                                   held_for):
            result.busy += 1
        elif paced and next_try is not None and next_try > now:
            result.waiting += 1
        else:
            due.setdefault(channel, []).append(
                (outbox_id, recipient, _Claim(claimed_by, claimed_at)))
    for channel, messages in due.items():  # a mail server down does not hold the chats
        _deliver_channel(config, channel, messages, me, now, paced, sleep, result)
    return result


def _deliver_channel(config: Config, channel: str, due: list[tuple[int, str, _Claim]],
                     me: str, now: dt.datetime, paced: bool, sleep: Callable[[float], Any],
                     result: Delivery) -> None:
    """Send one channel's due messages in order, each claimed first; stop at the first that
    fails (the server or the bot does not answer: the rest waits for the next run)."""
    for index, (outbox_id, recipient, seen) in enumerate(due):
        mine = _Claim(me, utcnow())
        if not _claim(config, outbox_id, seen, mine, now if paced else None):
            result.busy += 1  # another sender was quicker
            continue
        try:
            error = _send_with_retries(config, outbox_id, mine, recipient, sleep, channel)
        except _LeaseLost:
            log.warning("%s to %s: taken over by another sender during retries", channel,
                        recipient)
            result.busy += 1
            continue
        if error is None:
            _mark_sent(config, outbox_id, me)
            result.sent.append(recipient)
            continue
        _put_back(config, outbox_id, mine, error, now)
        log.warning("%s to %s not sent, stays queued: %s", channel, recipient, error)
        result.failed.append(recipient)
        result.error = result.error or error
        result.waiting += len(due) - index - 1  # the server is down: the rest waits too
        break


@dataclass
class _Claim:
    by: str | None
    at: dt.datetime | None

    def holds(self) -> ColumnElement[bool]:
        """The message's claim is still this one."""
        return and_(OutboxMessage.claimed_by.is_(None) if self.by is None
                    else OutboxMessage.claimed_by == self.by,
                    OutboxMessage.claimed_at.is_(None) if self.at is None
                    else OutboxMessage.claimed_at == self.at)


class _LeaseLost(Exception):
    """Another sender took the message over (this one's claim had outlived its lease)."""


def _claim(config: Config, outbox_id: int, seen: _Claim, mine: _Claim,
           due_by: dt.datetime | None) -> bool:
    """Compare-and-set: replace the claim ``seen`` (none, past its lease, or a dead
    process's) with ``mine`` on a message still queued and due by ``due_by`` (None: any).
    True when this sender won it; of two at once, the second finds the claim changed."""
    due = true() if due_by is None else or_(OutboxMessage.next_attempt_at.is_(None),
                                            OutboxMessage.next_attempt_at <= due_by)
    with session_scope(config.database_url) as session:
        taken = session.execute(update(OutboxMessage).where(
            OutboxMessage.id == outbox_id, OutboxMessage.status == "queued", due,
            seen.holds()).values(claimed_by=mine.by, claimed_at=mine.at))
        return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def _renew(config: Config, outbox_id: int, mine: _Claim) -> None:
    """Before a retry: the claim starts its lease again (``_LeaseLost`` if it is gone)."""
    renewed = utcnow()
    with session_scope(config.database_url) as session:
        kept = session.execute(update(OutboxMessage).where(
            OutboxMessage.id == outbox_id, OutboxMessage.status == "queued", mine.holds())
            .values(claimed_at=renewed))
        if kept.rowcount != 1:  # type: ignore[attr-defined]
            raise _LeaseLost
    mine.at = renewed


def _mark_sent(config: Config, outbox_id: int, me: str) -> None:
    """The server accepted the message: record it (the claim stays: who sent it), and its
    alerts as notified."""
    with session_scope(config.database_url) as session:
        row = session.get_one(OutboxMessage, outbox_id)
        if row.claimed_by != me:  # taken over after our lease: both copies went out
            log.warning("e-mail %s sent twice: its sender outlived its lease", outbox_id)
        if row.status == "sent":
            return
        row.status, row.sent_at, row.last_error = "sent", utcnow(), None
        row.claimed_by, row.attempts = me, row.attempts + 1
        session.execute(update(Alert).where(
            Alert.id.in_(select(AlertDelivery.alert_id).where(
                AlertDelivery.outbox_id == outbox_id)),
            Alert.notified_at.is_(None)).values(notified_at=utcnow()))


def _put_back(config: Config, outbox_id: int, mine: _Claim, error: str,
              now: dt.datetime) -> None:
    """Not sent: unclaimed again, with the error and its next try (if the claim is ours)."""
    with session_scope(config.database_url) as session:
        row = session.get_one(OutboxMessage, outbox_id)
        attempts = row.attempts + 1 + config.email.retries
        session.execute(update(OutboxMessage).where(
            OutboxMessage.id == outbox_id, OutboxMessage.status == "queued", mine.holds())
            .values(claimed_by=None, claimed_at=None, attempts=attempts, last_error=error,
                    next_attempt_at=now + _backoff(attempts)))


def _send_with_retries(config: Config, outbox_id: int, mine: _Claim, recipient: str,
                       sleep: Callable[[float], Any], channel: str = "email") -> str | None:
    """Send one stored message, tried ``email.retries`` more times (e-mails and chat
    messages alike); the last error, or None once sent."""
    with session_scope(config.database_url) as session:
        data = session.get_one(OutboxMessage, outbox_id).message
    error = None
    for attempt in range(config.email.retries + 1):
        if attempt:
            sleep(config.email.retry_backoff_s * 2 ** (attempt - 1))
            _renew(config, outbox_id, mine)
        try:
            if channel == "chat":
                send_chat(data, recipient, config)
            else:
                send_bytes(data, recipient, config.email)
            return None
        except (SendError, ChatError) as exc:
            error = str(exc)
    return error
