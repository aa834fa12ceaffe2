"""How ``shopwatch extract`` reads its input (not a command): a saved page (.html, .json,
.jsonp, or any of them gzipped) or an address, within a time and size limit, refusing what is
no page (an image, an archive, binary data)."""

from __future__ import annotations

import gzip
import io
import re
import threading
import time
import urllib.request
import zlib
from http.client import HTTPException
from pathlib import Path
from typing import Any

from monitor.cliutil import UserError

EXTRACT_TIMEOUT_S, EXTRACT_MAX_MB = 30.0, 10.0
# What a page is not: files often saved or served in its place, by their first bytes.
NOT_PAGES = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
             (b"GIF8", "a GIF image"), (b"RIFF", "a RIFF file (WebP, WAV, AVI)"),
             (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"),
             (b"\x1f\x8b", "gzip data inside gzip data"), (b"\x7fELF", "a program"))
# Characters no text page is made of: over 5 % is binary data. C0 controls but tab, line
# breaks and form feed, and but the bell, backspace and escape a hostile title may carry
# (shown inert); DEL; the replacement character of bytes the decoder could not read.
BINARY_CHARS = re.compile("[\x00-\x06\x0b\x0e-\x1a\x1c-\x1f\x7f\ufffd]")
BINARY_SHARE = 0.05


def download(response: Any, source: str, limit: int, deadline: float) -> bytes | None:
    """The body, read chunk by chunk up to ``limit`` bytes; None once the deadline passed."""
    too_big = UserError(f"{source}: larger than {limit / 1e6:g} MB (--max-size)")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    while time.monotonic() < deadline:
        if not (chunk := response.read1(65536)):
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return None


def fetch(source: str, timeout: float, limit: int) -> tuple[bytes, str]:
    """(body, final URL) of an address, within ``timeout`` seconds in all (a server that drips
    its headers or its body is cut off) and at most ``limit`` bytes."""
    deadline = time.monotonic() + timeout
    outcome: list[tuple[bytes, str] | Exception] = []

    def fetch() -> None:  # in a thread: nothing the server does outlasts the deadline
        request = urllib.request.Request(source, headers={"User-Agent": "ShopWatch/0.1"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if (body := download(response, source, limit, deadline)) is not None:
                    outcome.append((body, response.geturl()))
        except (OSError, HTTPException, ValueError) as exc:
            outcome.append(UserError(f"cannot fetch {source}: {exc}"))
        except Exception as exc:  # handed to the caller's thread and raised there
            outcome.append(exc)

    worker = threading.Thread(target=fetch, name="extract-fetch", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise UserError(f"cannot fetch {source}: no complete answer within {timeout:g} s "
                        "(--timeout)")
    if isinstance(result := outcome[0], Exception):
        raise result
    return result


def gunzip(body: bytes, source: str, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise UserError(f"{source}: broken gzip data ({exc})") from None
    if len(data) > limit:
        raise UserError(f"{source}: larger than {limit / 1e6:g} MB unpacked (--max-size)")
    return data


def read_bytes(source: str, url: str | None, timeout: float = EXTRACT_TIMEOUT_S,
                max_mb: float = EXTRACT_MAX_MB) -> tuple[bytes, str | None]:
    """(body, URL) of a saved file (.html, .json, .jsonp, or any of them gzipped) or of an
    address; an image, archive or other file that is no page is refused by its first bytes."""
    limit = int(max_mb * 1e6)
    if source.startswith(("http://", "https://")):
        body, final = fetch(source, timeout, limit)
        url = url or final
    else:
        path = Path(source)
        if not path.is_file():
            raise UserError(f"{source}: no such file")
        if path.stat().st_size > limit:
            raise UserError(f"{source}: larger than {max_mb:g} MB (--max-size)")
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UserError(f"{source}: cannot read: {exc.strerror or exc}") from None
    if body.startswith(b"\x1f\x8b"):
        body = gunzip(body, source, limit)
    kind = next((name for magic, name in NOT_PAGES if body.startswith(magic)), None)
    if kind:
        raise UserError(f"{source}: {kind}, not a web page")
    return body, url


def text_page(text: str, source: str) -> str:
    """``text`` unless it is binary data read as text (a page is not made of controls)."""
    sample = text[:65536]
    if len(BINARY_CHARS.findall(sample)) > BINARY_SHARE * len(sample):
        raise UserError(f"{source}: binary data, not a web page")
    return text


def read_page(source: str, url: str | None, timeout: float = EXTRACT_TIMEOUT_S,
               max_mb: float = EXTRACT_MAX_MB) -> tuple[str, str | None]:
    """(HTML text, URL) of a saved page or an address, decoded as the crawl decodes it."""
    from crawlers.pagetext.decode import decode

    body, url = read_bytes(source, url, timeout, max_mb)
    return text_page(decode(body)[0], source), url
