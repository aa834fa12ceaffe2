"""Named errors that parsers raise and spiders turn into crawl-run status."""

from __future__ import annotations


class PageBlocked(Exception):
    """The site refused us (captcha, robot check, login wall): the data is unknown, not gone."""

    def __init__(self, reason: str, url: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.url = url


class LayoutChanged(Exception):
    """The page matches no layout the adapter knows: its selectors need updating."""
