"""The board's queries on a known history, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from board.queries import newest_day
from board.queries.alerts import facets, inbox
from board.queries.overview import (
    alert_counts,
    crawl_health,
    own_rank_days,
    price_index,
    top10_share,
)
from board.queries.products import compare_pairs, product_history, product_rows
from board.queries.ranks import keyword_history, own_rank_lines
from board.queries.runs import blocked_page, crawl_runs, job_runs, outbox
from config import Config
from db import repo
from db.session import session_scope
from tests.board.history import BLOCKED, DAY, EVIL, KEPT_BODY, SITE, TERM

WEEK_AGO = DAY - dt.timedelta(days=7)


def test_overview_counts_ranks_shares_prices_and_health(history: Config) -> None:
    with session_scope(history.database_url) as s:
        assert newest_day(s) == DAY
        assert sorted(alert_counts(s, DAY)) == [("critical", "stock_out", 1),
                                                ("info", "price_move", 1),
                                                ("warning", "rank_drop", 1)]
        days = {r.day: r for r in own_rank_days(s, WEEK_AGO, DAY)}
        assert days[DAY].average == 6 and days[DAY - dt.timedelta(days=1)].average == 3
        assert days[BLOCKED].average is None and days[BLOCKED].pairs == 0  # a gap, not 0
        assert days[DAY].page_one == 1
        assert days[BLOCKED].page_one is None  # no rank crawl that day: unknown, not 0
        [share] = top10_share(s, DAY)
        assert (share.group, share.own, share.places) == ("清洁", 1, 3)
        today, trend = price_index(s, history, DAY, WEEK_AGO)
        [pair] = today
        assert (pair.competitor, pair.own, pair.index) == ("C1", "A", 90.0)
        assert dict(trend)[BLOCKED] is None and dict(trend)[DAY] == 90.0
        [site] = crawl_health(s, BLOCKED)
        assert (site.site, site.status) == (SITE, "blocked")
        assert crawl_health(s, DAY)[0].status == "ok"


def test_rank_lines_keep_blocked_days_apart_from_not_ranked(history: Config) -> None:
    with session_scope(history.database_url) as s:
        [line] = own_rank_lines(s, DAY)
    assert (line.product_id, line.term, line.today, line.day_before, line.week_before,
            line.best) == ("A", TERM, 6, 3, 3, 3)
    assert (line.change_1d, line.change_7d) == (-3, -3)
    assert line.trend[-1] == 6 and line.trend[-3] is None  # BLOCKED: unknown, a gap
    assert line.unknown == {BLOCKED}
    assert line.trend[:20] == [None] * 20  # before the history began: nothing


def test_keyword_history_shows_ours_competitors_and_ads_apart(history: Config) -> None:
    with session_scope(history.database_url) as s:
        found = keyword_history(s, TERM, DAY, 7)
    by_id = {series.product_id: series for series in found.series}
    assert set(by_id) == {"A", "C1", "X"}
    assert by_id["A"].own and by_id["A"].organic[DAY] == 6
    assert by_id["C1"].organic[DAY] == 1 and by_id["C1"].ads == {
        DAY - dt.timedelta(days=1): 1, DAY: 1}
    assert BLOCKED not in by_id["A"].organic
    assert found.unknown == {SITE: [BLOCKED]}
    assert found.days[0] == DAY - dt.timedelta(days=6) and found.days[-1] == DAY


def test_product_rows_and_history(history: Config) -> None:
    with session_scope(history.database_url) as s:
        rows, total = product_rows(s, history, DAY)
        competitors, n = product_rows(s, history, DAY, role="competitor")
        grouped, in_group = product_rows(s, history, DAY, group="清洁", shop="对手店")
        assert {r.product_id for r in grouped} == {"C1", "X"}
        assert in_group == 2 and not product_rows(s, history, DAY, group="空气")[0]
        assert compare_pairs(s, history) == [(SITE, "C1", "A")]
        detail = product_history(s, history, SITE, "C1", DAY, 30)
        missing = product_history(s, history, SITE, "nope", DAY, 30)
    assert total == 3 and n == 2 and {r.product_id for r in competitors} == {"C1", "X"}
    by_id = {r.product_id: r for r in rows}
    assert by_id["C1"].promotion and by_id["C1"].list_price == Decimal("120.00")
    assert by_id["C1"].change == 0 and by_id["C1"].watched
    assert by_id["X"].stock_state == "out_of_stock" and by_id["X"].title == EVIL
    assert not by_id["X"].watched  # found by search only
    assert by_id["X"].group == "清洁"  # no group of its own: its keyword's
    assert missing is None and detail is not None
    assert [p.day for p in detail.points][-1] == DAY and len(detail.points) == 9  # BLOCKED
    assert list(detail.counterparts) == ["A"]
    assert detail.counterparts["A"][-1].price == Decimal("100.00")


def test_inbox_acknowledgements_and_mutes(history: Config) -> None:
    with session_scope(history.database_url) as s:
        rows = inbox(s, DAY)
        assert [r.alert.kind for r in rows] == ["stock_out", "rank_drop", "price_move"]
        repo.acknowledge_alert(s, rows[1].alert.id, "li")
        repo.acknowledge_alert(s, rows[1].alert.id, "wang")  # the first stays
        repo.mute(s, "product", SITE, "X", DAY, "li")
    with session_scope(history.database_url) as s:
        rows = inbox(s, DAY)
        assert [(r.acked_by, r.muted) for r in rows] == [(None, True), ("li", False),
                                                         (None, False)]
        assert [r.alert.kind for r in inbox(s, DAY, open_only=True)] == ["stock_out",
                                                                        "price_move"]
        assert [r.alert.kind for r in inbox(s, DAY, severity="critical")] == ["stock_out"]
        assert facets(s, DAY)["kind"] == ["price_move", "rank_drop", "stock_out"]
        assert not any(r.muted for r in inbox(s, DAY + dt.timedelta(days=1)))


def test_active_mutes_by_product_and_keyword_until_their_day(history: Config) -> None:
    with session_scope(history.database_url) as s:
        repo.mute(s, "product", SITE, "X", DAY, "li")
        repo.mute(s, "keyword", "ignored", TERM, DAY + dt.timedelta(days=2), "li")
        repo.mute(s, "product", SITE, "X", DAY + dt.timedelta(days=1), "wang")  # moved on
    with session_scope(history.database_url) as s:
        today = repo.active_mutes(s, DAY)
        later = repo.active_mutes(s, DAY + dt.timedelta(days=2))
        alerts = {a.kind: a for a in repo.alerts_of_day(s, DAY)}
        none = repo.active_mutes(s, DAY + dt.timedelta(days=3))
    assert today.products == {(SITE, "X")} and today.keywords == {TERM}
    assert later.products == frozenset() and later.keywords == {TERM}
    assert today.silences(alerts["stock_out"]) and today.silences(alerts["rank_drop"])
    assert not today.silences(alerts["price_move"])
    assert none == repo.Mutes(frozenset(), frozenset())


def test_a_kept_page_is_listed_with_its_run_and_cut(history: Config) -> None:
    with session_scope(history.database_url) as s:
        runs = {r.day: r for r in crawl_runs(s, DAY, 7)}
        assert runs[BLOCKED].kept_page and not runs[DAY].kept_page
        kept, site, spider, day = blocked_page(s, runs[BLOCKED].id) or (None, "", "", None)
        assert kept is not None and kept.body == KEPT_BODY
        assert (site, spider, day) == (SITE, "ranks", BLOCKED)
        repo.save_blocked_page(s, runs[BLOCKED].id, "http://x/", "again", "界" * 100_000)
    with session_scope(history.database_url) as s:
        kept = blocked_page(s, runs[BLOCKED].id)[0]  # type: ignore[index]
    assert kept.reason == "again" and len(kept.body.encode()) <= 256 * 1024
    assert kept.body == "界" * (256 * 1024 // 3)


def test_the_day_lock_and_the_outbox_are_listed(history: Config) -> None:
    from db.models import JobRun, OutboxMessage

    with session_scope(history.database_url) as s:
        s.add(JobRun(day=DAY, job="daily", status="running", owner="host:1", step="crawl"))
        s.add_all(OutboxMessage(day=DAY, recipient=f"op{i}@example.com", subject="日报",
                                message_id=f"<{i}@x>", message=b"...", status=status,
                                channel=channel, attempts=i)
                  for i, (status, channel) in enumerate([("sent", "email"),
                                                         ("queued", "chat")]))
    with session_scope(history.database_url) as s:
        [job] = job_runs(s, DAY)
        counts, messages = outbox(s)
    assert (job.job, job.status, job.step) == ("daily", "running", "crawl")
    assert counts == {"sent": 1, "queued": 1}
    assert [(m.channel, m.status, m.attempts) for m in messages] == [("chat", "queued", 1),
                                                                    ("email", "sent", 0)]
