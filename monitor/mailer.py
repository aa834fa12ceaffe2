"""Deliver a digest: over SMTP (STARTTLS, SSL or plain) or as an ``.eml`` file."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from config import EmailConfig


class SendError(Exception):
    """The SMTP server could not be reached or refused the message."""


def write_eml(message: EmailMessage, directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(bytes(message))
    return path


def send_smtp(message: EmailMessage, email: EmailConfig) -> None:
    """Send to all configured recipients at once."""
    _send(email, lambda smtp: smtp.send_message(message, from_addr=email.sender,
                                                to_addrs=email.recipients or [email.sender]))


def send_bytes(data: bytes, recipient: str, email: EmailConfig) -> None:
    """Send a stored message to one recipient (the outbox's unit of delivery)."""
    _send(email, lambda smtp: smtp.sendmail(email.sender, [recipient], data))


def _send(email: EmailConfig, transaction: Callable[[smtplib.SMTP], object]) -> None:
    """Connect with the configured security, log in, run ``transaction``; the password comes
    from the environment only."""
    if not email.host:
        raise SendError("no SMTP host configured")
    try:
        smtp: smtplib.SMTP
        if email.security == "ssl":
            smtp = smtplib.SMTP_SSL(email.host, email.port, timeout=email.timeout_s,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(email.host, email.port, timeout=email.timeout_s)
        with smtp:
            if email.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            password = email.password()
            if email.user and password:
                smtp.login(email.user, password)
            transaction(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        # The message names the server, never the password.
        raise SendError(f"sending to {email.host}:{email.port} failed: "
                        f"{type(exc).__name__}: {exc}") from None
