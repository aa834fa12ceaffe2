"""`shopwatch extract` against hostile inputs (roadmap issue 16, point 9): servers that drip or
never stop, binary files, gzip bombs, pages with lone surrogates.

Each case runs the command as a user does (a child process) and states its outcome: a clear
one-line error and exit status 2 within the limits given, or the page read with exit status 0;
never a traceback, never a hang.
"""

from __future__ import annotations

import gzip
import json
import os
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16
GARBAGE = bytes((i * 7919 + 13) % 256 for i in range(20_000))  # no page, no known format
SURROGATES = ('<!doctype html><html><head><title>Robot &#xD800; X1</title>'
              '<script type="application/ld+json">{"@type": "Product", "name": "Robot \\ud800 X1",'
              ' "sku": "X1", "offers": {"price": "199.00", "priceCurrency": "EUR"}}</script>'
              '</head><body><h1>Robot &#xD800; X1</h1><p>199,00 €</p></body></html>')
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


class _Hostile(socketserver.BaseRequestHandler):
    """``/drip-body``: headers, then one body byte per second; ``/drip-head``: the status line
    itself one byte per second; ``/endless``: 64 kB chunks without end or Content-Length;
    ``/png``: PNG bytes as text/html; ``/404``: a status line with terminal escapes."""

    def _drip(self, data: bytes) -> None:
        for byte in data:
            self.request.sendall(bytes((byte,)))
            time.sleep(1)

    def handle(self) -> None:
        path = self.request.recv(4096).split(b" ")[1].decode()
        try:
            if path == "/drip-body":
                self.request.sendall(HEAD + b"Content-Length: 1000\r\n\r\n")
                self._drip(b"<html>" + b" " * 60)
            elif path == "/drip-head":
                self._drip(HEAD * 10)
            elif path == "/endless":
                self.request.sendall(HEAD + b"Connection: close\r\n\r\n")
                for _ in range(2000):  # 128 MB at most
                    self.request.sendall(b"<p>" + b"x" * 65533)
            elif path == "/404":
                self.request.sendall(b"HTTP/1.1 404 Not\x1b]0;pwned\x07 Found\x1b[31m\r\n"
                                     b"Content-Length: 0\r\n\r\n")
            elif path == "/png":
                self.request.sendall(HEAD + f"Content-Length: {len(PNG)}\r\n\r\n".encode() + PNG)
        except OSError:  # the client gave up: what these pages are for
            pass


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def extract(*args: str, limit: float = 60) -> subprocess.CompletedProcess[str]:
    """``shopwatch extract ARGS`` in a child process with a UTF-8 terminal's encoding."""
    env = {**os.environ, "PYTHONUTF8": "1"}
    env.pop("SHOPWATCH_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "monitor.cli", "extract", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=limit, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]


@pytest.mark.parametrize("path", ["/drip-body", "/drip-head"])
def test_a_dripping_server_is_cut_off_at_the_timeout(hostile: str, path: str) -> None:
    """One byte a second, in the body or in the headers, with --timeout 2: exit 2 with "no
    complete answer within 2 s", not when the server stops: the server drips for over 60 s
    and the command is given 30 s in all (``limit``), so only --timeout can have ended it (no
    wall-clock bound of our own: on a loaded machine the child's start-up alone varies)."""
    result = extract(hostile + path, "--timeout", "2", limit=30)
    assert_one_line_error(result, "no complete answer within 2 s", "--timeout")


def test_an_endless_answer_stops_at_the_size_limit(hostile: str) -> None:
    """A body without Content-Length that never ends, with --max-size 1: exit 2, "larger
    than 1 MB", after reading about 1 MB."""
    assert_one_line_error(extract(hostile + "/endless", "--max-size", "1", "--json"),
                          "larger than 1 MB", "--max-size")


def test_a_large_file_and_a_gzip_bomb_are_refused(tmp_path: Path) -> None:
    """A saved page over --max-size, and a 30 kB .gz that unpacks to 30 MB (the default limit
    is 10 MB): exit 2 naming the limit, nothing unpacked past it."""
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 2_000_000)
    assert_one_line_error(extract(str(big), "--max-size", "1"), "larger than 1 MB")
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b" " * 30_000_000))
    assert_one_line_error(extract(str(bomb)), "larger than 10 MB unpacked")


JSON, SITE = ("--json",), ("--site", "generic", "--page", "product")


@pytest.mark.parametrize(("name", "body", "mode", "words"), [
    ("image.png", PNG, (), ("a PNG image", "not a web page")),
    ("saved-as-page.html", PNG, JSON, ("a PNG image", "not a web page")),
    ("saved-as-page.html", PNG, SITE, ("a PNG image", "not a web page")),
    ("garbage.html.gz", gzip.compress(GARBAGE), (), ("binary data", "not a web page")),
    ("garbage.html.gz", gzip.compress(GARBAGE), SITE, ("binary data", "not a web page")),
    ("garbage.html", GARBAGE, JSON, ("binary data", "not a web page")),
    ("garbage.json", GARBAGE, ("--site", "demoshop", "--page", "suggest"), ("binary data",)),
    ("broken.html.gz", b"\x1f\x8b\x08\x00" + GARBAGE[:500], (), ("broken gzip data",)),
])
def test_binary_files_give_one_clear_line(tmp_path: Path, name: str, body: bytes,
                                          mode: tuple[str, ...], words: tuple[str, ...]) -> None:
    """PNG bytes (by any name), a gzip of garbage, garbage, broken gzip: exit 2 and one line
    saying what the file is, with the generic extractor (text or JSON) and site adapters."""
    path = tmp_path / name
    path.write_bytes(body)
    assert_one_line_error(extract(str(path), *mode), path.name, *words)


def test_binary_served_as_html_gives_one_clear_line(hostile: str) -> None:
    """PNG bytes served as text/html: exit 2, "a PNG image, not a web page"."""
    assert_one_line_error(extract(hostile + "/png"), "a PNG image, not a web page")


def test_an_error_quoting_the_server_is_inert(hostile: str) -> None:
    """A 404 whose reason phrase carries a window-title sequence and a colour: exit 2, one
    line "HTTP Error 404: Not Found" without the escapes."""
    result = extract(hostile + "/404")
    assert_one_line_error(result, "HTTP Error 404: Not Found")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_lone_surrogates_never_crash_extract(tmp_path: Path) -> None:
    """``&#xD800;`` in the title and heading and ``"\\ud800"`` in the JSON-LD name: exit 0.
    Text output shows U+FFFD in its place; JSON output keeps it as the escape ``\\ud800``
    (valid JSON), with the generic extractor and with the generic adapter."""
    page = tmp_path / "surrogates.html"
    page.write_text(SURROGATES, "utf-8")
    text = extract(str(page))
    assert (text.returncode, text.stderr) == (0, "")
    assert "Robot \ufffd X1" in text.stdout and "199" in text.stdout
    for args in ((str(page), "--json"),
                 (str(page), "--json", "--site", "generic", "--page", "product")):
        result = extract(*args)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        data = json.loads(result.stdout)
        title = data["item"]["title"] if "item" in data else data["title"]
        assert title in ("Robot \ud800 X1", "Robot \ufffd X1")
    site = extract(str(page), "--site", "generic", "--page", "product")
    assert site.returncode == 0 and "Traceback" not in site.stderr
    assert "Robot \ufffd X1" in site.stdout + site.stderr


def test_limits_must_be_positive() -> None:
    """--timeout 0 or --max-size -1: the usage error (exit 2), nothing read."""
    for flag, value in (("--timeout", "0"), ("--max-size", "-1"), ("--timeout", "nan")):
        result = extract("page.html", flag, value)
        assert result.returncode == 2 and "not a positive number" in result.stderr
