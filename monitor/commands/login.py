"""``shopwatch login SITE --storage-state FILE``: validate a site's logged-in browser session
(a Playwright storage state or a browser's cookies.txt) and keep it, mode 600, for its crawls."""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config import find_config_path, load_config, session_path
from monitor.cliutil import UserError
from monitor.commands.base import Cli


def _read_session(path: Path) -> dict[str, Any]:
    """A Playwright storage state (JSON) or a Netscape cookies.txt, as a storage state."""
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


def run(args: argparse.Namespace) -> int:
    """Validate a browser session for a site and keep it (mode 600) for its crawls. Cookie
    values are secrets: only names, domains and expiry dates are ever printed."""
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


def register(cli: Cli) -> None:
    p = cli.add("login", run, "validate and keep a site's logged-in browser session")
    p.add_argument("site", metavar="SITE", help="a site name of the config")
    p.add_argument("--storage-state", required=True, metavar="FILE",
                   help="a Playwright storage state (JSON) or a browser's cookies.txt")
