"""Send (or write) the day's digest: through the outbox over SMTP, or as an ``.eml`` file.

It reads the alerts detection stored and receives the week's visibility from its caller
(``monitor.runner.visibility_of_day``): nothing here runs detection."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Config
from db.models import Alert
from db.repo import alerts_of_day, sendable_alerts
from db.session import session_scope
from monitor import history
from monitor.notify.charts import charts_for
from monitor.notify.chat import queue_chat
from monitor.notify.digest import Speech, build_message, ordered
from monitor.notify.explain import product_names
from monitor.notify.mailer import write_eml
from monitor.notify.outbox import Delivery, deliver, queue
from monitor.rules import Visibility

QUEUE_TRIES = 5
log = logging.getLogger(__name__)


@dataclass
class NotifyResult:
    files: dict[str, Path] = field(default_factory=dict)  # .eml written instead of sending
    queued: int = 0  # digests queued by this call
    delivery: Delivery | None = None  # what the outbox sent (None: nothing to send)
    chat_queued: int = 0  # chat messages queued by this call

    @property
    def error(self) -> str | None:
        return self.delivery.error if self.delivery else None


def notify(config: Config, day: dt.date, seen: Sequence[Visibility],
           eml_dir: Path | None = None,
           dry_run: bool = False, now: dt.datetime | None = None,
           paced: bool = True) -> NotifyResult:
    """Deliver the digest of ``day`` (``seen``: the week's visibility per keyword group, from
    ``monitor.runner.visibility_of_day``) and the chat messages (``[[notify.chat]]``).

    With an SMTP host: queue a digest per recipient of the alerts nothing has carried to them
    yet; with chat bots, a message per bot of the day's headline and the critical alerts not
    carried to it yet; then send everything due in the outbox (earlier days' failed sends too;
    ``paced`` False: every queued message, whatever its back-off, as a person's ``notify``
    means). Without an SMTP host, or with ``dry_run``: write the digest of all the day's
    alerts as ``.eml`` into ``eml_dir`` (no digest is queued or marked sent; a dry run sends
    no chat message either).
    """
    files: dict[str, Path] = {}
    if dry_run or not config.email.host:
        with session_scope(config.database_url) as session:
            alerts = ordered(sendable_alerts(session, day))  # muted: recorded, not sent
            message = build_message(day, alerts, history.runs_of_day(session, day),
                                    config.email.sender, config.email.recipients,
                                    charts_for(session, alerts, day,
                                               language=config.language),
                                    seen, speech=speech(session, config, alerts))
        directory = eml_dir or Path(config.export_dir)
        files["digest_eml"] = write_eml(message, directory, f"digest-{day}.eml")
        if dry_run or not config.notify.chat:
            return NotifyResult(files)
    queued, chats = _queue_day(config, day, seen)
    channels = None if config.email.host else ("chat",)
    return NotifyResult(files, queued, deliver(config, now, paced=paced, channels=channels),
                        chats)


def speech(session: Session, config: Config, alerts: Sequence[Alert]) -> Speech:
    """The config's language and board, and the names of the alerts' products."""
    return Speech(config.language, config.board.url, product_names(session, alerts))


def _queue_day(config: Config, day: dt.date, seen: Sequence[Visibility]) -> tuple[int, int]:
    """Queue the day's digests and chat messages (how many of each); when another process
    queues the same day at the same moment, one of the two transactions hits the outbox's
    unique keys and looks again at what the other committed (so nothing is queued twice)."""
    for attempt in range(1, QUEUE_TRIES + 1):
        try:
            return _queue_once(config, day, seen)
        except IntegrityError:
            if attempt == QUEUE_TRIES:
                raise
            log.info("digests of %s queued by another process at the same time; again", day)
    raise AssertionError("unreachable")


def _queue_once(config: Config, day: dt.date, seen: Sequence[Visibility]) -> tuple[int, int]:
    with session_scope(config.database_url) as session:
        runs = history.runs_of_day(session, day)

        drawn: dict[int, bytes | None] = {}  # digests that share an alert share its chart

        def render(alerts: Sequence[Alert], recipient: str, title: str | None
                   ) -> EmailMessage:
            alerts = ordered(alerts)
            return build_message(day, alerts, runs, config.email.sender, [recipient],
                                 charts_for(session, alerts, day, drawn=drawn,
                                            language=config.language), seen, title,
                                 speech(session, config, alerts))

        digests = queue(session, config, day, render) if config.email.host else []
        chats = queue_chat(session, config, day, speech(
            session, config, alerts_of_day(session, day)))
        return len(digests), len(chats)
