"""What every command shares: the console, user errors, dates, loading the config, the one
line a database error is shown as, and scraped text made inert for a terminal, an e-mail or
a link (``inert``, ``json_text``, ``http_url``; the digest uses them too)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from typing import Any

from rich.console import Console

from config import Config, load_config
from crawlers.pagetext.clean import BREAKS, CONTROLS, TERMINAL, is_http_link, pair_surrogates

console = Console(stderr=True, highlight=False)

# Exit statuses (README): 2 a user's mistake or a database that cannot be used; 3 ``run``'s
# digest is not sent (queued); 4 a step failed (a crawl run failed or was blocked).
EXIT_USER_ERROR, EXIT_MAIL_QUEUED, EXIT_STEP_FAILED = 2, 3, 4


class UserError(Exception):
    """A mistake in how ShopWatch was called: shown as a message, exit status 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _config(args: argparse.Namespace) -> Config:
    """The validated config, loaded once per command (the dispatcher in ``monitor.cli`` has
    brought its database to the latest schema already when the command uses one)."""
    config: Config | None = getattr(args, "loaded_config", None)
    if config is None:
        config = args.loaded_config = load_config(args.config)
    return config


def positive(text: str) -> float:
    """An argparse type: a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def print_runs(config: Config, day: dt.date, spiders: list[str] | None = None,
               sites: list[str] | None = None) -> list[str]:
    """Print the day's crawl runs (of these spiders and sites); their statuses."""
    from db.session import session_scope
    from monitor.history import runs_of_day

    statuses = []
    with session_scope(config.database_url) as session:
        for run in runs_of_day(session, day):
            if (spiders and run.spider not in spiders) or (sites and run.site not in sites):
                continue
            statuses.append(run.status)
            print(inert(f"  {run.site}/{run.spider}: {run.status}, {run.items} items"
                        + (f" ({run.error_summary})" if run.error_summary else "")))
    return statuses


def _step(message: str) -> None:
    console.print(f"[dim]{dt.datetime.now():%H:%M:%S}[/dim] {message}")


# What to do about a database error, by a word of the driver's message (first match wins).
DB_HINTS = (
    (("refused", "could not connect", "could not translate host", "timeout expired",
      "no route to host", "name or service not known"),
     "is the server running? check database_url or $SHOPWATCH_DATABASE_URL"),
    (("password authentication", "authentication failed", "role ", "permission denied",
      "readonly database", "read-only"),
     "check the user and its rights (database_url or $SHOPWATCH_DATABASE_URL)"),
    (("unable to open database file", "not a directory", "file exists"),
     "check that the SQLite file's folder exists and is writable (database_url)"),
    (("database is locked",), "another process holds the database; try again when it is done"),
    (('fatal:  database "', "fatal: database \""),
     "create that database (e.g. `createdb NAME`) or fix database_url"),
    (("no module named", "can't load plugin", "nosuchmoduleerror"),
     "no driver for this kind of database: use sqlite:///FILE or "
     "postgresql+psycopg://USER@HOST/DB"),
    (("no such table", "no such column", "does not exist", "undefinedtable"),
     "its schema is not ShopWatch's current one: run `shopwatch db upgrade`, or check that "
     "database_url names ShopWatch's database"),
)


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable URL)"


def db_error_line(exc: BaseException, url: str | None) -> str:
    """One line for a database error: which database, what failed, what to do."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    detail = lines[0] if lines else type(cause).__name__
    if url:
        detail = detail.replace(url, masked_url(url))
    detail = detail[:200] + ("…" if len(detail) > 200 else "")
    lowered = f"{type(cause).__name__} {detail}".lower()
    hint = next((h for words, h in DB_HINTS if any(w in lowered for w in words)),
                "check database_url or $SHOPWATCH_DATABASE_URL")
    where = masked_url(url) if url else "(no database configured)"
    return f"database {where}: {detail} — {hint}"


# -- scraped text on the way out -------------------------------------------------------------
# What is in a database already (or was just read from a page) is shown, never obeyed: a
# title's colour codes, window-title and bell sequences, backspaces or line breaks must not
# act on the terminal, forge lines or reach an e-mail.
# Raw in JSON output (json escapes C0 itself): DEL, C1, the JavaScript line breaks, surrogates.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def inert(text: str) -> str:
    """``text`` safe to print on one line of a terminal or an e-mail: terminal sequences and
    control characters removed, line breaks and tabs as spaces, lone surrogates as U+FFFD
    (a surrogate pair becomes its character)."""
    if text.isprintable():
        return text
    text = TERMINAL.sub("", pair_surrogates(text))
    return CONTROLS.sub("", BREAKS.sub(" ", text))


def json_text(value: Any) -> str:
    """``value`` as indented JSON that keeps the text as stored but carries no raw control
    character or lone surrogate (written as ``\\uXXXX`` escapes, which read back the same)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def http_url(url: object) -> str | None:
    """``url`` (made inert) if it is an absolute http(s) address, the only kind that may become
    a link; else None (``javascript:``, ``data:``, ``vbscript:``, relative or broken)."""
    if not isinstance(url, str):
        return None
    # a browser ignores the controls and spaces around an address and tabs or line breaks
    # inside its scheme; inert turns the latter into spaces, which no scheme contains
    candidate = inert(url).strip(" ")
    return candidate if is_http_link(candidate) else None
