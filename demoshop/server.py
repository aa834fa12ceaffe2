"""The demo shop's HTTP server (standard library ``http.server`` plus Jinja2 templates).

The standard library server is enough here: it serves a few hundred requests on localhost, and
using it keeps the demo free of another web framework.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from demoshop import catalog

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)
FAULT_KINDS = ("slow", "error", "captcha")
SHOP_PAGE_SIZE = 12


@dataclass
class ShopState:
    """What the running shop shows: the day, the seed and the faults switched on."""

    day: int = 1
    seed: int = 7
    size: int = 50  # products per category
    faults: dict[str, float] = field(default_factory=dict)
    slow_seconds: float = 2.0
    requests: int = 0
    robots_disallow: list[str] = field(default_factory=lambda: ["/__admin"])
    # search terms answered with a slider-verification page (HTTP 200), as a platform that
    # throttles one keyword does
    blocked_terms: set[str] = field(default_factory=set)
    seen: deque[tuple[float, str, dict[str, str]]] = field(
        default_factory=lambda: deque(maxlen=2000))  # (time, path, headers), for tests
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_request(self, path: str, headers: dict[str, str]) -> int:
        with self.lock:
            self.requests += 1
            self.seen.append((time.monotonic(), path, headers))
            return self.requests

    def fault_for(self, number: int) -> str | None:
        for kind in FAULT_KINDS:
            rate = self.faults.get(kind, 0.0)
            if rate > 0 and catalog._unit("fault", kind, number) < rate:
                return kind
        return None


class Handler(BaseHTTPRequestHandler):
    server: ShopServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo's output is ShopWatch's, not the shop's access log."""

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body: str | bytes, content_type: str = "text/html") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, data: object, status: int = 200) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False), "application/json")

    def _render(self, template: str, **context: Any) -> None:
        self._send(200, TEMPLATES.get_template(template).render(**context))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        state = self.server.state
        if url.path == "/__admin":
            self._admin(query)
            return
        fault = state.fault_for(state.next_request(self.path, dict(self.headers.items())))
        if fault == "slow":
            time.sleep(state.slow_seconds)
        elif fault == "error":
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, "<h1>503 服务繁忙</h1>")
            return
        elif fault == "captcha" and url.path != "/robots.txt":
            self._render("captcha.html")
            return
        self._route(url.path, query)

    def _route(self, path: str, query: dict[str, str]) -> None:
        if path == "/robots.txt":
            rules = "".join(f"Disallow: {path}\n" for path in self.server.state.robots_disallow)
            self._send(200, f"User-agent: *\n{rules}", "text/plain")
        elif path == "/":
            self._send(200, "<h1>演示商城</h1><a href='/search?q=扫地机器人'>扫地机器人</a>")
        elif path == "/search" and query.get("q", "").strip() in self.server.state.blocked_terms:
            self._render("slider.html")
        elif path == "/search":
            self._search(query, "results.html")
        elif path == "/h5/search":
            self._render("h5_search.html", query=query.get("q", ""))
        elif path == "/api/search":
            self._api_search(query)
        elif path == "/suggest":
            state = self.server.state
            words = catalog.suggestions(query.get("q", ""), state.day, state.seed, size=state.size)
            self._json({"q": query.get("q", ""), "result": words})
        elif path.startswith("/item/") and path.endswith(".html"):
            self._item(path.removeprefix("/item/").removesuffix(".html"))
        elif path.startswith("/shop/"):
            self._shop(path.removeprefix("/shop/"), query)
        else:
            self._send(404, "<h1>404 页面不存在</h1>")

    # -- pages ------------------------------------------------------------------------------
    def _page_args(self, query: dict[str, str]) -> tuple[str, int]:
        page = query.get("page", "1")
        return query.get("q", "").strip(), int(page) if page.isdigit() and int(page) > 0 else 1

    def _search(self, query: dict[str, str], template: str) -> None:
        state = self.server.state
        q, page = self._page_args(query)
        slots, has_next = catalog.result_page(q, page, state.day, state.seed, size=state.size)
        next_url = "/search?" + urlencode({"q": q, "page": page + 1})
        total = len(catalog.search(q, state.day, state.seed, size=state.size))
        self._render(template, query=q, slots=slots, has_next=has_next, next_url=next_url,
                     total=total)

    def _api_search(self, query: dict[str, str]) -> None:
        state = self.server.state
        q, page = self._page_args(query)
        slots, has_next = catalog.result_page(q, page, state.day, state.seed, size=state.size)
        items = [{"id": s.product.id, "title": s.product.title, "price": f"{s.product.price:,.2f}",
                  "shop": s.product.shop, "shop_key": s.product.shop_key,
                  "sales": s.product.sales, "sponsored": s.sponsored} for s in slots]
        next_url = "/h5/search?" + urlencode({"q": q, "page": page + 1}) if has_next else None
        total = len(catalog.search(q, state.day, state.seed, size=state.size))
        self._json({"q": q, "page": page, "total": total, "items": items, "next_url": next_url})

    def _item(self, product_id: str) -> None:
        state = self.server.state
        product = catalog.by_id(state.day, state.seed, size=state.size).get(product_id)
        if product is None:
            self._send(404, "<h1>商品已下架</h1><p class='gone'>该商品已下柜</p>")
            return
        availability = "InStock" if product.in_stock else "OutOfStock"
        ld = {
            "@context": "https://schema.org", "@type": "Product", "name": product.title,
            "sku": product.id, "brand": {"@type": "Brand", "name": product.brand},
            "offers": {"@type": "Offer", "price": str(product.price), "priceCurrency": "CNY",
                       "availability": f"https://schema.org/{availability}",
                       "seller": {"@type": "Organization", "name": product.shop}},
            "aggregateRating": {"@type": "AggregateRating", "ratingValue": str(product.rating),
                                "reviewCount": product.reviews},
        }
        ld_json = json.dumps(ld, ensure_ascii=False).replace("<", "\\u003c")
        self._render("item.html", p=product, ld_json=ld_json)

    def _shop(self, shop_key: str, query: dict[str, str]) -> None:
        state = self.server.state
        if shop_key not in catalog.SHOPS:
            self._send(404, "<h1>店铺不存在</h1>")
            return
        _q, page = self._page_args(query)
        products = catalog.shop_products(shop_key, state.day, state.seed, size=state.size)
        chunk = products[(page - 1) * SHOP_PAGE_SIZE : page * SHOP_PAGE_SIZE]
        has_next = page * SHOP_PAGE_SIZE < len(products)
        self._render("shop.html", shop_name=catalog.SHOPS[shop_key][0], products=chunk,
                     has_next=has_next, next_url=f"/shop/{shop_key}?page={page + 1}")

    def _admin(self, query: dict[str, str]) -> None:
        """``/__admin?day=2&captcha=1.0&error=0.2&slow=0``: set the day and the fault rates;
        ``block=TERM`` answers that search term with a slider page, ``unblock=TERM`` stops."""
        state = self.server.state
        try:
            if "day" in query:
                state.day = max(1, int(query["day"]))
            if "seed" in query:
                state.seed = int(query["seed"])
            for kind in FAULT_KINDS:
                if kind in query:
                    state.faults[kind] = float(query[kind])
            if query.get("block"):
                state.blocked_terms.add(query["block"].strip())
            if query.get("unblock"):
                state.blocked_terms.discard(query["unblock"].strip())
        except ValueError as exc:
            self._json({"error": str(exc)}, 400)
            return
        self._json({"day": state.day, "seed": state.seed, "faults": state.faults,
                    "blocked_terms": sorted(state.blocked_terms)})


class ShopServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: ShopState | None = None):
        super().__init__((host, port), Handler)
        self.state = state or ShopState()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_background(self) -> ShopServer:
        threading.Thread(target=self.serve_forever, name="demo-shop", daemon=True).start()
        return self

    def set(self, **values: float) -> None:
        """Change the running shop's state in-process (the same as ``/__admin``)."""
        for key, value in values.items():
            if key in FAULT_KINDS:
                self.state.faults[key] = float(value)
            else:
                setattr(self.state, key, int(value))
