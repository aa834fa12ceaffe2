"""Chat messages: the day's headline and its critical alerts to WeCom, DingTalk and Feishu bots
(``[[notify.chat]]``), through Apprise and the outbox.

``queue_chat`` puts, per bot, one message into the outbox (``channel`` "chat", recipient
``chat:NAME``) with one ``alert_deliveries`` row per critical alert it carries, in the caller's
transaction: the day's first message goes even without a critical alert (the headline says
the run happened), a rerun of the day queues a message only for critical alerts no message
carried to that bot yet. The outbox then claims and sends it exactly like an e-mail (once,
also after the service was down: a failed send stays queued with its next try).

``send_chat`` posts one stored message through Apprise. The bot's URL may hold
``${NAME}`` placeholders, filled from the environment only when sending (the key stays out of
the config file and the database, as the SMTP password does). Apprise's WeCom, DingTalk and
Feishu plugins post to their fixed hosts (``notify_url``); the tests point that class attribute
at a local server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from email.utils import make_msgid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Config, i18n
from config.schema import ChatConfig
from db.models import AlertDelivery, OutboxMessage
from db.repo import sendable_alerts
from monitor.notify import explain
from monitor.notify.digest import Speech, headline, ordered, subject_line

CHAT_PREFIX = "chat:"
MAX_ALERTS = 8  # critical alerts listed in one message; the rest are counted (WeCom: 2 KB)
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
log = logging.getLogger(__name__)


class ChatError(Exception):
    """A chat message could not be sent (one line, never the bot's key)."""


def chat_recipient(chat: ChatConfig) -> str:
    """The bot as the outbox names it: ``chat:NAME``, or the scheme and a hash of the URL as
    written (placeholders unexpanded, so no secret reaches the database)."""
    if chat.name:
        return f"{CHAT_PREFIX}{chat.name}"
    digest = hashlib.sha256(chat.url.encode("utf-8")).hexdigest()[:10]
    return f"{CHAT_PREFIX}{chat.label()}-{digest}"


def render_chat(day: dt.date, alerts: Sequence[Any], critical: Sequence[Any],
                speech: Speech) -> tuple[str, str]:
    """(title, body): the day's headline, the board's overview, the critical alerts with their
    board pages (the first ``MAX_ALERTS``, then how many more)."""
    language, board = speech.language, speech.board
    catalog = i18n.translations(language)
    _ = catalog.gettext
    title = subject_line(day, alerts, None, language)
    lines = []
    if (overview := explain.overview_link(board, day)) is not None:
        lines.append(f"{_('On the board:')} {overview}")
    if critical:
        lines.append(_("Critical alerts:"))
    for alert in critical[:MAX_ALERTS]:
        where = f"[{alert.site}] " if alert.site else ""
        lines.append(f"• {where}{explain.explain(alert, language, speech.names)}")
        if (link := explain.alert_link(board, alert)) is not None:
            lines.append(f"  {link}")
    if len(critical) > MAX_ALERTS:
        more = len(critical) - MAX_ALERTS
        lines.append(catalog.ngettext("… and %(n)d more critical alert",
                                      "… and %(n)d more critical alerts", more) % {"n": more})
    if not lines:
        lines.append(headline(alerts, language))
    return title, "\n".join(lines)


def queue_chat(session: Session, config: Config, day: dt.date, speech: Speech
               ) -> list[OutboxMessage]:
    """Queue each bot's message of the day (see the module's docstring)."""
    if not config.notify.chat:
        return []
    alerts = ordered(sendable_alerts(session, day))  # muted ones are recorded, not sent
    critical = [a for a in alerts if a.severity == "critical"]
    queued = []
    for chat in config.notify.chat:
        recipient = chat_recipient(chat)
        carried = set(session.scalars(select(AlertDelivery.alert_id).where(
            AlertDelivery.recipient == recipient,
            AlertDelivery.alert_id.in_([a.id for a in critical]))))
        pending = [a for a in critical if a.id not in carried]
        last = session.scalar(select(func.max(OutboxMessage.seq)).where(
            OutboxMessage.day == day, OutboxMessage.recipient == recipient))
        if not pending and last is not None:
            continue
        title, body = render_chat(day, alerts, pending, speech)
        row = OutboxMessage(day=day, recipient=recipient, subject=title, channel="chat",
                            message_id=make_msgid(domain="shopwatch.local"),
                            message=json.dumps({"title": title, "body": body},
                                               ensure_ascii=False).encode("utf-8"),
                            status="queued", attempts=0, seq=(last or 0) + 1)
        session.add(row)
        session.flush()
        session.add_all(AlertDelivery(alert_id=a.id, recipient=recipient, outbox_id=row.id)
                        for a in pending)
        session.flush()
        queued.append(row)
    return queued


def expand(url: str, env: os._Environ[str] | dict[str, str] = os.environ) -> str:
    """The bot's URL with ``${NAME}`` filled from the environment."""
    missing = [name for name in PLACEHOLDER.findall(url) if not env.get(name)]
    if missing:
        raise ChatError(f"the environment variable {missing[0]} (in a [[notify.chat]] url) "
                        "is not set")
    return PLACEHOLDER.sub(lambda m: env[m.group(1)], url)


def send_chat(data: bytes, recipient: str, config: Config) -> None:
    """Post a stored chat message to the bot ``recipient`` names; ``ChatError`` when the bot
    is no longer configured, its URL is not usable, or Apprise could not deliver."""
    import apprise

    chat = next((c for c in config.notify.chat if chat_recipient(c) == recipient), None)
    if chat is None:
        raise ChatError(f"{recipient}: no such [[notify.chat]] in the config any more")
    message = json.loads(data.decode("utf-8"))
    url = expand(chat.url)
    secrets = [os.environ[name] for name in PLACEHOLDER.findall(chat.url)]
    bot = apprise.Apprise()
    scheme = chat.url.split("://", 1)[0]
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        added = bot.add(url)
        sent = added and bot.notify(body=message["body"], title=message["title"],
                                    body_format=apprise.NotifyFormat.TEXT)
        detail = " ".join(captured.getvalue().split())
    for secret in secrets:  # what Apprise logged never carries the key on
        detail = detail.replace(secret, "***")
    if not added:
        raise ChatError(f"{recipient}: Apprise cannot use this {scheme}:// url "
                        f"({detail or 'check it'})")
    if not sent:
        raise ChatError(f"{recipient}: {detail or 'not delivered'}")
