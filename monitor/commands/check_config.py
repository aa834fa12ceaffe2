"""``shopwatch check-config``: validate the configuration and say what each site's crawl does."""

from __future__ import annotations

import argparse

from rich.markup import escape

from config import config_warnings, find_config_path
from monitor.cliutil import _config, console
from monitor.commands.base import Cli


def run(args: argparse.Namespace) -> int:
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


def register(cli: Cli) -> None:
    cli.add("check-config", run, "validate the configuration")
