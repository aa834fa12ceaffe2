"""Structured logs: one JSON object per line, in a size-rotated file, plus the console.

``logging.handlers.RotatingFileHandler`` does the rotation (``shopwatch.log``,
``shopwatch.log.1`` ... ``.N``); the formatter below is the only hand-written part: the
standard library has no JSON formatter, and one class is lighter than another dependency.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
from pathlib import Path
from typing import Any

from config import Config

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(config: Config, base: Path | None = None, console: bool = True) -> Path:
    """Log to ``<logging.dir>/shopwatch.log`` (relative to ``base``, the config's folder);
    returns the file's path."""
    directory = Path(config.logging.dir)
    if not directory.is_absolute() and base is not None:
        directory = base / directory
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "shopwatch.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_shopwatch", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=config.logging.max_bytes, backupCount=config.logging.backups,
        encoding="utf-8")
    file_handler.setFormatter(JsonFormatter())
    handlers: list[logging.Handler] = [file_handler]
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers.append(stream)
    for handler in handlers:
        handler._shopwatch = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(config.logging.level)
    return path
