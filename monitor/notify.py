"""Send (or write) the day's digest and record which alerts went out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import update

from config import Config
from db.models import Alert, utcnow
from db.session import session_scope
from monitor import history
from monitor.digest import build_message
from monitor.mailer import send_smtp, write_eml
from monitor.runner import alerts_of_day


def notify(config: Config, day: dt.date, eml_dir: Path | None = None,
           dry_run: bool = False) -> dict[str, Path]:
    """Deliver the digest of ``day``: by SMTP when a host is set, else as ``.eml`` in eml_dir.

    Returns the files written. Alerts are marked notified only after a successful send.
    """
    with session_scope(config.database_url) as session:
        alerts = alerts_of_day(session, day)
        runs = history.runs_of_day(session, day)
        message = build_message(day, alerts, runs, config.email.sender, config.email.recipients)
        ids = [a.id for a in alerts]
    if dry_run or not config.email.host:
        directory = eml_dir or Path(config.export_dir)
        return {"digest_eml": write_eml(message, directory, f"digest-{day}.eml")}
    send_smtp(message, config.email)
    with session_scope(config.database_url) as session:
        session.execute(update(Alert).where(Alert.id.in_(ids), Alert.notified_at.is_(None))
                        .values(notified_at=utcnow()))
    return {}

