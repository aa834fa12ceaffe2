"""Local servers for the tests: the demo shop and a folder of saved pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from demoshop.server import ShopServer


@contextmanager
def running_shop() -> Iterator[ShopServer]:
    """The demo shop on a free port, stopped at the end."""
    server = ShopServer().start_background()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    extra: ClassVar[dict[str, Path]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        extra = self.extra.get(path.split("?", 1)[0])
        return str(extra) if extra else super().translate_path(path)


@contextmanager
def serve_directory(directory: Path, extra: dict[str, Path] | None = None) -> Iterator[str]:
    """Serve saved pages from ``directory`` (plus ``extra`` URL paths -> files) on a free port."""
    handler_class = type("Handler", (_QuietHandler,), {"extra": extra or {}})
    handler = partial(handler_class, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
