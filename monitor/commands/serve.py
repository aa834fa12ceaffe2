"""``shopwatch serve``: the operators' board (``board/``) over the configured database.

It listens on 127.0.0.1 unless told otherwise; another address needs at least one board
user (``shopwatch users add``), or it refuses to start.
"""

from __future__ import annotations

import argparse
import os

from monitor.cliutil import UserError, _config
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from board.app import CONFIG_ENV, HOST_ENV, app_for
    from board.auth import is_local
    from config import find_config_path
    from db import repo
    from db.session import session_scope

    config = _config(args)
    with session_scope(config.database_url) as session:
        users = repo.has_board_users(session)
    if not is_local(args.host) and not users:
        raise UserError(f"the board would listen on {args.host} with no users: anyone who "
                        "reaches it would see and change everything. Add a user first "
                        "(`shopwatch users add NAME`), or serve 127.0.0.1")
    path = find_config_path(args.config)
    try:
        app = app_for(config, path if path.is_file() else None, host=args.host)
    except (ValueError, OSError) as exc:  # the session secret's file
        raise UserError(f"the board's session secret: {exc}") from None
    who = "log in required" if users else "no users: everyone here is an editor"
    print(f"ShopWatch board on http://{_shown(args.host)}:{args.port}/ ({who}); Ctrl-C stops it",
          flush=True)
    if args.workers > 1:  # processes of their own (the GIL): each builds the app again
        os.environ[CONFIG_ENV] = str(path.resolve()) if path.is_file() else ""
        os.environ[HOST_ENV] = args.host
        uvicorn.run("board.app:from_environment", factory=True, workers=args.workers,
                    host=args.host, port=args.port, log_level="warning", proxy_headers=False,
                    server_header=False)
        return 0
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                proxy_headers=False, server_header=False)
    return 0


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"not a port (1-65535): {text!r}")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"not a number of processes (1-64): {text!r}")
    return int(text)


def register(cli: Cli) -> None:
    p = cli.add("serve", run, "serve the web board", db=True,
                description="serve the web board (default http://127.0.0.1:8000/); another "
                            "address than 127.0.0.1 needs board users (shopwatch users add)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=_workers, default=1,
                   help="server processes (default 1; up to one per core for many users)")
