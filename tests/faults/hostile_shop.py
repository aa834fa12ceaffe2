"""A small local shop whose pages attack the crawler: what hostile or broken sites really send.

Product pages ``/p/<id>`` (schema.org JSON-LD, or an attribute title), a search page
``/search?q=robot`` (entries with ``javascript:`` links, escape sequences, an over-long id),
a captcha answered with HTTP 200 for ``/search?q=blocked`` and a JSON suggestion endpoint
``/sug?q=`` with hostile terms. ``PAGES`` says what each product page does; the tests state what
the crawl must make of it.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ESCAPES = "\x1b[31mRed Robot\x1b[0m\x1b]0;evil\x07 Bell\x07\x08!"
LONG_TITLE = "Robot " * 17_000  # 102 kB
GBK_TITLE = "扫地机器人 高端版"
DRIP_BYTES = 4  # the first bytes of the drip page's body come one per second
LONG_PRICE = "199,00 € " + "(inkl. MwSt. und Versand) " * 10
LONG_ID = "long-" + "9" * 300
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16

PAGES = {
    "plain": "a clean product (JSON-LD)",
    "surrogate": "JSON-LD name with a lone surrogate, written as the JSON escape \\ud800",
    "nul": "JSON-LD name with a NUL (\\u0000), brand and seller with control characters",
    "long": "a 100 kB JSON-LD name",
    "angle": "no JSON-LD: a title beginning with '<' in an attribute, a 270-character price",
    "escape": "terminal escapes in the name: colour, window title (OSC), bell, backspace",
    "loop": "redirects to loop-b, which redirects back",
    "far": "redirects to itself with a new query every time (more than 20 redirects)",
    "drip": "a clean product whose body starts one byte per second",
    "binary": "PNG bytes served as text/html",
    "gbk": "GBK bytes declared UTF-8 (header and meta tag)",
}


def _product(product_id: str, name: str, *, brand: str = "Acme", seller: str = "Acme Store",
             price: str = "199.00") -> str:
    data = {"@context": "https://schema.org", "@type": "Product", "name": name, "sku": product_id,
            "brand": {"@type": "Brand", "name": brand},
            "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR",
                       "availability": "https://schema.org/InStock",
                       "seller": {"@type": "Organization", "name": seller}}}
    # ensure_ascii writes a lone surrogate as \ud800 and controls as \u001b: as hostile
    # pages do, the page itself stays plain ASCII
    return (f"<!doctype html><html><head><title>Product {product_id}</title>"
            f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=True)}'
            f"</script></head><body><h1>Product {product_id}</h1>"
            f'<p class="price">{price} €</p></body></html>')


def _angle() -> str:
    return ('<!doctype html><html><head><title>Deal</title></head><body>'
            f'<h1 data-title="{html.escape("<New> Robot X1")}"></h1>'
            f'<span class="price">{LONG_PRICE}</span></body></html>')


def _gbk() -> bytes:
    text = ("<!doctype html><html><head><meta charset=\"utf-8\">"
            f"<title>{GBK_TITLE}</title></head><body><h1>{GBK_TITLE}</h1>"
            "<p>这款扫地机器人支持自动回充、智能规划路线和远程控制，适合大户型家庭使用。"
            "官方旗舰店正品保证，全国联保，七天无理由退货。</p>"
            '<span class="price">￥1999.00</span></body></html>')
    return text.encode("gbk")


SEARCH_ENTRIES = (  # (data-id, link, title, shop, price)
    ("plain", "/p/plain", "Plain Robot Vacuum", "Acme Store", "199,00 €"),
    ("jslink", "javascript:alert(document.cookie)", "Script link", "Acme Store", "99,00 €"),
    ("esc", "/p/escape", "\x1b[31mRed Robot\x1b[0m", "\x1b]0;evil\x07Shop", "149,00 €"),
    (LONG_ID, "/p/long", "A product with a 300-character id", "Acme Store", "9,00 €"),
)


def _search() -> str:
    items = "".join(
        f'<li class="item" data-id="{html.escape(pid)}">'
        f'<a class="title" href="{html.escape(link)}">{html.escape(title)}</a>'
        f'<span class="shop">{html.escape(shop)}</span><span class="price">{price}</span></li>'
        for pid, link, title, shop, price in SEARCH_ENTRIES)
    return (f"<!doctype html><html><head><title>Search</title></head><body>"
            f'<ul class="results">{items}</ul></body></html>')


CAPTCHA = ("<!doctype html><html><head><title>访问验证</title></head><body>"
           "<h1>访问验证</h1><p>请完成下方滑块验证</p><div class=\"nc-container\"></div>"
           "</body></html>")
SUGGESTIONS = ["robot\x00vacuum", "\x1b[31mred robot", "robot\ud800mop", "robot mop"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test's output is ShopWatch's."""

    def _send(self, body: str | bytes, status: int = 200,
              content_type: str = "text/html; charset=utf-8",
              location: str | None = None) -> None:
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(data)

    def _drip(self) -> None:
        data = _product("drip", "Drip-fed Robot").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for byte in data[:DRIP_BYTES]:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(1)
        self.wfile.write(data[DRIP_BYTES:])

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        if parts.path == "/search":
            self._send(CAPTCHA if query.get("q") == "blocked" else _search())
        elif parts.path == "/sug":
            self._send(json.dumps(SUGGESTIONS), content_type="application/json")
        elif parts.path.startswith("/p/"):
            self._product_page(parts.path[3:], query)
        else:
            self._send("<html><body>not found</body></html>", 404)

    def _product_page(self, product_id: str, query: dict[str, str]) -> None:
        pages: dict[str, Callable[[], None]] = {
            "plain": lambda: self._send(_product("plain", "Plain Robot Vacuum")),
            "surrogate": lambda: self._send(_product("surrogate", "Robot \ud800 Vacuum")),
            "nul": lambda: self._send(_product("nul", "Nul\x00Robot", brand="\x00Acme\x9b1m",
                                               seller="Acme\x7f\x85Store")),
            "long": lambda: self._send(_product("long", LONG_TITLE)),
            "angle": lambda: self._send(_angle()),
            "escape": lambda: self._send(_product("escape", ESCAPES, brand="\x1b[1mAcme")),
            "loop": lambda: self._send("", 302, location="/p/loop-b"),
            "loop-b": lambda: self._send("", 302, location="/p/loop"),
            "far": lambda: self._send("", 302,
                                      location=f"/p/far?n={int(query.get('n', 0)) + 1}"),
            "drip": self._drip,
            "binary": lambda: self._send(PNG),
            "gbk": lambda: self._send(_gbk()),
        }
        page = pages.get(product_id)
        if page is None:
            self._send("<html><body>not found</body></html>", 404)
        else:
            page()


class HostileShop(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start_background(self) -> HostileShop:
        threading.Thread(target=self.serve_forever, name="hostile-shop", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
