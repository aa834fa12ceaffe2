"""``shopwatch keywords build | show | titles | export | import | opportunities | attributes``:
the keyword library from the command line.

Over 300 lines on purpose: one command with seven sub-commands that share their output helpers
(terms as JSON, rich tables) and the library's empty-state message."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.cliutil import UserError, _config, _date, inert, json_text
from monitor.commands.base import Cli

EMPTY = " (run `shopwatch keywords build` or `shopwatch run` first)"


def cmd_build(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from keywords.library import build_library, week_of

    config = _config(args)
    with session_scope(config.database_url) as session:
        counts = build_library(session, config, args.date, workers=args.workers)
    print(f"keyword library, week of {week_of(args.date)}:")
    for group, count in counts.items():
        print(f"  {group}: {count} terms")
    return 0


def _term_json(term: Any) -> dict[str, Any]:
    return {"group": term.group, "term": term.term, "kind": term.kind, "score": term.score,
            "frequency": term.frequency, "doc_frequency": term.doc_frequency,
            "share": term.share, "top10_share": term.top10_share, "sources": list(term.sources),
            "first_seen": term.first_seen.isoformat(), "last_seen": term.last_seen.isoformat(),
            "trend": term.trend, "previous_share": term.previous_share,
            "change_pct": term.change_pct, "text_score": term.text_score,
            "demand": term.demand, "demand_rank": term.demand_rank}


def cmd_show(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from keywords.library import hot_terms, load_library

    config = _config(args)
    with session_scope(config.database_url) as session:
        library = load_library(session, config, args.group, args.date)
    if library.week is None:
        raise UserError("the keyword library is empty"
                        + (f" for group {args.group!r}" if args.group else "") + EMPTY)
    terms = library.terms
    wanted = "new" if args.new else "hot" if args.hot else "fading" if args.fading else None
    if wanted == "new":
        terms = [t for t in terms if t.trend == "new"]
    elif wanted == "hot":
        terms = hot_terms(library)
    elif wanted == "fading":
        terms = sorted((t for t in terms if t.trend == "fading"),
                       key=lambda t: (t.group, t.change_pct or 0.0))
    else:
        terms = [t for t in terms if t.score > 0]
    shown: list[Any] = []
    per_group: dict[str, int] = {}
    for term in terms:
        per_group[term.group] = per_group.get(term.group, 0) + 1
        if per_group[term.group] <= args.limit:
            shown.append(term)
    if args.json:
        print(json_text({"week": library.week.isoformat(),
                         "previous_week": library.previous_week.isoformat()
                         if library.previous_week else None,
                         "terms": [_term_json(t) for t in shown]}))
        return 0
    title = f"keywords, week of {library.week}" + (f" ({wanted})" if wanted else "")
    if library.previous_week is None:
        title += " - no earlier week to compare with yet"
    else:
        title += f", compared with the week of {library.previous_week}"
    table = Table(title=title)
    searched = any(t.demand is not None for t in shown)  # a column once demand is imported
    for name in ("group", "#", "term", "score", *(["searches"] if searched else []), "docs",
                 "share", "top-10", "trend", "change"):
        table.add_column(name, justify="right" if name in ("#", "score", "searches", "docs")
                         else "left", overflow="fold")
    rank: dict[str, int] = {}
    for t in shown:
        rank[t.group] = rank.get(t.group, 0) + 1
        change = "" if t.change_pct is None else f"{t.change_pct:+.0f}%"
        # scraped words: printed inert, never read as console markup ("[red]")
        table.add_row(Text(inert(t.group)), str(rank[t.group]), Text(inert(t.term)),
                      f"{t.score:.1f}",
                      *([] if not searched else ["" if t.demand is None else f"{t.demand:,.0f}"]),
                      str(t.doc_frequency), f"{t.share:.0%}", f"{t.top10_share:.0%}", t.trend,
                      change)
    Console(width=int(os.environ.get("COLUMNS", "120"))).print(table)
    if not shown:
        print("no terms" + (f" are {wanted}" if wanted else ""))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from keywords.export import build_export, export

    config = _config(args)
    with session_scope(config.database_url) as session:
        data = build_export(session, config, args.group, args.date)
    if not data.library.terms:
        raise UserError("the keyword library is empty"
                        + (f" for group {args.group!r}" if args.group else "") + EMPTY)
    for path in export(data, args.format, Path(args.out)):
        print(f"wrote {path}")
    print(f"{len(data.library.terms)} terms, week of {data.library.week}; "
          f"{len(data.products)} own product(s) with title suggestions")
    return 0


def _advice_json(item: Any) -> dict[str, Any]:
    """One own product's advice: the ``keywords titles --json`` contract (scripts read it)."""
    p, a = item.product, item.advice
    return {"site": p.site, "product_id": p.product_id, "group": p.group,
            "current_title": p.title, "suggested_title": a.title, "added": a.added,
            "dropped": a.dropped, "to_check": a.to_check,
            "forbidden": [{"word": h.word, "reason": h.reason, "article": h.article}
                          for h in a.forbidden],
            "length": a.length, "limit": a.limit, "unit": a.unit,
            "attributes": item.attributes}


def cmd_titles(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from keywords.advice import advise

    config = _config(args)
    with session_scope(config.database_url) as session:
        library, advice = advise(session, config, args.group, args.date)
    if library.week is None:
        raise UserError("the keyword library is empty"
                        + (f" for group {args.group!r}" if args.group else "") + EMPTY)
    if args.json:
        print(json_text({"week": library.week.isoformat(),
                         "products": [_advice_json(a) for a in advice]}))
        return 0
    console = Console(width=int(os.environ.get("COLUMNS", "120")))
    for item in advice:
        p, a = item.product, item.advice
        console.print(Text(f"{p.site}:{p.product_id} ({p.group})", style="bold"))
        # scraped words: printed inert, never read as console markup
        for label, value in (("now", p.title), ("suggested", a.title),
                             ("added", " ".join(a.added)), ("dropped", " ".join(a.dropped)),
                             ("to check", " ".join(a.to_check)),
                             ("forbidden", " ".join(f"{h.word} ({h.article})"
                                                    for h in a.forbidden))):
            if value:
                console.print(Text(f"  {label:>9}: {inert(value)}"))
    if not advice:
        print("no own products in the library's groups")
    return 0


def _week(text: str) -> dt.date:
    """A week: a day of it (YYYY-MM-DD) or its ISO name (2026-W47)."""
    try:
        if "W" in text.upper():
            year, week = text.upper().split("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a week: {text!r} (a day of it, YYYY-MM-DD, or YYYY-Www)") from None


def cmd_import(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from keywords.demand import store_report, week_of
    from keywords.reports import ReportError, read_report

    config = _config(args)
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        report = read_report(path, args.source)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    week = week_of(args.week or report.week_hint or dt.date.today())
    with session_scope(config.database_url) as session:  # one transaction: all or nothing
        stored = store_report(session, report, week)
    print(f"imported {stored} search terms from a {report.source} report, week of {week}")
    return 0


def cmd_attributes(args: argparse.Namespace) -> int:
    from db import repo
    from db.session import session_scope
    from keywords.confirmed import read_confirmed
    from keywords.reports import ReportError

    config = _config(args)
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        found = read_confirmed(path)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    sites = {site.name for site in config.sites}
    unknown = sorted({site for site, _id in found} - sites)
    if unknown:
        raise UserError(f"{path}: unknown site(s) {', '.join(unknown)} (the config has "
                        f"{', '.join(sorted(sites))})")
    with session_scope(config.database_url) as session:  # one transaction: all or nothing
        for site in sorted({site for site, _id in found}):
            repo.replace_attributes(session, site, "operator", {
                pid: [("", a) for a in attributes]
                for (s, pid), attributes in found.items() if s == site})
    print(f"confirmed attributes of {len(found)} product(s) stored "
          f"({sum(map(len, found.values()))} in all)")
    return 0


def _opportunity_json(item: Any) -> dict[str, Any]:
    return {"group": item.group, "term": item.term, "volume": item.volume, "rank": item.rank,
            "demand_points": item.points, "top10_share": item.top10_share,
            "own_titles": item.own_titles, "click_rate": item.click_rate,
            "conversion": item.conversion, "competing": item.competing, "value": item.value}


def cmd_opportunities(args: argparse.Namespace) -> int:
    from db.session import session_scope
    from keywords.advice import opportunity_view

    config = _config(args)
    with session_scope(config.database_url) as session:
        week, items = opportunity_view(session, config, args.group, args.date)
    if week is None:
        raise UserError("no search demand imported yet (run `shopwatch keywords import "
                        "REPORT.xlsx` with a 生意参谋, 京东商智, Amazon Brand Analytics or "
                        "Helium 10 export)")
    per_group: dict[str, int] = {}
    shown = []
    for item in items:
        per_group[item.group] = per_group.get(item.group, 0) + 1
        if per_group[item.group] <= args.limit:
            shown.append(item)
    if args.json:
        print(json_text({"week": week.isoformat(),
                         "opportunities": [_opportunity_json(o) for o in shown]}))
        return 0
    table = Table(title=f"search-demand opportunities, week of {week}: high demand, few "
                        "top-10 titles use it")
    for name in ("group", "term", "searches", "rank", "top-10", "own titles", "value"):
        table.add_column(name, justify="left" if name in ("group", "term") else "right")
    for o in shown:
        table.add_row(Text(inert(o.group)), Text(inert(o.term)),
                      "" if o.volume is None else f"{o.volume:,.0f}",
                      "" if o.rank is None else str(o.rank), f"{o.top10_share:.0%}",
                      str(o.own_titles), f"{o.value:.1f}")
    Console(width=int(os.environ.get("COLUMNS", "120"))).print(table)
    if not shown:
        print("no reported search term matches a keyword group")
    return 0


def register(cli: Cli) -> None:
    """``keywords build|show|titles|export|import|opportunities|attributes``."""
    group = cli.group("keywords", "the keyword library", dest="kw_command")
    p = group.add("build", cmd_build, "rebuild the keyword library", dated=True, db=True,
                  description="recompute the library of the day's week from the crawls")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="segment in N processes (worth it from about 100,000 titles)")
    p = group.add("show", cmd_show, "show ranked, hot or new terms", db=True,
                  description="show a week's terms (default: the latest week built)")
    p.add_argument("--group", help="only this keyword group")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--hot", action="store_true", help="new and rising terms")
    which.add_argument("--new", action="store_true", help="terms no earlier week had")
    which.add_argument("--fading", action="store_true", help="terms used less than last week")
    p.add_argument("--date", type=_date, help="a day of the week to show (YYYY-MM-DD)")
    p.add_argument("--limit", type=int, default=30, help="terms per group (default 30)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _register_demand(group)
    _register_titles(group)


def _register_demand(group: Cli) -> None:
    """``keywords import | opportunities | attributes``: what the platforms and the operator
    tell."""
    p = group.add("import", cmd_import, "import a search-term report", db=True,
                  description="store a week's search demand from a platform's search-term "
                              "report (CSV or XLSX): 生意参谋 (sycm), 京东商智 (jd), Amazon "
                              "Brand Analytics (amazon-ba), Helium 10 Cerebro/Magnet (helium10)")
    p.add_argument("file", metavar="FILE", help="the report, .xlsx or .csv")
    p.add_argument("--source", choices=["sycm", "jd", "amazon-ba", "helium10", "auto"],
                   default="auto", help="the report's layout (default: found from its header)")
    p.add_argument("--week", type=_week, help="the report's week: a day of it or YYYY-Www "
                   "(default: a date above the header, else this week)")
    p = group.add("opportunities", cmd_opportunities, "high-demand terms few top titles use",
                  db=True, description="the week's reported search terms per keyword group, "
                                       "those with high demand that few of the top-10 "
                                       "competitor titles use first")
    p.add_argument("--group", help="only this keyword group")
    p.add_argument("--date", type=_date, help="a day of the week (default: latest imported)")
    p.add_argument("--limit", type=int, default=20, help="terms per group (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = group.add("attributes", cmd_attributes, "import the confirmed attribute list", db=True,
                  description="store what each own product has, as the operator confirmed it "
                              "(a sheet: site, id, attributes separated by 、 or ,); title "
                              "suggestions may use these words")
    p.add_argument("file", metavar="FILE", help="the list, .xlsx or .csv")


def _register_titles(group: Cli) -> None:
    """``keywords titles | export``: what to write in the titles."""
    p = group.add("titles", cmd_titles, "title suggestions per own product", db=True,
                  description="per own product: the suggested title (only words the product "
                              "vouches for), terms added and dropped, demand terms to check, "
                              "forbidden claims of its current title")
    p.add_argument("--group", help="only this keyword group")
    p.add_argument("--date", type=_date, help="a day of the library's week (default: latest)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = group.add("export", cmd_export, "export keyword lists", db=True,
                  description="ranked terms, coverage of own titles and title suggestions as "
                              "CSV or XLSX")
    p.add_argument("--group", help="only this keyword group")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--out", required=True, metavar="PATH")
    p.add_argument("--date", type=_date, help="a day of the week to export (default: latest)")
