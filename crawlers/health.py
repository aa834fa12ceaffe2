"""What a crawl saw of each site: pages, items, errors and blocks -> the crawl run's status."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REASONS = 5
BLOCKED = "blocked: "
COUNTERS = ("pages", "items", "errors", "blocked")
KEPT_CHARS = 256 * 1024  # a kept page is cut (the store keeps 256 kB of it)


@dataclass(frozen=True)
class KeptPage:
    """The last blocked or unreadable page of a site's crawl, decoded: what the platform
    showed, kept with the run (``blocked_pages``) for the board to show as text."""

    url: str
    reason: str
    body: str
    status: int | None = None
    content_type: str | None = None


@dataclass
class SiteHealth:
    reasons: list[str] = field(default_factory=list)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # page type -> counters
    unknown_prices: int = 0
    unstored: int = 0  # items the database refused, even on their own
    unstored_reason: str | None = None  # why the first of them was refused
    kept_page: KeptPage | None = None  # the last blocked or unreadable page

    def count(self, page_type: str, counter: str, n: int = 1) -> None:
        counters = self.by_type.setdefault(page_type, dict.fromkeys(COUNTERS, 0))
        counters[counter] += n

    def total(self, counter: str) -> int:
        return sum(c[counter] for c in self.by_type.values())

    @property
    def pages(self) -> int:
        return self.total("pages")

    @property
    def items(self) -> int:
        return self.total("items")

    @property
    def stored(self) -> int:
        return max(0, self.items - self.unstored)

    @property
    def errors(self) -> int:
        return self.total("errors") + self.unstored

    @property
    def blocked(self) -> int:
        return self.total("blocked")

    def _note(self, reason: str, blocked: bool = False) -> None:
        """Keep up to MAX_REASONS reasons, blocks first: they decide the run's status."""
        if reason in self.reasons:
            return
        if len(self.reasons) >= MAX_REASONS:
            if not blocked or self.reasons[-1].startswith(BLOCKED):
                return
            self.reasons.pop()  # the last ordinary error makes room
        if blocked:
            at = sum(1 for r in self.reasons if r.startswith(BLOCKED))
            self.reasons.insert(at, reason)
        else:
            self.reasons.append(reason)

    def error(self, reason: str, page_type: str = "page") -> None:
        self.count(page_type, "errors")
        self._note(reason)

    def block(self, reason: str, page_type: str = "page") -> None:
        self.count(page_type, "blocked")
        self._note(BLOCKED + reason, blocked=True)

    def keep_page(self, page: KeptPage) -> None:
        """Keep ``page`` as the last blocked or unreadable one (a block is not replaced by a
        page that was only unreadable)."""
        if self.kept_page is not None and self.kept_page.reason.startswith(BLOCKED) \
                and not page.reason.startswith(BLOCKED):
            return
        self.kept_page = page

    def not_stored(self, reason: str) -> None:
        """An item the database refused, even on its own: an error of the run."""
        self.unstored += 1
        if self.unstored_reason is None:
            self.unstored_reason = reason

    @property
    def status(self) -> str:
        """blocked > failed (nothing usable) > partial (some errors) > ok."""
        if self.blocked:
            return "blocked"
        if self.stored == 0 and (self.errors or self.pages == 0):
            return "failed"
        if self.errors:
            return "partial"
        return "ok"

    @property
    def summary(self) -> str | None:
        """The reasons, blocks first, then the items that could not be stored."""
        reasons = list(self.reasons)
        if self.unstored:
            at = sum(1 for r in reasons if r.startswith(BLOCKED))
            items = "1 item" if self.unstored == 1 else f"{self.unstored} items"
            reasons.insert(at, f"{items} could not be stored: {self.unstored_reason}")
        if not reasons:
            return None if self.status == "ok" else "no pages were crawled"
        more = self.total("errors") + self.blocked - len(self.reasons)
        return "; ".join(reasons) + (f" (and {more} more)" if more > 0 else "")
