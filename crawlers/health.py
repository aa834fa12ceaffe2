"""What a crawl saw of each site: pages, items, errors and blocks -> the crawl run's status."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REASONS = 5


@dataclass
class SiteHealth:
    pages: int = 0
    items: int = 0
    errors: int = 0
    blocked: int = 0
    reasons: list[str] = field(default_factory=list)

    def _note(self, reason: str) -> None:
        if reason not in self.reasons and len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)

    def error(self, reason: str) -> None:
        self.errors += 1
        self._note(reason)

    def block(self, reason: str) -> None:
        self.blocked += 1
        self._note(f"blocked: {reason}")

    @property
    def status(self) -> str:
        """blocked > failed (nothing usable) > partial (some errors) > ok."""
        if self.blocked:
            return "blocked"
        if self.items == 0 and (self.errors or self.pages == 0):
            return "failed"
        if self.errors:
            return "partial"
        return "ok"

    @property
    def summary(self) -> str | None:
        if not self.reasons:
            return None if self.status == "ok" else "no pages were crawled"
        return "; ".join(self.reasons)
