"""Helpers shared by the tests: config files, local servers, saved pages, databases, histories.

Fixtures stay in ``tests/conftest.py``; everything a test imports by name lives here.
"""

from __future__ import annotations

from tests.support.configs import (
    DEMO_KEYWORDS,
    DEMO_LISTINGS,
    UNREACHABLE,
    config_dict,
    demo_config,
    demo_site,
    keyword,
    site_block,
    write_config,
)
from tests.support.databases import PG_URL, pg_schema_url
from tests.support.pages import REALPAGES, documented_site, realpages
from tests.support.servers import running_shop, serve_directory

__all__ = [
    "DEMO_KEYWORDS",
    "DEMO_LISTINGS",
    "PG_URL",
    "REALPAGES",
    "UNREACHABLE",
    "config_dict",
    "demo_config",
    "demo_site",
    "documented_site",
    "keyword",
    "pg_schema_url",
    "realpages",
    "running_shop",
    "serve_directory",
    "site_block",
    "write_config",
]
