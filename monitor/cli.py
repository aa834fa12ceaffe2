"""The ``shopwatch`` command line.

The dispatcher (``main``) prepares what a command declares in ``build_parser``: the service log
(``run``, ``schedule``) and the database brought to the latest schema (every command that reads
or writes it), once, before the command runs; no command migrates by itself. User errors and
database errors print one clear line and exit 2, no traceback (a database error's traceback
goes to the log).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from config import (
    Config,
    ConfigError,
    SiteConfig,
    config_warnings,
    find_config_path,
    load_config,
)
from monitor import alerts_cli, keywords_cli, products_cli
from monitor.cliutil import (
    UserError,
    _config,
    _date,
    _step,
    console,
    db_error_line,
    inert,
    json_text,
)

if TYPE_CHECKING:
    from crawlers.items import Money, ProductItem

EXIT_USER_ERROR = 2  # also a database that cannot be reached or used
EXIT_MAIL_QUEUED, EXIT_STEP_FAILED = 3, 4  # run: the digest is not sent; a step failed
log = logging.getLogger(__name__)


def cmd_init(args: argparse.Namespace) -> int:
    path = find_config_path(args.config)
    if path.exists() and not args.force:
        raise UserError(f"{path} exists already (use --force to overwrite)")
    text = resources.files("config").joinpath("example.toml").read_text("utf-8")
    path.write_text(text, "utf-8")
    console.print(f"wrote {path}; edit it, then run `shopwatch check-config`")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from crawlers.sites import has_suggestions

    config = _config(args)
    print(f"{find_config_path(args.config)}: OK: {len(config.sites)} site(s), "
          f"{len(config.products)} product(s), {len(config.keywords)} keyword(s)")
    for site in config.sites:  # what each site's daily crawl will do
        keywords = sum(1 for k in config.keywords if site.name in config.keyword_sites(k))
        products = sum(1 for p in config.products if p.site == site.name)
        watch = f"top {site.watch_top} results watched" if site.watch_top else \
            "top results not watched"
        print(f"  {site.name} ({site.adapter}, {site.render}): {keywords} keyword(s) x "
              f"{site.search_pages} page(s), {watch}, {products} product page(s), "
              f"{len(site.listing_paths)} listing(s), suggestions "
              f"{'on' if has_suggestions(site) else 'off'}")
    for warning in config_warnings(config):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", markup=True,
                      soft_wrap=True)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from db.session import current_revision

    config = _config(args)
    print(f"database at revision {current_revision(config.database_url)}")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawlers.runner import SPIDERS, crawl_in_child

    config = _config(args)
    _step(f"crawling {args.date} ({', '.join(args.spider or SPIDERS)})")
    result = crawl_in_child(str(find_config_path(args.config)), args.date, args.spider,
                            args.site, config.schedule.crawl_timeout_s, config.database_url)
    statuses = _print_runs(config, args.date, args.spider, args.site)
    if result.returncode != 0:
        console.print(f"[red]crawl failed[/red]: {escape(inert(result.stderr_tail[-1000:]))}")
        return 1
    # like `run`: 4 when a crawl of this command failed or was blocked (partial is not: one
    # page that failed says nothing about the others)
    return EXIT_STEP_FAILED if {"failed", "blocked"} & set(statuses) else 0


def _print_runs(config: Config, day: dt.date, spiders: list[str] | None = None,
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


def cmd_monitor(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from monitor.runner import run_monitor
    from monitor.service.daylock import close_dead

    config = _config(args)
    # a day left running by a process that died: its crawl runs are failed, not "in progress"
    close_dead(config.database_url, day=args.date)
    with session_scope(config.database_url) as session:
        alerts = run_monitor(session, config, args.date)
    for alert in alerts:
        print(inert(f"[{alert.severity}] {alert.kind}: {alert.subject}"))
    print(f"{len(alerts)} alert(s) for {args.date}")
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    from monitor.notify.send import notify
    from monitor.runner import visibility_of_day

    config = _config(args)
    dry_dir = Path(args.dry_run) if args.dry_run else None
    # a person's notify means now: every queued message goes, whatever its back-off
    result = notify(config, args.date, visibility_of_day(config, args.date), dry_dir,
                    dry_run=dry_dir is not None, paced=False)
    for path in result.files.values():
        print(f"wrote {path}")
    delivery = result.delivery
    if delivery is None:
        return 0
    print(f"{result.queued} digest(s) queued for {args.date}; sent: "
          f"{', '.join(delivery.sent) or 'none'}")
    if delivery.busy:
        print(f"{delivery.busy} message(s) being sent by another process right now")
    if delivery.error:
        console.print(f"[red]e-mail not sent[/red]: {escape(inert(delivery.error))}; "
                      f"{len(delivery.failed) + delivery.waiting} message(s) stay queued and "
                      "go with the next run or notify", markup=True, soft_wrap=True)
        return 1  # README: notify's exit statuses
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.service.daylock import DayBusy
    from monitor.service.job import Interrupted
    from monitor.service.scheduler import run_locked

    config = _config(args)
    path = str(find_config_path(args.config))
    try:
        result = run_locked(path, config, args.date, rerun_done=True, step=_step)
    except DayBusy as busy:
        raise UserError(str(busy)) from None
    except Interrupted as stop:
        console.print(f"interrupted: {stop}")
        return 130
    assert result is not None  # rerun_done: a day done already runs again
    _print_runs(config, args.date)
    print(f"{len(result.alerts)} alert(s)")
    for path_ in result.files.values():
        print(f"wrote {path_}")
    # exit statuses for cron (README, `shopwatch run`): 3 the digest is not sent (queued),
    # 4 a step failed (the crawl process); 3 first: the digest would have told of the crawl
    if result.crawl_error:
        last = (result.crawl_error.strip().splitlines() or ["crawl process failed"])[-1]
        console.print(f"[red]crawl step failed[/red]: {escape(inert(last))}", markup=True,
                      soft_wrap=True)
    if result.mail_error:
        console.print(f"[red]e-mail not sent[/red]: {escape(inert(result.mail_error))} "
                      "(queued for the next run or notify)", markup=True, soft_wrap=True)
        return EXIT_MAIL_QUEUED
    return EXIT_STEP_FAILED if result.crawl_error else 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from monitor.service.scheduler import serve

    config = _config(args)
    path = str(find_config_path(args.config))
    schedule = config.schedule
    console.print(f"ShopWatch scheduler: the daily run at {schedule.time} {schedule.timezone}, "
                  f"the keyword rebuild on {schedule.weekly_day} at {schedule.weekly_time}; "
                  f"logs in {args.logfile}; Ctrl-C or SIGTERM stops it after the step in progress")
    return serve(path, config)


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    summary = run_demo(Path(args.out), _step)
    counts = summary["counts"]
    print(f"\nShopWatch demo: days {' and '.join(summary['days'])}")
    print(f"  {counts['products']} products, {counts['snapshots']} snapshots, "
          f"{counts['rank_observations']} rank observations, {counts['crawl_runs']} crawl runs")
    for run in summary["crawl_runs"]:
        print(f"  crawl {run['date']} {run['site']}/{run['spider']}: {run['status']}, "
              f"{run['items']} items")
    print(f"  {counts['alerts']} alerts: "
          + ", ".join(f"{n} {k}" for k, n in counts["alerts_by_kind"].items()))
    for alert in summary["alerts"][:15]:
        print(f"    [{alert['severity']}] {alert['kind']} on {alert['site']}: {alert['subject']} "
              f"({alert['before'] or '-'} -> {alert['after'] or '-'})")
    if len(summary["alerts"]) > 15:
        print(f"    ... and {len(summary['alerts']) - 15} more in summary.json")
    print("  files:")
    for path in summary["files"].values():
        print(f"    {path}")
    return 0


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


def _download(response: Any, source: str, limit: int, deadline: float) -> bytes | None:
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


def _fetch(source: str, timeout: float, limit: int) -> tuple[bytes, str]:
    """(body, final URL) of an address, within ``timeout`` seconds in all (a server that drips
    its headers or its body is cut off) and at most ``limit`` bytes."""
    import threading
    import urllib.request
    from http.client import HTTPException

    deadline = time.monotonic() + timeout
    outcome: list[tuple[bytes, str] | Exception] = []

    def fetch() -> None:  # in a thread: nothing the server does outlasts the deadline
        request = urllib.request.Request(source, headers={"User-Agent": "ShopWatch/0.1"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if (body := _download(response, source, limit, deadline)) is not None:
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


def _gunzip(body: bytes, source: str, limit: int) -> bytes:
    import gzip
    import io
    import zlib

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise UserError(f"{source}: broken gzip data ({exc})") from None
    if len(data) > limit:
        raise UserError(f"{source}: larger than {limit / 1e6:g} MB unpacked (--max-size)")
    return data


def _read_bytes(source: str, url: str | None, timeout: float = EXTRACT_TIMEOUT_S,
                max_mb: float = EXTRACT_MAX_MB) -> tuple[bytes, str | None]:
    """(body, URL) of a saved file (.html, .json, .jsonp, or any of them gzipped) or of an
    address; an image, archive or other file that is no page is refused by its first bytes."""
    limit = int(max_mb * 1e6)
    if source.startswith(("http://", "https://")):
        body, final = _fetch(source, timeout, limit)
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
        body = _gunzip(body, source, limit)
    kind = next((name for magic, name in NOT_PAGES if body.startswith(magic)), None)
    if kind:
        raise UserError(f"{source}: {kind}, not a web page")
    return body, url


def _text_page(text: str, source: str) -> str:
    """``text`` unless it is binary data read as text (a page is not made of controls)."""
    sample = text[:65536]
    if len(BINARY_CHARS.findall(sample)) > BINARY_SHARE * len(sample):
        raise UserError(f"{source}: binary data, not a web page")
    return text


def _read_page(source: str, url: str | None, timeout: float = EXTRACT_TIMEOUT_S,
               max_mb: float = EXTRACT_MAX_MB) -> tuple[str, str | None]:
    """(HTML text, URL) of a saved page or an address, decoded as the crawl decodes it."""
    from crawlers.pagetext.decode import decode

    body, url = _read_bytes(source, url, timeout, max_mb)
    return _text_page(decode(body)[0], source), url


# Where a page of each platform comes from, for reading a saved page without a config.
PLATFORM_URLS = {"jd": "https://search.jd.com/Search", "amazon": "https://www.amazon.com/s",
                 "taobao": "https://s.taobao.com/search", "tmall": "https://s.taobao.com/search",
                 "demoshop": "http://127.0.0.1:8800/search", "generic": "http://localhost/"}
EXIT_BLOCKED, EXIT_LAYOUT = 3, 4


def _money(value: Money | None) -> str | None:
    return str(value.amount) if value is not None and value.amount is not None else None


def _item_json(item: ProductItem) -> dict[str, Any]:
    price = item.price
    return {"id": item.external_id, "title": item.title, "price": _money(price),
            "price_high": _money(item.price_high),
            "currency": price.currency if price is not None else None,
            "price_note": price.raw if price is not None and price.amount is None else None,
            "list_price": _money(item.list_price), "shop": item.shop,
            "sales": item.sales_count, "reviews": item.review_count,
            "rating": str(item.rating) if item.rating is not None else None,
            "in_stock": item.in_stock, "stock": item.stock_count, "url": item.url}


def _site_for(args: argparse.Namespace) -> SiteConfig:
    from crawlers.sites import ADAPTERS

    if args.config or os.environ.get("SHOPWATCH_CONFIG") or Path("shopwatch.toml").is_file():
        config = load_config(args.config)
        for site in config.sites:
            if site.name == args.site:
                return site
    if args.site not in ADAPTERS:
        raise UserError(f"--site {args.site}: not a site of the config nor a known adapter "
                        f"({', '.join(sorted(ADAPTERS))})")
    return SiteConfig(name=args.site, adapter=args.site, base_url=PLATFORM_URLS.get(
        args.site, "http://localhost/").rsplit("/", 1)[0])


def cmd_extract_site(args: argparse.Namespace) -> int:
    """One saved page through a site adapter: search results, a listing or an item."""
    from scrapy.http import HtmlResponse, TextResponse

    from crawlers.errors import LayoutChanged, PageBlocked
    from crawlers.pagetext.decode import decoded
    from crawlers.sites import get_adapter

    site = _site_for(args)
    body, url = _read_bytes(args.source, args.url, args.timeout, args.max_size)
    if url is None and args.page == "product" and site.adapter == "generic":
        # No address given: the page's own (canonical link, og:url) or its structured sku
        # names the product, not an address made up here.
        url = Path(args.source).resolve().as_uri()
    if url is None and site.adapter == "generic":
        url = site.base_url + "/"  # the configured shop: its links resolve on it
    url = url or PLATFORM_URLS.get(site.adapter) or site.base_url
    is_json = Path(args.source).suffix.lower() in (".json", ".jsonp", ".js")
    response = decoded(TextResponse(url, body=body) if is_json else HtmlResponse(url, body=body))
    _text_page(response.text, args.source)
    adapter = get_adapter(site.adapter)
    result: dict[str, Any] = {"site": site.name, "page": args.page, "source": args.source}
    code = 0
    try:
        if args.page == "search":
            page = adapter.parse_search(response, site)
            items = [{"position": position, "organic_position": organic,
                      "sponsored": sponsored, **_item_json(item)}
                     for item, sponsored, position, organic in page.slots()]
            result.update(status="ok", count=len(items), sponsored=sum(
                1 for i in items if i["sponsored"]), items=items, next_url=page.next_url)
        elif args.page == "listing":
            listing = adapter.parse_listing(response, site)
            result.update(status="ok", product_urls=listing.product_urls,
                          items=[_item_json(i) for i in listing.items], next_url=listing.next_url)
        elif args.page == "suggest":
            result.update(status="ok", terms=adapter.parse_suggestions(response, site))
        else:
            result.update(status="ok", item=_item_json(adapter.parse_product(response, site)))
    except PageBlocked as exc:
        result.update(status="blocked", reason=exc.reason)
        code = EXIT_BLOCKED
    except LayoutChanged as exc:
        result.update(status="layout_changed", reason=str(exc))
        code = EXIT_LAYOUT
    if args.json:
        print(json_text(result))
    else:
        _print_site_result(result)
    return code


def _print_site_result(result: dict[str, Any]) -> None:
    if result["status"] != "ok":
        console.print(inert(f"{result['status']}: {result['reason']}"), markup=False)
        return
    stock = {True: "in stock", False: "out", None: "-"}
    if result.get("items") and "position" in result["items"][0]:
        print(f"{'pos':>3} {'org':>3}    {'id':>14} {'price':>12} {'stock':>8}  title")
    for row in result.get("items", []):
        price = row["price"] or (f"? {row['price_note']}" if row["price_note"] else "-")
        flag = "AD " if row.get("sponsored") else "   "
        organic = row.get("organic_position")
        print(inert(f"{row.get('position', ''):>3} {organic if organic else '':>3} {flag}"
                    f"{row['id']:>14} {price:>12} {stock[row['in_stock']]:>8}  "
                    f"{(row['title'] or '')[:60]}"))
    if "item" in result:
        for name, value in result["item"].items():
            console.print(inert(f"{name:11s} {value if value is not None else '-'}"),
                          markup=False)
    for term in result.get("terms", []):
        console.print(inert(term), markup=False)


def cmd_extract(args: argparse.Namespace) -> int:
    from scrapy.http import HtmlResponse

    from crawlers.blocks import check_blocked
    from crawlers.errors import PageBlocked
    from crawlers.extract import extract_product

    if args.site:
        return cmd_extract_site(args)
    html, url = _read_page(args.source, args.url, args.timeout, args.max_size)
    try:
        check_blocked(HtmlResponse(url or "http://localhost/", body=html.encode("utf-8"),
                                   encoding="utf-8"))
    except PageBlocked as exc:
        raise UserError(f"{args.source}: the page is blocked ({exc.reason}), "
                        "not a product page") from None
    result = extract_product(html, url).to_json()
    if args.json:
        print(json_text(result))  # the page's text as read, its control characters escaped
        return 0
    for name, value in result.items():
        if name != "methods":
            method = result["methods"].get(name)
            print(inert(f"{name:13s} {value if value is not None else '-'}"
                        + (f"   ({method})" if method else "")))
    return 0


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def _read_session(path: Path) -> dict[str, Any]:
    """A Playwright storage state (JSON) or a Netscape cookies.txt, as a storage state."""
    import http.cookiejar

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise UserError(f"{path}: not a JSON storage state") from None
        if not isinstance(data, dict) or not isinstance(data.get("cookies"), list):
            raise UserError(f"{path}: not a Playwright storage state (no cookies list)")
        return data
    jar = http.cookiejar.MozillaCookieJar()
    try:
        jar.load(str(path), ignore_discard=True, ignore_expires=True)
    except (OSError, http.cookiejar.LoadError):
        raise UserError(f"{path}: neither a Playwright storage state nor a cookies.txt") from None
    return {"cookies": [{"name": c.name, "value": c.value or "", "domain": c.domain,
                         "path": c.path, "expires": c.expires if c.expires else -1,
                         "httpOnly": False, "secure": c.secure, "sameSite": "Lax"}
                        for c in jar], "origins": []}


def cmd_login(args: argparse.Namespace) -> int:
    """Validate a browser session for a site and keep it (mode 600) for its crawls. Cookie
    values are secrets: only names, domains and expiry dates are ever printed."""
    import time
    from urllib.parse import urlsplit

    from config import session_path

    config_path = find_config_path(args.config)
    config = load_config(args.config)
    site = next((s for s in config.sites if s.name == args.site), None)
    if site is None:
        raise UserError(f"no site {args.site!r} in {config_path} "
                        f"(sites: {', '.join(s.name for s in config.sites) or 'none'})")
    state = _read_session(Path(args.storage_state))
    host = urlsplit(site.base_url).hostname or ""
    domain = ".".join(host.split(".")[-2:])  # search.jd.com -> jd.com
    cookies = [c for c in state["cookies"] if isinstance(c, dict)
               and str(c.get("domain", "")).lstrip(".").endswith(domain) and c.get("name")]
    if not cookies:
        raise UserError(f"{args.storage_state}: no cookies for {domain}; log in to "
                        f"{site.base_url} in the browser first, then save the session again")
    now = time.time()
    expiring = [float(c["expires"]) for c in cookies if float(c.get("expires", -1)) > 0]
    if expiring and max(expiring) < now:
        raise UserError(f"{args.storage_state}: every cookie for {domain} has expired: the "
                        f"session has ended; log in again and save a fresh one")
    target = session_path(config_path, site.name)
    if target is None:
        raise UserError(f"site name {site.name!r} cannot name a session file")
    target.parent.mkdir(mode=0o700, exist_ok=True)
    payload = json.dumps({"cookies": state["cookies"], "origins": state.get("origins", [])})
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(payload)
    os.chmod(target, 0o600)
    live = [e for e in expiring if e > now]
    until = (dt.datetime.fromtimestamp(min(live), dt.UTC).strftime("%Y-%m-%d")
             if live else "the end of the browser session")
    print(f"{site.name}: stored a session with {len(cookies)} cookies for {domain} "
          f"(first expiry {until}) in {target}; crawls of {site.name} use it from now on"
          + ("" if site.storage_state in (None, str(target)) else
             f" (note: the config names its own storage_state {site.storage_state})"))
    return 0


def cmd_demo_shop(args: argparse.Namespace) -> int:
    from demoshop.server import ShopServer, ShopState

    state = ShopState(day=args.day, seed=args.seed, size=args.size,
                      faults={"slow": args.slow, "error": args.error, "captcha": args.captcha})
    server = ShopServer(args.host, args.port, state)
    print(f"demo shop on {server.url} (day {args.day}); "
          f"change the day with {server.url}/__admin?day={args.day + 1}; Ctrl-C stops",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0


# -- parser --------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="configuration file (default: $SHOPWATCH_CONFIG or ./shopwatch.toml)")
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--date", type=_date, default=dt.date.today(), metavar="YYYY-MM-DD",
                       help="the day to stamp or read observations with (default: today)")
    parser = argparse.ArgumentParser(
        prog="shopwatch", parents=[common],
        description="Competitor and keyword monitoring for e-commerce operators.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str,
            parents: Sequence[argparse.ArgumentParser] = (), *, db: bool = False,
            service_log: str | None = None) -> argparse.ArgumentParser:
        """A command; ``db``: it reads or writes the database (migrated before it runs);
        ``service_log``: "file" or "console" (the file and the console), see ``_prepare``."""
        p = sub.add_parser(name, parents=[common, *parents], help=help_text,
                           description=help_text)
        p.set_defaults(func=func, needs_db=db, service_log=service_log)
        return p

    p = add("init", cmd_init, "write a commented example configuration")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    add("check-config", cmd_check_config, "validate the configuration")
    db = sub.add_parser("db", help="database schema", description="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    p = db_sub.add_parser("upgrade", parents=[common], help="apply migrations (idempotent)",
                          description="apply migrations (idempotent)")
    p.set_defaults(func=cmd_db_upgrade, needs_db=True)
    p = add("crawl", cmd_crawl, "crawl listings and ranks for one day", [dated], db=True)
    p.add_argument("--spider", action="append", choices=["listings", "ranks", "suggest"])
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    add("monitor", cmd_monitor, "compare a day with history and record alerts", [dated],
        db=True)
    p = add("notify", cmd_notify, "send the day's digest e-mail", [dated], db=True)
    p.add_argument("--dry-run", metavar="DIR", help="write the digest as .eml into DIR instead")
    keywords_cli.register(sub, common, dated)
    alerts_cli.register(sub, common)
    products_cli.register(sub, common)
    add("run", cmd_run, "run the whole daily job once", [dated], db=True, service_log="file")
    add("schedule", cmd_schedule, "run the daily job every day (a long-running service)",
        db=True, service_log="console")
    p = add("demo", cmd_demo, "run the daily job on the bundled demo shop (day 1 and day 2)")
    p.add_argument("--out", default="demo-out", metavar="DIR", help="output folder")
    p = add("extract", cmd_extract, "read price, availability and SKU from a product page")
    p.add_argument("source", metavar="PATH_OR_URL", help="a saved page (.html, .html.gz) or URL")
    p.add_argument("--url", metavar="ORIGINAL_URL",
                   help="the page's own address (its locale decides 1.299 vs 1,299)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--site", metavar="NAME",
                   help="read the page with this site's adapter (a site of the config, or jd, "
                        "taobao, tmall, amazon, demoshop) instead of the generic extractor")
    p.add_argument("--page", choices=("search", "listing", "product", "suggest"),
                   default="search", help="with --site: what kind of page it is")
    p.add_argument("--timeout", type=_positive, default=EXTRACT_TIMEOUT_S, metavar="SECONDS",
                   help="give up on a URL that has not answered in full after this long "
                        f"(default: {EXTRACT_TIMEOUT_S:g})")
    p.add_argument("--max-size", type=_positive, default=EXTRACT_MAX_MB, metavar="MB",
                   help=f"refuse a page larger than this (default: {EXTRACT_MAX_MB:g})")
    p = add("login", cmd_login, "validate and keep a site's logged-in browser session")
    p.add_argument("site", metavar="SITE", help="a site name of the config")
    p.add_argument("--storage-state", required=True, metavar="FILE",
                   help="a Playwright storage state (JSON) or a browser's cookies.txt")
    p = add("demo-shop", cmd_demo_shop, "serve the demo shop")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8800, help="port to listen on (default 8800)")
    p.add_argument("--day", type=int, default=1,
                   help="which day of the shop's life to show: prices, stock and ranks move "
                        "from day to day (default 1; change it live at /__admin?day=N)")
    p.add_argument("--seed", type=int, default=7,
                   help="the catalogue's random seed: same seed, same shop (default 7)")
    p.add_argument("--size", type=int, default=50, help="products per category (7 categories)")
    faults = {"slow": "a slow answer (2 s)", "error": "an HTTP 503 error",
              "captcha": "a captcha page"}
    for fault, what in faults.items():
        p.add_argument(f"--{fault}", type=float, default=0.0, metavar="RATE",
                       help=f"share of requests answered with {what} (0..1)")
    return parser


class _DatabaseUnusable(Exception):
    """The database could not be opened for a reason outside SQLAlchemy (an ``OSError``)."""


def _prepare(args: argparse.Namespace) -> None:
    """What the command declared: the service log next to the config (``args.logfile``), then
    its database at the latest schema. The only place the CLI migrates."""
    if getattr(args, "service_log", None):
        from monitor.service.scheduler import log_to_file

        args.logfile = log_to_file(_config(args), str(find_config_path(args.config)),
                                   console=args.service_log == "console")
    if getattr(args, "needs_db", False):
        from db.session import upgrade

        try:
            upgrade(_config(args).database_url)
        except (OSError, ImportError) as exc:  # a SQLite folder that cannot be made, a
            raise _DatabaseUnusable(exc) from exc  # database driver that is not installed


def _database_error(args: argparse.Namespace, exc: Exception) -> int:
    config: Config | None = getattr(args, "loaded_config", None)
    cause = exc.__cause__ if isinstance(exc, _DatabaseUnusable) and exc.__cause__ else exc
    # With a service log (run, schedule) the traceback goes to its file; otherwise only to a
    # debug log someone set up: stderr keeps one line.
    level = logging.ERROR if logging.getLogger().handlers else logging.DEBUG
    log.log(level, "database error", exc_info=cause)
    line = db_error_line(cause, config.database_url if config else None)
    console.print(f"[red]error:[/red] {escape(inert(line))}", markup=True, soft_wrap=True)
    return EXIT_USER_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "config"):
        args.config = None
    try:
        _prepare(args)
        code: int = args.func(args)
        return code
    except (ConfigError, UserError) as exc:
        # a config error may list several fields, a line each; what a line quotes is inert
        message = "\n".join(inert(line) for line in str(exc).split("\n"))
        console.print(f"[red]error:[/red] {escape(message)}", markup=True, soft_wrap=True)
        return EXIT_USER_ERROR
    except (SQLAlchemyError, _DatabaseUnusable) as exc:
        return _database_error(args, exc)
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130
    except BrokenPipeError:
        # the reader of the output went away (`shopwatch alerts --json | head`): not an
        # error; stdout is pointed at /dev/null so Python's exit flush stays quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
