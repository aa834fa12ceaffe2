"""``shopwatch demo-shop``: serve the bundled demo shop on its own, any day of its life."""

from __future__ import annotations

import argparse

from monitor.commands.base import Cli

FAULTS = {"slow": "a slow answer (2 s)", "error": "an HTTP 503 error", "captcha": "a captcha page"}


def run(args: argparse.Namespace) -> int:
    from demoshop.server import ShopServer, ShopState

    state = ShopState(day=args.day, seed=args.seed, size=args.size,
                      faults={fault: getattr(args, fault) for fault in FAULTS})
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


def register(cli: Cli) -> None:
    p = cli.add("demo-shop", run, "serve the demo shop")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8800, help="port to listen on (default 8800)")
    p.add_argument("--day", type=int, default=1,
                   help="which day of the shop's life to show: prices, stock and ranks move "
                        "from day to day (default 1; change it live at /__admin?day=N)")
    p.add_argument("--seed", type=int, default=7,
                   help="the catalogue's random seed: same seed, same shop (default 7)")
    p.add_argument("--size", type=int, default=50, help="products per category (7 categories)")
    for fault, what in FAULTS.items():
        p.add_argument(f"--{fault}", type=float, default=0.0, metavar="RATE",
                       help=f"share of requests answered with {what} (0..1)")
