"""Small repository functions. Each takes a Session; the caller owns the transaction.

Upserts use the dialect's ``INSERT ... ON CONFLICT`` (SQLite and PostgreSQL share the API), so a
rerun of the same day updates rows instead of duplicating them.

Over 300 lines on purpose: the one home of single-purpose queries (docs/architecture.md);
split it by table when it passes ~500.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import and_, case, delete, func, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import (
    Alert,
    AlertAck,
    AlertDelivery,
    Base,
    BlockedPage,
    BoardUser,
    CrawlRun,
    JobRun,
    Keyword,
    KeywordTerm,
    KeywordTermWeek,
    Mute,
    OutboxMessage,
    Product,
    ProductAttribute,
    ProductSnapshot,
    RankObservation,
    Site,
    SuggestionObservation,
    WatchedProduct,
    utcnow,
)


def _insert(session: Session, model: type[Base]) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def upsert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]],
           keys: Sequence[str], update_columns: Iterable[str] | None = None) -> None:
    """Insert ``rows``; on a conflict over ``keys`` update ``update_columns`` (or do nothing)."""
    if not rows:
        return
    # One statement may not touch a key twice (PostgreSQL refuses it): the last row wins.
    rows = list({tuple(row[k] for k in keys): row for row in rows}.values())
    statement = _insert(session, model)
    columns = list(update_columns) if update_columns is not None else []
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: statement.excluded[name] for name in columns},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    session.execute(statement, list(rows))


def ensure_site(session: Session, name: str, adapter: str, base_url: str) -> int:
    upsert(session, Site, [{"name": name, "adapter": adapter, "base_url": base_url}],
           ["name"], ["adapter", "base_url"])
    return int(session.scalars(select(Site.id).where(Site.name == name)).one())


def ensure_keyword(session: Session, site_id: int, term: str, group: str,
                   source: str = "manual") -> int:
    upsert(session, Keyword,
           [{"site_id": site_id, "term": term, "group": group, "source": source}],
           ["site_id", "term"], ["group"])
    statement = select(Keyword.id).where(Keyword.site_id == site_id, Keyword.term == term)
    return int(session.scalars(statement).one())


def add_suggestions(session: Session, site_id: int, group: str, seed: str,
                    terms: Sequence[str], run_id: int, attempt: int) -> None:
    """Record suggested terms as keyword candidates (a tracked keyword stays as it is) and
    what the site suggested for ``seed`` in this run, in its order."""
    terms = list(dict.fromkeys(term[:256] for term in terms if term.strip()))
    if not terms:
        return
    upsert(session, Keyword, [{"site_id": site_id, "term": term, "group": group,
                               "source": "suggestion"} for term in terms], ["site_id", "term"])
    ids = {term: kid for term, kid in session.execute(select(Keyword.term, Keyword.id).where(
        Keyword.site_id == site_id, Keyword.term.in_(terms)))}
    upsert(session, SuggestionObservation,
           [{"crawl_run_id": run_id, "keyword_id": ids[term], "seed": seed[:256],
             "position": position, "attempt": attempt}
            for position, term in enumerate(terms, 1)],
           ["crawl_run_id", "seed", "keyword_id"], ["position", "attempt"])


def begin_run(session: Session, site_id: int, spider: str, day: dt.date) -> tuple[int, int]:
    """Start (or restart) the crawl run of a site, spider and day; returns (run id, attempt)."""
    run = session.scalars(select(CrawlRun).where(
        CrawlRun.site_id == site_id, CrawlRun.spider == spider, CrawlRun.day == day)).one_or_none()
    if run is None:
        run = CrawlRun(site_id=site_id, spider=spider, day=day, attempt=1, status="running")
        session.add(run)
    else:
        run.attempt += 1
        run.status = "running"
        run.started_at = utcnow()
        run.finished_at = None
        run.items_count = run.pages_count = run.errors_count = 0
        run.error_summary = None
    session.flush()
    return run.id, run.attempt


def finish_run(session: Session, run_id: int, status: str, *, items: int, pages: int,
               errors: int, error_summary: str | None,
               page_counts: dict[str, dict[str, int]] | None = None,
               unknown_prices: int = 0) -> None:
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(
        status=status, finished_at=utcnow(), items_count=items, pages_count=pages,
        errors_count=errors, error_summary=error_summary, page_counts=page_counts,
        unknown_prices=unknown_prices))


def prune_stale(session: Session, run_id: int, attempt: int) -> None:
    """After a complete rerun, drop what only an earlier attempt of the run saw."""
    for model in (ProductSnapshot, RankObservation, SuggestionObservation):
        session.execute(delete(model).where(model.crawl_run_id == run_id,
                                            model.attempt < attempt))


def fail_unfinished_runs(session: Session, reason: str, day: dt.date | None = None, *,
                         spiders: Sequence[str] | None = None,
                         sites: Sequence[str] | None = None) -> int:
    """Mark runs still 'running' (their process died or timed out) as failed: of ``day``,
    and only those ``spiders`` and ``sites`` (by name) when given: one crawl's runs."""
    statement = update(CrawlRun).where(CrawlRun.status == "running")
    if day is not None:
        statement = statement.where(CrawlRun.day == day)
    if spiders is not None:
        statement = statement.where(CrawlRun.spider.in_(list(spiders)))
    if sites is not None:
        statement = statement.where(CrawlRun.site_id.in_(
            select(Site.id).where(Site.name.in_(list(sites)))))
    result = session.execute(statement.values(status="failed", finished_at=utcnow(),
                                              error_summary=reason))
    return int(getattr(result, "rowcount", 0) or 0)


LEASE = dt.timedelta(minutes=10)  # no heartbeat for this long: the holder is gone


def holder_alive(owner: str, heartbeat_at: dt.datetime, now: dt.datetime,
                 lease: dt.timedelta = LEASE) -> bool:
    """Whether the process that holds a row (``owner``: "host:pid[:thread]") may still be
    working on it. Its heartbeat must be younger than ``lease``; on this host, its pid must
    also be alive (a dead process is known at once, not after the lease)."""
    if now - heartbeat_at >= lease:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: only its heartbeat tells
    return _pid_alive(int(pid))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is dead
        stat = Path(f"/proc/{pid}/stat").read_text("utf-8", "replace")
    except OSError:
        return True  # no /proc here: kill(0) is all we know
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


class ClosedDay(NamedTuple):
    day: dt.date
    job: str
    detail: str
    crawl_runs: int  # of its crawl runs closed with it


def close_dead_jobs(session: Session, *, day: dt.date | None = None,
                    since: dt.date | None = None, now: dt.datetime | None = None,
                    lease: dt.timedelta = LEASE) -> list[ClosedDay]:
    """Close the job days (of ``day``, or from ``since`` on) left running by a process that
    died (see ``holder_alive``): failed, detail "process died: ...". A day that died in its
    crawl step has its crawl runs still running closed the same way (a crawl child does not
    outlive the process that started it). Returns the rows closed."""
    now = now or utcnow()
    statement = select(JobRun).where(JobRun.status == "running")
    if day is not None:
        statement = statement.where(JobRun.day == day)
    if since is not None:
        statement = statement.where(JobRun.day >= since)
    closed = []
    for row in session.scalars(statement).all():
        if holder_alive(row.owner, row.heartbeat_at, now, lease):
            continue
        detail = (f"process died: {row.owner} stopped in step {row.step or 'starting'} "
                  f"(last heartbeat {row.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)")
        taken = session.execute(update(JobRun).where(
            JobRun.id == row.id, JobRun.status == "running", JobRun.owner == row.owner,
            JobRun.attempt == row.attempt, JobRun.heartbeat_at == row.heartbeat_at)
            .values(status="failed", finished_at=now, detail=detail)
            .execution_options(synchronize_session=False))
        if getattr(taken, "rowcount", 0) != 1:
            continue  # closed or taken over by another process just now
        runs = fail_unfinished_runs(session, detail, row.day) if row.step == "crawl" else 0
        closed.append(ClosedDay(row.day, row.job, detail, runs))
    return closed


def upsert_products(session: Session, site_id: int,
                    rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert or refresh products; returns external id -> product id.

    A field the page did not show (None) never overwrites what we knew.
    """
    if not rows:
        return {}
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:
        merged = by_id.setdefault(row["external_id"], {"site_id": site_id})
        merged.update({k: v for k, v in row.items() if v is not None or k not in merged})
    ids = list(by_id)
    existing = {p.external_id: p for p in session.scalars(select(Product).where(
        Product.site_id == site_id, Product.external_id.in_(ids)))}
    new_rows = []
    for external_id, row in by_id.items():
        product = existing.get(external_id)
        if product is None:
            new_rows.append(row)
            continue
        for key, value in row.items():
            if value is not None and getattr(product, key) != value:
                setattr(product, key, value)
    upsert(session, Product, new_rows, ["site_id", "external_id"])
    session.flush()
    statement = select(Product.external_id, Product.id).where(
        Product.site_id == site_id, Product.external_id.in_(ids))
    return {external_id: pid for external_id, pid in session.execute(statement)}


SNAPSHOT_COLUMNS = ("price", "list_price", "price_high", "list_price_high", "currency",
                    "price_raw", "in_stock", "stock_count", "sales_count", "rating",
                    "review_count", "title")
RANK_COLUMNS = ("product_id", "attempt", "organic_position", "page", "sponsored")


def upsert_snapshots(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Merge what one run saw of a product from several pages into one snapshot.

    A later attempt of the run replaces the row. Within one attempt, a field a page did not
    show never erases a known one, and the product page's value beats a listing entry's.
    """
    if not rows:
        return
    rows = list({(r["crawl_run_id"], r["product_id"]): r for r in rows}.values())
    statement = _insert(session, ProductSnapshot)
    new, old = statement.excluded, ProductSnapshot.__table__.c
    newer = new.attempt > old.attempt
    old_wins = and_(old.from_page, not_(new.from_page))
    merged = {name: case((newer, new[name]), (old_wins, func.coalesce(old[name], new[name])),
                         else_=func.coalesce(new[name], old[name]))
              for name in SNAPSHOT_COLUMNS}
    merged["from_page"] = case((newer, new.from_page), else_=or_(old.from_page, new.from_page))
    merged["attempt"] = case((newer, new.attempt), else_=old.attempt)
    statement = statement.on_conflict_do_update(index_elements=["crawl_run_id", "product_id"],
                                                set_=merged)
    session.execute(statement, rows)


def upsert_ranks(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    upsert(session, RankObservation, rows,
           ["crawl_run_id", "keyword_id", "position"], RANK_COLUMNS)


def replace_keyword_week(session: Session, week: dt.date, rows: Sequence[dict[str, Any]]) -> None:
    """Replace the keyword library's rows of ``week`` (a rebuild recomputes the whole week)."""
    session.execute(delete(KeywordTermWeek).where(KeywordTermWeek.week == week))
    if rows:
        session.execute(_insert(session, KeywordTermWeek), list(rows))


def upsert_keyword_terms(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Keep one row per group, source and term: first seen is the earliest day a build saw it,
    last seen the latest (a backfill of an older day moves first_seen back, not last_seen)."""
    if not rows:
        return
    statement = _insert(session, KeywordTerm)
    new, old = statement.excluded, KeywordTerm.__table__.c
    newer = new.last_seen >= old.last_seen
    statement = statement.on_conflict_do_update(
        index_elements=["group", "source", "term"],
        set_={"first_seen": case((new.first_seen < old.first_seen, new.first_seen),
                                 else_=old.first_seen),
              "last_seen": case((newer, new.last_seen), else_=old.last_seen),
              **{name: case((newer, new[name]), else_=old[name])
                 for name in ("frequency", "doc_frequency", "score", "kind", "extra")}})
    for start in range(0, len(rows), 5000):
        session.execute(statement, list(rows[start:start + 5000]))


def replace_attributes(session: Session, site: str, source: str,
                       rows: dict[str, Sequence[tuple[str, str]]]) -> None:
    """Replace the ``source`` attributes ("page": the spec table; "operator": the confirmed
    list) of each product id in ``rows`` with its (name, value) pairs."""
    if not rows:
        return
    ids = list(rows)
    for start in range(0, len(ids), 500):
        session.execute(delete(ProductAttribute).where(
            ProductAttribute.site == site, ProductAttribute.source == source,
            ProductAttribute.product_id.in_(ids[start:start + 500])))
    values = [{"site": site, "product_id": pid[:128], "source": source, "name": name[:64],
               "value": value[:256]}
              for pid, pairs in rows.items() for name, value in dict.fromkeys(pairs)]
    if values:
        session.execute(_insert(session, ProductAttribute).on_conflict_do_nothing(), values)


def watchlist(session: Session) -> list[WatchedProduct]:
    """The imported watch list, by site and id."""
    return list(session.scalars(select(WatchedProduct).order_by(
        WatchedProduct.site, WatchedProduct.external_id)))


def upsert_watchlist(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add or update imported watch-list rows (keyed by site and id): importing the same
    sheet twice changes nothing."""
    upsert(session, WatchedProduct, rows, ["site", "external_id"],
           ["url", "role", "group", "compare_to", "source"])


def alerts_of_day(session: Session, day: dt.date) -> list[Alert]:
    """The alerts stored for ``day``, in the order they were stored."""
    return list(session.scalars(select(Alert).where(Alert.day == day).order_by(Alert.id)))


def newest_alert_day(session: Session) -> dt.date | None:
    day: dt.date | None = session.scalar(select(func.max(Alert.day)))
    return day


def alerts_since(session: Session, since: dt.date) -> list[Alert]:
    """The alerts from ``since`` on, newest day first, in the order stored within a day."""
    return list(session.scalars(select(Alert).where(Alert.day >= since)
                                .order_by(Alert.day.desc(), Alert.id)))


def delivery_statuses(session: Session, alert_ids: Sequence[int]) -> dict[int, set[str]]:
    """Per alert, the statuses of the outbox messages that carry it (one per recipient)."""
    statuses: dict[int, set[str]] = {}
    for alert_id, status in session.execute(
            select(AlertDelivery.alert_id, OutboxMessage.status)
            .join(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_id)
            .where(AlertDelivery.alert_id.in_(alert_ids))):
        statuses.setdefault(alert_id, set()).add(status)
    return statuses


# -- the board (shopwatch serve) -------------------------------------------------------------
BLOCKED_PAGE_BYTES = 256 * 1024  # what is kept of a blocked page's text


def save_blocked_page(session: Session, run_id: int, url: str, reason: str, body: str, *,
                      status: int | None = None, content_type: str | None = None) -> None:
    """Keep ``body`` (decoded text) as the last blocked or unreadable page of a crawl run,
    cut to 256 kB of UTF-8; a later one of the same run replaces it."""
    cut = body.encode("utf-8", "replace")[:BLOCKED_PAGE_BYTES].decode("utf-8", "ignore")
    upsert(session, BlockedPage,
           [{"run_id": run_id, "url": url[:2048], "reason": reason, "status": status,
             "content_type": (content_type or "")[:128] or None, "body": cut,
             "saved_at": utcnow()}],
           ["run_id"], ["url", "reason", "status", "content_type", "body", "saved_at"])


def board_user(session: Session, name: str) -> BoardUser | None:
    return session.scalars(select(BoardUser).where(BoardUser.name == name)).one_or_none()


def board_users(session: Session) -> list[BoardUser]:
    return list(session.scalars(select(BoardUser).order_by(BoardUser.name)))


def has_board_users(session: Session) -> bool:
    return session.scalar(select(BoardUser.id).limit(1)) is not None


def set_board_user(session: Session, name: str, password_hash: str, role: str) -> bool:
    """Add a board user, or give an existing one a new password and role; True if new."""
    new = board_user(session, name) is None
    upsert(session, BoardUser, [{"name": name, "password_hash": password_hash, "role": role}],
           ["name"], ["password_hash", "role"])
    return new


def remove_board_user(session: Session, name: str) -> bool:
    result = session.execute(delete(BoardUser).where(BoardUser.name == name))
    return bool(getattr(result, "rowcount", 0))


def acknowledge_alert(session: Session, alert_id: int, user: str) -> None:
    """Tick an alert off (the first acknowledgement stays)."""
    upsert(session, AlertAck, [{"alert_id": alert_id, "user": user, "at": utcnow()}],
           ["alert_id"])


def mute(session: Session, target: str, site: str, key: str, until: dt.date,
         user: str | None) -> None:
    """Mute a product (``site`` and its id as ``key``) or a keyword (``site`` "", the term)
    up to and including ``until``; muting again moves ``until``."""
    if target not in ("product", "keyword"):
        raise ValueError(f"a mute's target is product or keyword, not {target!r}")
    upsert(session, Mute, [{"target": target, "site": site if target == "product" else "",
                            "key": key, "until": until, "created_by": user,
                            "created_at": utcnow()}],
           ["target", "site", "key"], ["until", "created_by", "created_at"])


class Mutes(NamedTuple):
    """What is muted on a day: (site, product id) pairs and keyword terms."""

    products: frozenset[tuple[str, str]]
    keywords: frozenset[str]

    def silences(self, alert: Any) -> bool:
        """Whether ``alert`` (site, product_external_id, keyword) is muted."""
        product = (getattr(alert, "site", None) or "", getattr(alert, "product_external_id",
                                                               None) or "")
        keyword = getattr(alert, "keyword", None)
        return product in self.products or (keyword is not None and keyword in self.keywords)


def active_mutes(session: Session, day: dt.date) -> Mutes:
    """The mutes in force on ``day`` (its alerts are recorded but not sent)."""
    rows = session.execute(select(Mute.target, Mute.site, Mute.key).where(Mute.until >= day))
    products, keywords = set(), set()
    for target, site, key in rows:
        if target == "product":
            products.add((site, key))
        else:
            keywords.add(key)
    return Mutes(frozenset(products), frozenset(keywords))


def sendable_alerts(session: Session, day: dt.date) -> list[Alert]:
    """The alerts of ``day`` that may be sent, in the order stored: all but those whose
    product or keyword is muted on that day (recorded and shown on the board, not sent)."""
    mutes = active_mutes(session, day)
    return [a for a in alerts_of_day(session, day) if not mutes.silences(a)]
