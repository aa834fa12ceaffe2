"""A new operator's first week: the paths of README.md and docs/sites.md, walked as written."""

from __future__ import annotations

import pytest

from config import SiteConfig
from crawlers.sites import has_suggestions, suggest_url

SHOP = "http://shop.test"


@pytest.mark.parametrize(("adapter", "suggest_path", "expected"), [
    ("generic", None, None),  # generic has no suggestion service of its own: none is asked
    ("generic", "", None),
    ("generic", "/sug?q={keyword}", "http://shop.test/sug?q=%E6%89%AB%E5%9C%B0"),
    ("demoshop", None, "http://shop.test/suggest?q=%E6%89%AB%E5%9C%B0"),
    ("demoshop", "", None),  # "" turns the adapter's service off
    ("demoshop", "  ", None),
])
def test_suggestions_are_asked_only_where_a_service_is(adapter: str, suggest_path: str | None,
                                                       expected: str | None) -> None:
    site = SiteConfig(name="s", adapter=adapter, base_url=SHOP, suggest_path=suggest_path)
    assert suggest_url(site, "扫地") == expected
    assert has_suggestions(site) is (expected is not None)
