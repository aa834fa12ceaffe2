"""A generated day served fast: the demo shop's pages rendered once (product pages and
keyword result pages), then served from memory by several processes on one port
(``SO_REUSEPORT``), so that the target is not what the crawl waits on."""

from __future__ import annotations

import os
import pickle
import signal
import socket
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import product
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from demoshop import catalog  # noqa: E402
from demoshop.server import ShopServer  # noqa: E402

Page = tuple[int, str, bytes]  # status, content type, body


def key(path_and_query: str) -> str:
    """One key for a URL however its query is written or encoded."""
    parts = urlsplit(path_and_query)
    return parts.path + "?" + urlencode(sorted(parse_qsl(parts.query)))


def _distinct() -> list[str]:
    """Search terms that find products: a category noun with one or two of its words."""
    terms: list[str] = []
    for noun, (_shops, _prices, attributes, modifiers) in catalog.CATEGORIES.items():
        terms.append(noun)
        terms += [f"{noun} {a}" for a in attributes]
        terms += [f"{noun} {m}" for m in modifiers]
        terms += [f"{noun} {m} {a}" for m, a in product(modifiers, attributes)]
    return terms


def keywords(count: int) -> list[str]:
    """``count`` search terms: the demo shop's distinct searches (256), then numbered copies
    of them ("扫地机器人 静音 2"), each answered with its original's result pages (see
    ``render``): a crawl of 2,000 keywords parses 2,000 x 3 result pages, while the shop
    renders only the distinct ones."""
    distinct = _distinct()
    terms = distinct[:count]
    copy = 2
    while len(terms) < count:
        terms += [f"{t} {copy}" for t in distinct][:count - len(terms)]
        copy += 1
    return terms


def original(term: str, distinct: frozenset[str]) -> str:
    """The distinct search a numbered copy stands for."""
    return term if term in distinct else term.rpartition(" ")[0]


def urls(size: int, terms: list[str], pages: int) -> Iterator[str]:
    yield "/robots.txt"
    for item in catalog.catalogue(1, 7, size):
        yield f"/item/{item.id}.html"
    for term in terms:
        yield from _term_paths(term, pages)


def _term_paths(term: str, pages: int) -> list[str]:
    return [*("/search?" + urlencode({"q": term, "page": page})
              for page in range(1, pages + 1)),
            "/suggest?" + urlencode({"q": term})]


def render(size: int, terms: list[str], pages: int, out: Path) -> int:
    """Render the day through the demo shop itself; returns the number of pages."""
    shop = ShopServer()
    shop.state.size = size
    shop.start_background()
    found: dict[str, Page] = {}

    def fetch(path: str) -> None:
        try:
            with urllib.request.urlopen(shop.url + quote(path, safe="/?=&%"), timeout=60) as r:
                found[key(path)] = (r.status, r.headers.get("Content-Type", "text/html"),
                                    r.read())
        except urllib.error.HTTPError as exc:
            found[key(path)] = (exc.code, "text/html", exc.read())

    distinct = frozenset(_distinct())
    originals = list(dict.fromkeys(original(t, distinct) for t in terms))
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fetch, urls(size, originals, pages)))
    finally:
        shop.shutdown()
        shop.server_close()
    for term in terms:  # a numbered copy: its original's pages, their next-page links its own
        base = original(term, distinct)
        if base != term:
            link = (f"q={quote_plus(base)}&".encode(), f"q={quote_plus(term)}&".encode())
            for mine, theirs in zip(_term_paths(term, pages), _term_paths(base, pages),
                                    strict=True):
                status, ctype, body = found[key(theirs)]
                found[key(mine)] = (status, ctype, body.replace(*link))
    out.write_bytes(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
    return len(found)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: ClassVar[dict[str, Page]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        status, ctype, body = self.pages.get(key(self.path), (404, "text/html", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def serve(pages_file: Path, port: int, processes: int) -> list[int]:
    """Fork ``processes`` servers of the pages on ``port``; returns their pids."""
    pages = pickle.loads(pages_file.read_bytes())
    pids = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            _Handler.pages = pages
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            _Server(("127.0.0.1", port), _Handler).serve_forever()
            os._exit(0)
        pids.append(pid)
    return pids
