"""``shopwatch products import FILE`` (watch the products of a spreadsheet: every row checked
first, one wrong row imports nothing) and ``shopwatch products list``."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.cliutil import UserError, _config, inert, json_text
from monitor.commands.base import Cli
from monitor.watchlist import MAX_ERRORS, parse_rows, product_rows, read_sheet


def import_(args: argparse.Namespace) -> int:
    from db import repo
    from db.session import session_scope

    config = _config(args)
    sheet = read_sheet(Path(args.file))
    with session_scope(config.database_url) as session:
        imported = repo.watchlist(session)
        imported_own = {(w.site, w.external_id) for w in imported if w.role == "own"}
        rows, errors = parse_rows(sheet, config, imported_own)
        if errors:
            shown = errors[:MAX_ERRORS]
            more = len(errors) - len(shown)
            raise UserError(f"{sheet.name}: {len(errors)} row(s) wrong, nothing imported:\n  "
                            + "\n  ".join(shown) + (f"\n  … and {more} more" if more else ""))
        if not rows:
            raise UserError(f"{sheet.name}: no product rows under the header")
        known = {(w.site, w.external_id) for w in imported}
        in_config = {(p.site, p.id) for p in config.products}
        new = sum(1 for r in rows if (r["site"], r["external_id"]) not in known)
        shadowed = [r for r in rows if (r["site"], r["external_id"]) in in_config]
        if not args.dry_run:
            repo.upsert_watchlist(session, [{k: v for k, v in r.items() if k != "_row"}
                                            for r in rows])
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {len(rows)} product(s) from {sheet.name}: {new} new, "
          f"{len(rows) - new} updated")
    for row in shadowed:
        print(f"  row {row['_row']}: {row['site']} {row['external_id']} has a [[products]] "
              "block in the config; the block's settings win")
    if not args.dry_run:
        print("they are crawled and compared from the next run on")
    return 0


def list_(args: argparse.Namespace) -> int:
    from db.session import session_scope

    config = _config(args)
    with session_scope(config.database_url) as session:
        rows = product_rows(config, session)
    if args.json:
        print(json_text(rows))
        return 0
    for row in rows:
        mapped = f" -> {row['compare_to']}" if row["compare_to"] else ""
        print(inert(f"{row['site']:10s} {row['id']:20s} {row['role']:10s} {row['group']:12s} "
                    f"{row['source']}{mapped}"))
    print(f"{len(rows)} watched product(s)")
    return 0


def register(cli: Cli) -> None:
    group = cli.group("products", "watch products from a spreadsheet; list them", dest="action")
    p = group.add(
        "import", import_, "watch the products of a .csv or .xlsx file", db=True,
        description="Watch the products of a .csv or .xlsx file, one per row. Header: site, "
                    "id or url, and optionally role (own/competitor), group, compare_to. "
                    "Every row is checked first: one wrong row imports nothing.")
    p.add_argument("file", metavar="FILE.csv|FILE.xlsx")
    p.add_argument("--dry-run", action="store_true", help="check the file, store nothing")
    p = group.add("list", list_, "every watched product", db=True,
                  description="every watched product: config blocks and imported")
    p.add_argument("--json", action="store_true", help="print a JSON list")
