"""Names the board shows for codes stored in the database (alert kinds, severities, run
statuses, stock states, roles, keyword trends). The codes stay English in the data and in
URLs; ``name(language, table, code)`` shows them in the operator's language (an unknown code
is shown as it is)."""

from __future__ import annotations

from collections.abc import Mapping

from config import i18n
from config.i18n import N_

KINDS = {
    "crawl_blocked": N_("Crawls blocked"), "crawl_failed": N_("Crawls failed"),
    "rank_lost": N_("Ranks lost"), "rank_drop": N_("Rank drops"),
    "visibility_drop": N_("Visibility"), "stock_out": N_("Stock-outs"),
    "undercut": N_("Undercuts"), "price_move": N_("Price moves"),
    "promotion_start": N_("Promotions started"), "new_entrant": N_("New entrants"),
    "back_in_stock": N_("Back in stock"), "promotion_end": N_("Promotions ended"),
    "title_change": N_("Title changes"), "sales_jump": N_("Sales jumps"),
    "rank_gain": N_("Rank gains"),
}
RANK_KINDS = frozenset({"rank_drop", "rank_lost", "rank_gain", "new_entrant",
                        "visibility_drop"})
SEVERITIES = {"critical": N_("critical"), "warning": N_("warning"), "info": N_("info")}
STATUSES = {"blocked": N_("blocked"), "failed": N_("failed"), "partial": N_("partial"),
            "running": N_("running"), "ok": N_("ok"), "done": N_("done"),
            "interrupted": N_("interrupted"), "queued": N_("queued"), "sent": N_("sent")}
STOCK = {"in_stock": N_("in stock"), "out_of_stock": N_("out of stock"),
         "preorder": N_("pre-order"), "backorder": N_("back-order"), "unknown": N_("unknown")}
ROLES = {"own": N_("own"), "competitor": N_("competitor"), "other": N_("other")}
TRENDS = {"new": N_("new"), "rising": N_("rising"), "fading": N_("fading"),
          "steady": N_("steady")}
SPIDERS = {"listings": N_("listings"), "ranks": N_("ranks"), "suggest": N_("suggestions")}
TABLES: dict[str, Mapping[str, str]] = {
    "kind": KINDS, "severity": SEVERITIES, "status": STATUSES, "stock": STOCK,
    "role": ROLES, "trend": TRENDS, "spider": SPIDERS}


def name(language: str, table: str, code: str | None) -> str:
    if not code:
        return "–"
    message = TABLES[table].get(code)
    return code if message is None else i18n.gettext(language, message)
