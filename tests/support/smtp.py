"""A local SMTP server's inbox (aiosmtpd handler) and free ports, for the mail tests."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, NamedTuple


class Received(NamedTuple):
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    content: bytes
    logged_in: bool
    tls: bool


class Inbox:
    """Records what the server accepted; ``delay`` per message keeps concurrent senders in
    each other's way."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        tls = session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.content, bool(session.authenticated), tls))
        return "250 OK"

    def recipients(self) -> list[str]:
        return sorted(r for message in self.messages for r in message.recipients)


def free_port() -> int:
    """A local port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
