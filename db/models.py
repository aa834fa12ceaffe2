"""SQLAlchemy 2.0 typed models. Observations are keyed by crawl run, so a rerun upserts.

Over 300 lines on purpose: every table in one module, one metadata, which the migrations and
the migration test (models == migrations head) compare against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# a price column (a parsed price with its currency is crawlers.items.Money)
AMOUNT = Numeric(14, 2)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    adapter: Mapped[str] = mapped_column(String(64))
    base_url: Mapped[str] = mapped_column(String(512))


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    shop: Mapped[str | None] = mapped_column(String(256))
    brand: Mapped[str | None] = mapped_column(String(256))
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    group: Mapped[str | None] = mapped_column(String(128))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CrawlRun(Base):
    """One spider's crawl of one site for one day; a rerun of the day reuses the row."""

    __tablename__ = "crawl_runs"
    __table_args__ = (UniqueConstraint("site_id", "spider", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    spider: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    items_count: Mapped[int] = mapped_column(Integer, default=0)
    pages_count: Mapped[int] = mapped_column(Integer, default=0)
    errors_count: Mapped[int] = mapped_column(Integer, default=0)
    error_summary: Mapped[str | None] = mapped_column(Text)
    # per page type: {"search": {"pages": 3, "items": 60, "errors": 0, "blocked": 0}, ...}
    page_counts: Mapped[dict[str, dict[str, int]] | None] = mapped_column(JSON)
    unknown_prices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProductSnapshot(Base):
    __tablename__ = "product_snapshots"
    # a product's history (board, charts): its snapshots by run
    __table_args__ = (UniqueConstraint("crawl_run_id", "product_id"),
                      Index("ix_product_snapshots_product_run", "product_id", "crawl_run_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal | None] = mapped_column(AMOUNT)
    list_price: Mapped[Decimal | None] = mapped_column(AMOUNT)
    # the top of a price range ("1399-1699"): price holds its low end
    price_high: Mapped[Decimal | None] = mapped_column(AMOUNT)
    list_price_high: Mapped[Decimal | None] = mapped_column(AMOUNT)
    currency: Mapped[str | None] = mapped_column(String(3))
    price_raw: Mapped[str | None] = mapped_column(String(128))
    in_stock: Mapped[bool | None] = mapped_column(Boolean)
    # in_stock / out_of_stock / preorder / backorder / unknown; in_stock is True / False only
    # for the first two (NULL: written by a release before 0009, or nothing said)
    stock_state: Mapped[str | None] = mapped_column(String(16))
    stock_count: Mapped[int | None] = mapped_column(Integer)
    from_page: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sales_count: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    review_count: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)


class Keyword(Base):
    __tablename__ = "keywords"
    __table_args__ = (UniqueConstraint("site_id", "term"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    term: Mapped[str] = mapped_column(String(256))
    group: Mapped[str] = mapped_column(String(128), default="default")
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual/suggestion/mined


class RankObservation(Base):
    __tablename__ = "rank_observations"
    # a product's rank history (board): its observations by run
    __table_args__ = (UniqueConstraint("crawl_run_id", "keyword_id", "position"),
                      Index("ix_rank_observations_product_run", "product_id", "crawl_run_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    keyword_id: Mapped[int] = mapped_column(ForeignKey("keywords.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer)
    organic_position: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    sponsored: Mapped[bool] = mapped_column(Boolean, default=False)


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    site: Mapped[str | None] = mapped_column(String(64))
    product_external_id: Mapped[str | None] = mapped_column(String(128))
    keyword: Mapped[str | None] = mapped_column(String(256))
    subject: Mapped[str] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    dedup_key: Mapped[str] = mapped_column(String(512), unique=True)
    magnitude: Mapped[float | None] = mapped_column(Float)  # how bad (a repeat must be worse)
    group: Mapped[str | None] = mapped_column(String(128))  # keyword/product group
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class KeywordTerm(Base):
    """One term of the keyword library, per group and source."""

    __tablename__ = "keyword_terms"
    __table_args__ = (UniqueConstraint("group", "source", "term"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(32))  # search_term/suggestion/competitor_title/own
    term: Mapped[str] = mapped_column(String(128))
    frequency: Mapped[int] = mapped_column(Integer, default=0)
    doc_frequency: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    first_seen: Mapped[dt.date] = mapped_column(Date)
    last_seen: Mapped[dt.date] = mapped_column(Date)
    extra: Mapped[dict[str, object] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(8), default="word", server_default="word")


class KeywordTermWeek(Base):
    """A term's statistics over one week (Monday to the day of the build) of one source.

    A build recomputes its whole week from the observations, so that rebuilding a day never
    counts anything twice; earlier weeks are the history behind "new", "rising" and "fading".
    """

    __tablename__ = "keyword_term_weeks"
    __table_args__ = (UniqueConstraint("group", "week", "source", "term"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group: Mapped[str] = mapped_column(String(128))
    week: Mapped[dt.date] = mapped_column(Date, index=True)  # the Monday
    source: Mapped[str] = mapped_column(String(32))
    term: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8), default="word")  # word / phrase
    frequency: Mapped[int] = mapped_column(Integer)
    doc_frequency: Mapped[int] = mapped_column(Integer)
    documents: Mapped[int] = mapped_column(Integer)  # of this source in the group and week
    score: Mapped[float] = mapped_column(Float)
    top10_share: Mapped[float] = mapped_column(Float, default=0.0)
    built_on: Mapped[dt.date] = mapped_column(Date)


class SearchDemand(Base):
    """A term's search demand in one week, from a platform's search-term report (生意参谋,
    京东商智, Amazon Brand Analytics, Helium 10). ``term_key`` is the term folded (NFKC, lower
    case, no spaces): how it is matched with the library's terms."""

    __tablename__ = "search_demand"
    __table_args__ = (UniqueConstraint("source", "week", "term_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # sycm, jd, amazon-ba, helium10
    week: Mapped[dt.date] = mapped_column(Date, index=True)  # the Monday
    term: Mapped[str] = mapped_column(String(256))
    term_key: Mapped[str] = mapped_column(String(256), index=True)
    volume: Mapped[float | None] = mapped_column(Float)  # searches or 搜索人气 (an index)
    rank: Mapped[int | None] = mapped_column(Integer)  # 热搜排名 / Search Frequency Rank
    click_rate: Mapped[float | None] = mapped_column(Float)  # 0..1
    conversion: Mapped[float | None] = mapped_column(Float)  # 0..1
    competing: Mapped[int | None] = mapped_column(Integer)  # 在线商品数 / competing products
    extra: Mapped[dict[str, object] | None] = mapped_column(JSON)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ProductAttribute(Base):
    """What a product vouches for beyond its title: a row of its page's specification table
    (source "page": 品牌 = 智享, 功能 = 自动集尘) or an attribute the operator confirmed
    (source "operator", ``shopwatch keywords attributes``). Keyed by site name and product id,
    so that an operator may confirm attributes before the first crawl."""

    __tablename__ = "product_attributes"
    __table_args__ = (UniqueConstraint("site", "product_id", "source", "name", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))  # page, operator
    name: Mapped[str] = mapped_column(String(64))  # "" for an operator's attribute
    value: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SuggestionObservation(Base):
    """A search suggestion a site offered for a tracked term on a crawl day, in its order."""

    __tablename__ = "suggestion_observations"
    __table_args__ = (UniqueConstraint("crawl_run_id", "seed", "keyword_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    keyword_id: Mapped[int] = mapped_column(ForeignKey("keywords.id"), index=True)
    seed: Mapped[str] = mapped_column(String(256))
    position: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=1)


class OutboxMessage(Base):
    """A digest e-mail for one recipient, stored before it is sent.

    The message is rendered once (its bytes, charts included, and its Message-ID are kept), so
    a retry sends exactly what was queued. ``status`` goes queued -> sent. A sender claims a
    queued message (``claimed_by``, ``claimed_at``) with a compare-and-set before it talks to
    the server; a failed attempt drops the claim and leaves the error and the time of the next
    try; a claim past its lease (``monitor.notify.outbox``) is a sender that died and may be taken
    over. On a sent message the claim says who sent it.
    ``seq`` numbers the digests of a day per recipient (unique: two processes queueing the
    same day at once cannot both queue one).
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("day", "recipient", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    message: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str | None] = mapped_column(String(128))  # host:pid:nonce
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # "email": a digest (RFC 5322 bytes) for the address ``recipient``; "chat": the day's
    # headline and critical alerts (JSON: title, body) for the [[notify.chat]] bot
    # ``recipient`` ("chat:NAME"), sent through Apprise (migration 0012)
    channel: Mapped[str] = mapped_column(String(16), default="email", server_default="email")


class AlertDelivery(Base):
    """Which message carries an alert to a recipient: one per alert and recipient, ever."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "recipient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)


class WatchedProduct(Base):
    """A product watched like a ``[[products]]`` block of the config, imported from a
    spreadsheet (``shopwatch products import``); the config's own blocks win over a row of
    the same site and id."""

    __tablename__ = "watchlist"
    __table_args__ = (UniqueConstraint("site", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(64))  # a site name of the config
    external_id: Mapped[str] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(String(2048))
    role: Mapped[str] = mapped_column(String(16))  # own / competitor
    group: Mapped[str] = mapped_column(String(128))
    compare_to: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(512))  # the file it came from, its row
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class JobRun(Base):
    """One day of a scheduled job (the daily run, the weekly keyword rebuild): the database
    lock that lets only one scheduler or ``shopwatch run`` work on a day at a time.

    ``status``: running (``owner`` holds it, ``heartbeat_at`` says it is alive), done, failed
    or interrupted (stopped by SIGTERM/Ctrl-C between two steps: run again on start).
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("day", "job"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    job: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    step: Mapped[str | None] = mapped_column(String(64))  # the step in progress or last done
    detail: Mapped[str | None] = mapped_column(Text)


# -- the board (shopwatch serve, roadmap step 12) ------------------------------------------
class BoardUser(Base):
    """A person who may log in to the board (``shopwatch users add``); ``role``: editor
    (acknowledge, mute) or viewer (look only). Passwords are argon2 hashes."""

    __tablename__ = "board_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AlertAck(Base):
    """An alert ticked off on the board: by whom, when."""

    __tablename__ = "alert_acks"
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"),
                                          primary_key=True)
    user: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Mute(Base):
    """A product (``target`` "product": ``site`` + ``key`` the product id) or a keyword
    (``target`` "keyword": ``key`` the term) muted up to and including ``until``: its alerts
    are still recorded, but not sent."""

    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("target", "site", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(16))
    site: Mapped[str] = mapped_column(String(64), default="")  # "" for a keyword on any site
    key: Mapped[str] = mapped_column(String(256))
    until: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BlockedPage(Base):
    """The last blocked or unreadable page of a crawl run, kept so that an operator can see
    what the platform showed. Kept as text, shown as text (never rendered as HTML)."""

    __tablename__ = "blocked_pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"),
                                        unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)  # the decoded page, cut to 256 kB
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
