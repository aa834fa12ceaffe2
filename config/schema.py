"""Pydantic models of ``shopwatch.toml``. Unknown keys are errors, so a typo is caught.

Over 300 lines on purpose: the settings are one tree of models that refer to each other,
mirrored by the README's settings table; split, a setting would have two homes to look in."""

from __future__ import annotations

import json
import os
import re
import string
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_DATABASE_URL = "sqlite:///shopwatch.db"
DATABASE_KINDS = ("sqlite", "postgresql")
# Alert severities, most severe first: the one order (monitor.rules sorts by it, e-mail lists
# filter by it).
SEVERITIES = ("critical", "warning", "info")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Selector = str | list[str]


def _check_selector(selector: str) -> None:
    """A selector the crawl can use: CSS (``::text``, ``::attr()``) or XPath (``/``, ``./``,
    ``(``); a broken one is a config error now, not a failed crawl every morning."""
    from lxml import etree
    from parsel.csstranslator import HTMLTranslator

    text = selector.strip()
    if not text:
        raise ValueError("an empty selector")
    try:
        if text.startswith(("/", "./", "(")):
            etree.XPath(text)
        else:
            HTMLTranslator().css_to_xpath(text)
    except Exception as exc:  # cssselect's SelectorError, lxml's XPathSyntaxError
        raise ValueError(f"{selector!r} is not a valid CSS or XPath selector ({exc})") from None


def _check_template(value: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    """A URL template names only ``allowed`` fields ({keyword}, {page}, {id}) and each of
    ``required``: "/search?q={kw}" would request one page of nothing."""
    try:
        names = {field for _text, field, _spec, _conv in string.Formatter().parse(value)
                 if field is not None}
    except ValueError as exc:
        raise ValueError(f"{value!r}: {exc} (a literal brace is written {{{{ or }}}})") from None
    unknown = sorted(names - set(allowed))
    if unknown:
        raise ValueError(f"{value!r} has {', '.join('{' + n + '}' for n in unknown)}; the "
                         f"template takes {', '.join('{' + a + '}' for a in allowed)}")
    missing = [name for name in required if name not in names]
    if missing:
        raise ValueError(f"{value!r} needs {', '.join('{' + m + '}' for m in missing)}")


class PageSelectors(_Strict):
    """How the ``generic`` adapter reads one page type (search results, listings, products).

    A selector is CSS (``::text``, ``::attr(name)`` allowed) or XPath (starting with ``/``,
    ``./`` or ``(``); a list holds alternatives, the first that matches wins. Field selectors
    are relative to ``item`` where there is one.
    """

    render: Literal["http", "browser"] | None = None  # overrides the site's render
    wait_for: str | None = None
    expand: str | None = None  # CSS of elements whose text is HTML rendered later (lazy lists)
    item: Selector | None = None
    link: Selector | None = None
    id: Selector | None = None
    id_pattern: str | None = None  # regex whose first group is the id (applied to id or link)
    title: Selector | None = None
    price: Selector | None = None
    list_price: Selector | None = None
    shop: Selector | None = None
    brand: Selector | None = None
    sales: Selector | None = None
    rating: Selector | None = None
    reviews: Selector | None = None
    stock: Selector | None = None
    sponsored: Selector | None = None  # an item where this matches is an ad
    next: Selector | None = None  # the next page's link (page level)
    no_results: Selector | None = None  # a page where this matches has no results, by design
    follow: bool = False  # listings: also visit each entry's product page

    @field_validator("wait_for", "expand", "item", "link", "id", "title", "price", "list_price",
                     "shop", "brand", "sales", "rating", "reviews", "stock", "sponsored", "next",
                     "no_results")
    @classmethod
    def _selectors(cls, value: Selector | None) -> Selector | None:
        for selector in [value] if isinstance(value, str) else value or []:
            _check_selector(selector)
        return value

    @field_validator("id_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                if re.compile(value).groups < 1:
                    raise ValueError("needs one (group) around the id")
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value


# Product title limits by adapter: Taobao/Tmall count 60 bytes (30 Chinese characters); JD's
# and Amazon's depend on the category, these are common values (set the site's own in config).
PLATFORM_TITLE_LIMITS = {"taobao": (60, "bytes"), "tmall": (60, "bytes"), "jd": (90, "bytes"),
                         "amazon": (200, "chars")}


class SiteConfig(_Strict):
    """One shop or platform to crawl."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # the adapters of crawlers/sites (tests/test_config.py keeps the two lists equal)
    adapter: Literal["amazon", "demoshop", "generic", "jd", "taobao", "tmall"] = "demoshop"
    base_url: str
    render: Literal["http", "browser"] = "http"
    wait_for: str | None = None
    search_path: str | None = None
    product_path: str | None = None
    suggest_path: str | None = None
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    search_pages: int = Field(default=3, ge=1, le=50)
    # Competitors found by search: a product in the top N organic results of any tracked
    # keyword, not watched by id, is compared on its result entry (price, list price, stock
    # label, title, sales); 0 turns it off (the entries are still stored).
    watch_top: int = Field(default=10, ge=0, le=200)
    listing_paths: list[str] = []
    # Title limit for title suggestions: bytes as Taobao counts them (a Chinese character is 2)
    # or characters; unset, the platform's: taobao/tmall 60 bytes, jd 90 bytes, amazon 200 chars.
    title_limit_bytes: int | None = Field(default=None, ge=10)
    title_limit_chars: int | None = Field(default=None, ge=5)
    user_agent: str | None = None
    proxy: str | None = None
    cookies: dict[str, str] = {}
    storage_state: str | None = None  # a saved Playwright storage state (JSON file) for logins
    block_markers: list[str] = []  # extra texts that mean "blocked" on this site
    # A platform's batch price service for prices a page leaves out (JD: images, JavaScript);
    # None: the adapter's own, "": off.
    price_service: str | None = None
    search: PageSelectors | None = None
    listing: PageSelectors | None = None
    product: PageSelectors | None = None
    download_delay: float = Field(default=1.0, ge=0)
    retry_backoff_s: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=4, ge=1, le=64)
    autothrottle: bool = True
    obey_robots_txt: bool = True

    @field_validator("base_url", "proxy")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("search_path")
    @classmethod
    def _search_template(cls, value: str | None) -> str | None:
        if value is not None:
            _check_template(value, ("keyword", "page"), ("keyword",))
        return value

    @field_validator("product_path")
    @classmethod
    def _product_template(cls, value: str | None) -> str | None:
        if value is not None:
            _check_template(value, ("id",), ("id",))
        return value

    @field_validator("suggest_path")
    @classmethod
    def _suggest_template(cls, value: str | None) -> str | None:
        if value is not None and value.strip():  # "" turns suggestions off
            _check_template(value, ("keyword",), ("keyword",))
        return value

    @field_validator("storage_state")
    @classmethod
    def _storage_state_file(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                data = json.loads(Path(value).read_text("utf-8"))
            except OSError as exc:
                raise ValueError(f"cannot read {value}: {exc.strerror}") from None
            except ValueError:
                raise ValueError(f"{value} is not a JSON storage state") from None
            if not isinstance(data, dict) or not isinstance(data.get("cookies", []), list):
                raise ValueError(f"{value} is not a Playwright storage state (no cookies list)")
        return value

    @model_validator(mode="after")
    def _generic_needs_selectors(self) -> SiteConfig:
        if self.adapter == "generic":
            if self.search is not None and not (self.search.item and self.search_path):
                raise ValueError("a generic site's [search] needs item, and search_path")
            if self.listing is not None and not self.listing.item:
                raise ValueError("a generic site's [listing] needs item")
        return self

    @model_validator(mode="after")
    def _one_title_limit(self) -> SiteConfig:
        if self.title_limit_bytes is not None and self.title_limit_chars is not None:
            raise ValueError("title_limit_bytes and title_limit_chars: set one of them")
        return self

    def title_limit(self) -> tuple[int, str]:
        """The platform's product title limit as (number, "bytes" or "chars")."""
        if self.title_limit_chars is not None:
            return self.title_limit_chars, "chars"
        if self.title_limit_bytes is not None:
            return self.title_limit_bytes, "bytes"
        return PLATFORM_TITLE_LIMITS.get(self.adapter, (60, "bytes"))

    def render_for(self, page_type: str) -> str:
        """``http`` or ``browser`` for a page type (search, listing, product)."""
        selectors = getattr(self, page_type, None)
        if isinstance(selectors, PageSelectors) and selectors.render:
            return selectors.render
        return self.render

    def wait_for_page(self, page_type: str) -> str | None:
        selectors = getattr(self, page_type, None)
        if isinstance(selectors, PageSelectors) and selectors.wait_for:
            return selectors.wait_for
        return self.wait_for


class ThresholdOverrides(_Strict):
    """Thresholds for one keyword group, product or keyword: what is set replaces the global."""

    rank_drop: int | None = Field(default=None, ge=1)
    rank_gain: int | None = Field(default=None, ge=1)
    first_page_size: int | None = Field(default=None, ge=1)
    top_k: int | None = Field(default=None, ge=1)
    price_move_pct: float | None = Field(default=None, gt=0)
    price_move_abs: float | None = Field(default=None, gt=0)
    sales_jump_pct: float | None = Field(default=None, gt=0)
    sales_jump_min: int | None = Field(default=None, ge=1)


class ProductConfig(_Strict):
    """A product page to watch, ours or a competitor's."""

    site: str
    id: str = Field(min_length=1)
    role: Literal["own", "competitor"] = "competitor"
    group: str = "default"
    url: str | None = None
    compare_to: str | None = None  # a competitor's: the id of our product it competes with
    thresholds: ThresholdOverrides | None = None

    @field_validator("id", "compare_to", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        """``id = 100012043978`` (TOML reads a number) is the id "100012043978"."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class KeywordConfig(_Strict):
    """A search term whose result ranks are tracked every day."""

    term: str = Field(min_length=1)
    group: str = "default"
    sites: list[str] = []
    thresholds: ThresholdOverrides | None = None


class Thresholds(_Strict):
    """When the monitor raises an alert (global; ``groups`` override per keyword group,
    ``[[products]].thresholds`` and ``[[keywords]].thresholds`` per product or keyword)."""

    rank_drop: int = Field(default=3, ge=1)  # our product lost this many organic places
    rank_gain: int = Field(default=3, ge=1)  # ... or won them (good news)
    first_page_size: int = Field(default=20, ge=1)
    top_k: int = Field(default=10, ge=1)  # left the top K / a competitor entered it
    price_move_pct: float = Field(default=5.0, gt=0)
    price_move_abs: float | None = Field(default=None, gt=0)  # or moved by this amount
    sales_jump_pct: float = Field(default=50.0, gt=0)  # sales count up this much ...
    sales_jump_min: int = Field(default=100, ge=1)  # ... and by at least this many
    min_items_ratio: float = Field(default=0.5, gt=0, le=1)  # a crawl with fewer items than
    # this share of its usual size (the most of the last 7 complete runs) is incomplete
    repeat_days: int = Field(default=7, ge=1)  # the same alert again within this many days
    # only if it got worse (no daily re-alerts of a change that flips back and forth)
    visibility_drop_pts: float = Field(default=10.0, gt=0)  # our share of top-10 slots
    visibility_rank_pct: float = Field(default=15.0, gt=0)  # our average rank, week on week
    groups: dict[str, ThresholdOverrides] = {}

    def resolve(self, *overrides: ThresholdOverrides | None) -> Thresholds:
        """These thresholds with ``overrides`` applied in order (the last one wins)."""
        values = self.model_dump(exclude={"groups"})
        for override in overrides:
            if override is not None:
                values.update(override.model_dump(exclude_none=True))
        return Thresholds(**values)


class ScheduleConfig(_Strict):
    time: str = Field(default="06:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "Asia/Shanghai"
    crawl_timeout_s: int = Field(default=3600, ge=10)
    # a day whose 06:00 was missed (machine off) still runs when the service comes back within
    # this many seconds; later, the next day's run is the next one
    misfire_grace_s: int = Field(default=6 * 3600, ge=60)
    weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    weekly_time: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class LoggingConfig(_Strict):
    """Where the service writes its log: JSON lines, rotated by size."""

    dir: str = "logs"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(default=10_000_000, ge=10_000)
    backups: int = Field(default=7, ge=0)


def _addresses(value: list[str]) -> list[str]:
    for address in value:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
            raise ValueError(f"not an e-mail address: {address!r}")
    return value


class RecipientList(_Strict):
    """A digest of its own for a team: the alerts of some keyword groups and/or sites, from a
    severity on. A recipient in several lists still gets each alert once."""

    name: str = Field(min_length=1)
    recipients: list[str] = Field(min_length=1)
    groups: list[str] = []  # keyword/product groups (empty: all); crawl alerts always come
    sites: list[str] = []  # (empty: all)
    min_severity: Literal["info", "warning", "critical"] = "info"

    @field_validator("recipients")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return _addresses(value)

    def wants(self, alert: Any) -> bool:
        if SEVERITIES.index(alert.severity) > SEVERITIES.index(self.min_severity):
            return False
        if self.sites and alert.site not in self.sites:
            return False
        crawl = alert.kind.startswith("crawl_")
        return crawl or not self.groups or alert.group in self.groups


class EmailConfig(_Strict):
    """SMTP settings. The password is read from the environment variable ``password_env``."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    # a PEM file of the CA that signed the server's certificate (a company CA); unset: the
    # system's trusted CAs. The certificate is always verified.
    ca_file: str | None = None
    user: str | None = None
    password_env: str = "SHOPWATCH_SMTP_PASSWORD"
    sender: str = "shopwatch@localhost"
    recipients: list[str] = []
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)  # more tries of a failed send within one run
    retry_backoff_s: float = Field(default=10.0, ge=0)  # first wait; doubles per retry

    lists: list[RecipientList] = []  # team digests, beside the one to ``recipients``

    @field_validator("recipients")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return _addresses(value)

    @field_validator("ca_file")
    @classmethod
    def _readable_pem(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"{value}: no such file (a PEM file of your mail server's CA)")
        return value

    def password(self) -> str | None:
        return os.environ.get(self.password_env)


# The operator-facing languages (config.i18n); without ``language`` in the file: English.
LANGUAGES = ("zh-CN", "en")


class ChatConfig(_Strict):
    """A chat bot the day's headline and critical alerts go to, as an Apprise URL:
    ``wecombot://KEY`` (WeCom group bot), ``dingtalk://TOKEN`` (DingTalk robot; ``/SECRET``
    signs), ``feishu://TOKEN`` (Feishu bot), ``json://host/path`` (a webhook)... Secrets stay out
    of the file: ``${NAME}`` in the URL is replaced by the environment variable NAME when a
    message is sent, as ``email.password_env`` names the SMTP password's."""

    url: str = Field(min_length=4)
    name: str | None = None  # shown in logs and the outbox (default: the URL's scheme)

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
            raise ValueError(f"{value.split('://')[0]!r} is not a chat URL: use e.g. "
                             "wecombot://${SHOPWATCH_WECOM_KEY}, dingtalk://..., feishu://...")
        from apprise.manager_plugins import NotificationManager

        if scheme not in NotificationManager().schemas():  # type: ignore[no-untyped-call]
            raise ValueError(f"Apprise knows no {scheme}:// (e.g. wecombot, dingtalk, feishu, "
                             "lark, json)")
        return value

    def label(self) -> str:
        return self.name or self.url.split("://", 1)[0]


class NotifyConfig(_Strict):
    chat: list[ChatConfig] = []


class BoardConfig(_Strict):
    """The web board (``shopwatch serve``)."""

    # where operators open it, e.g. "http://192.168.1.5:8000": digests and chat messages link
    # to its pages when set
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value


class OwnConfig(_Strict):
    """How our own listings are recognised in search results."""

    shops: list[str] = []
    brands: list[str] = []


class CompetitorConfig(_Strict):
    shops: list[str] = []
    brands: list[str] = []


class KeywordLibraryConfig(_Strict):
    """The keyword library: project words, stop words, forbidden words, phrases, trends."""

    user_words: list[str] = []
    stop_words: list[str] = []
    forbidden_words: list[str] = []  # added to the Advertising-Law check (keywords/adlaw.py)
    phrase_min_count: int = Field(default=3, ge=2)
    phrase_threshold: float = Field(default=0.3, gt=-1, lt=1)  # NPMI of an adjacent pair
    rising_ratio: float = Field(default=1.5, gt=1)  # share this week / last week
    min_documents: int = Field(default=2, ge=1)  # a term in fewer documents is not "rising"
    max_terms: int = Field(default=2000, ge=10)  # per group and source and week
    # words that mean the same in a title (["静音", "低噪"]): a title's selling point gives
    # way to the one of its group people search for more (keywords/titles.py)
    synonyms: list[Annotated[list[str], Field(min_length=2)]] = []

    @field_validator("synonyms")
    @classmethod
    def _synonyms(cls, value: list[list[str]]) -> list[list[str]]:
        for group in value:
            if any(not word.strip() for word in group):
                raise ValueError("a synonym is empty")
        return value


ENV_REDIS_URL = "SHOPWATCH_REDIS_URL"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class DistributedConfig(_Strict):
    """Many crawl workers on shared Redis queues (``shopwatch worker``, scrapy-redis); absent:
    everything crawls on this machine as before. ``$SHOPWATCH_REDIS_URL`` wins over
    ``redis_url``."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = Field(default="shopwatch", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    # what a worker does when the queues are drained: stop, or wait for the next day's work
    idle: Literal["stop", "wait"] = "wait"
    max_attempts: int = Field(default=3, ge=1, le=20)  # per request, a worker dying counts one
    key_ttl_s: int = Field(default=3 * 86400, ge=600)  # a day's keys expire after this
    heartbeat_s: float = Field(default=5.0, ge=0.5, le=300)  # a worker is gone after 3 missed
    poll_s: float = Field(default=1.0, ge=0.05, le=60)  # how often idle workers and run look

    @model_validator(mode="before")
    @classmethod
    def _env_wins(cls, data: Any) -> Any:
        if isinstance(data, dict) and os.environ.get(ENV_REDIS_URL):
            data = {**data, "redis_url": os.environ[ENV_REDIS_URL]}
        return data

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value.startswith(REDIS_SCHEMES):
            raise ValueError("not a Redis URL: use redis://HOST:6379/0, rediss://... or "
                             "unix:///PATH")
        return value


class Config(_Strict):
    database_url: str = DEFAULT_DATABASE_URL

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """A URL SQLAlchemy can use, of a kind ShopWatch supports (sqlite, postgresql)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("not a database URL: use sqlite:///FILE or "
                             "postgresql+psycopg://USER@HOST:5432/DB") from None
        if url.get_backend_name() not in DATABASE_KINDS:
            raise ValueError(f"a {url.get_backend_name()} database is not supported: use "
                             "sqlite:///FILE or postgresql+psycopg://USER@HOST:5432/DB")
        return value
    export_dir: str = "exports"
    # the operator-facing text (digest, chat, board, export headers): Simplified Chinese or
    # English; absent: English (`shopwatch init` writes zh-CN)
    language: Literal["zh-CN", "en"] = "en"
    own: OwnConfig = OwnConfig()
    competitors: CompetitorConfig = CompetitorConfig()
    sites: list[SiteConfig] = Field(default=[], min_length=1, validate_default=True)
    products: list[ProductConfig] = []
    keywords: list[KeywordConfig] = []
    thresholds: Thresholds = Thresholds()
    schedule: ScheduleConfig = ScheduleConfig()
    logging: LoggingConfig = LoggingConfig()
    email: EmailConfig = EmailConfig()
    keyword_library: KeywordLibraryConfig = KeywordLibraryConfig()
    notify: NotifyConfig = NotifyConfig()
    board: BoardConfig = BoardConfig()
    # None: one machine; a [distributed] section: workers on shared Redis queues
    distributed: DistributedConfig | None = None

    @model_validator(mode="after")
    def _references(self) -> Config:
        names = [site.name for site in self.sites]
        if len(set(names)) != len(names):
            raise ValueError("site names must be unique")
        first: dict[tuple[str, str], int] = {}
        for i, product in enumerate(self.products):
            if product.site not in names:
                raise ValueError(f"products[{i}].site: unknown site {product.site!r}")
            key = (product.site, product.id)
            if key in first:
                raise ValueError(f"products[{i}]: {product.site} {product.id} is products"
                                 f"[{first[key]}] already (one block per product)")
            first[key] = i
            if product.compare_to == product.id:
                raise ValueError(f"products[{i}].compare_to: a product cannot compete with "
                                 "itself")
        for i, keyword in enumerate(self.keywords):
            for site in keyword.sites:
                if site not in names:
                    raise ValueError(f"keywords[{i}].sites: unknown site {site!r}")
        for i, team in enumerate(self.email.lists):
            for site in team.sites:
                if site not in names:
                    raise ValueError(f"email.lists[{i}].sites: unknown site {site!r}")
        return self

    def site(self, name: str) -> SiteConfig:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    def keyword_sites(self, keyword: KeywordConfig) -> list[str]:
        """The sites a keyword is tracked on: all sites unless it names some."""
        return keyword.sites or [site.name for site in self.sites]


def config_warnings(config: Config) -> list[str]:
    """What is valid but probably not meant (``shopwatch check-config`` prints them): a
    threshold or e-mail group that no keyword or product has, a ``compare_to`` that names no
    own product of the config (fine when that product is imported)."""
    groups = {k.group for k in config.keywords} | {p.group for p in config.products}
    found = [f"thresholds.groups.{name}: no keyword or product has this group (a typo?)"
             for name in config.thresholds.groups if name not in groups]
    found += [f"email.lists[{i}].groups: {name!r} is no keyword's or product's group"
              for i, team in enumerate(config.email.lists) for name in team.groups
              if name not in groups]
    own = {(p.site, p.id) for p in config.products if p.role == "own"}
    found += [f"products[{i}].compare_to: {p.compare_to!r} is no own product of {p.site} in the "
              "config (fine if it is imported with `shopwatch products import`)"
              for i, p in enumerate(config.products)
              if p.compare_to and (p.site, p.compare_to) not in own]
    found += [f"notify.chat[{i}].url: the environment variable {name} is not set here (its "
              "messages stay queued until it is)"
              for i, chat in enumerate(config.notify.chat)
              for name in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", chat.url)
              if not os.environ.get(name)]
    return found
