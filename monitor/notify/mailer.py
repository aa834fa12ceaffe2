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


def tls_context(email: EmailConfig) -> ssl.SSLContext:
    """The context that checks the server's certificate: against ``email.ca_file`` (a company
    CA) or, without one, the system's CAs. Always verified, host name included."""
    try:
        return ssl.create_default_context(cafile=email.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"email.ca_file {email.ca_file}: not a readable PEM file of CA "
                        f"certificates ({exc})") from None


def _send(email: EmailConfig, transaction: Callable[[smtplib.SMTP], object]) -> None:
    """Connect with the configured security, log in, run ``transaction``; the password comes
    from the environment only. Every failure is a ``SendError`` of one line that says what to
    check, and never holds the password."""
    if not email.host:
        raise SendError("no SMTP host configured")
    password = email.password()
    if email.user and not password:
        raise SendError(f"email.user is {email.user!r} but the environment variable "
                        f"{email.password_env} (email.password_env) is not set")
    server = f"{email.host}:{email.port}"
    context = tls_context(email) if email.security != "none" else None
    try:
        smtp: smtplib.SMTP
        if email.security == "ssl":
            smtp = smtplib.SMTP_SSL(email.host, email.port, timeout=email.timeout_s,
                                    context=context)
        else:
            smtp = smtplib.SMTP(email.host, email.port, timeout=email.timeout_s)
        with smtp:
            if email.security == "starttls":
                smtp.starttls(context=context)
            if email.user and password:
                smtp.login(email.user, password)
            transaction(smtp)
    except ssl.SSLCertVerificationError as exc:
        raise SendError(f"the certificate of {server} does not verify ({exc.verify_message}): "
                        "set email.ca_file to the PEM of the CA that signed it") from None
    except ssl.SSLError as exc:
        raise SendError(f"TLS with {server} failed ({exc.reason or exc}): check email.security "
                        f"({email.security}) and email.port") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"{server} refused the login of {email.user!r}: {_reply(exc)}; check "
                        f"email.user and ${email.password_env}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"{server}: {exc} (check email.security: {email.security})") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{server} refused: {_reply(exc)}") from None
    except (OSError, smtplib.SMTPException) as exc:
        # The message names the server, never the password.
        raise SendError(f"sending to {server} failed: {type(exc).__name__}: {exc}") from None


def _reply(exc: smtplib.SMTPResponseException) -> str:
    """The server's reply on one line: ``535 5.7.8 Authentication credentials invalid``."""
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return " ".join(f"{exc.smtp_code} {text}".split())
