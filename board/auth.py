"""Who may use the board: passwords (argon2), the session secret, CSRF tokens, the login
rate limit, roles.

- Without board users, the board serves only a local address (127.0.0.1) and everyone is an
  editor; with users, every page asks for a login.
- Sessions are Starlette's signed cookies (itsdangerous), HttpOnly and SameSite=Lax; their
  secret lives in a file beside the config (``board-secret``, mode 600), made once.
- Every POST form carries the session's CSRF token (``csrf``); a POST without it is refused.
- Logins are limited per user name and client address (``LOGIN_ATTEMPTS`` a minute).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("editor", "viewer")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SECRET_FILE = "board-secret"
LOGIN_ATTEMPTS = 5  # per user name and client address ...
LOGIN_WINDOW_S = 60.0  # ... in this many seconds
CSRF_FIELD = "csrf"

_hasher = PasswordHasher()
# verified when the user does not exist, so that a wrong name costs the time a wrong password
# does (no user enumeration by timing)
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def load_secret(path: Path) -> str:
    """The session secret kept in ``path`` (mode 600), made the first time."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # someone loosened it: only the owner may read a signing key
        secret = path.read_text("utf-8").strip()
        if len(secret) < 32:
            raise ValueError(f"{path} holds no usable secret: delete it to make a new "
                             "one") from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_ok(session: dict[str, Any], submitted: object) -> bool:
    expected = session.get(CSRF_FIELD)
    return (isinstance(expected, str) and bool(expected) and isinstance(submitted, str)
            and secrets.compare_digest(expected, submitted))


class RateLimit:
    """At most ``limit`` events per key in ``window`` seconds (in memory, per process: the
    board is one process)."""

    def __init__(self, limit: int = LOGIN_ATTEMPTS, window: float = LOGIN_WINDOW_S) -> None:
        self.limit, self.window = limit, window
        self._events: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple[str, str], now: float | None = None) -> bool:
        """Count an attempt; False when ``key`` has used up its attempts."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:  # forget idle keys
                for stale in [k for k, v in self._events.items() if not v]:
                    del self._events[stale]
            return True
