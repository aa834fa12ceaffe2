"""The imported watch list (``shopwatch products import``): products watched page by page
besides the config's ``[[products]]``.

The config object stays the one way in: the imported rows become ``ProductConfig`` entries of
an effective config (the file's own blocks win), so the crawl, the identity of our products
and the monitor's ``compare_to`` pairs all read one list.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from config import Config, ProductConfig
from db import repo


def with_watchlist(config: Config, session: Session) -> Config:
    """``config`` with the imported watch list added to its products (same site and id as a
    ``[[products]]`` block: the block wins; a row of a site no longer configured: skipped)."""
    known = {(p.site, p.id) for p in config.products}
    sites = {s.name for s in config.sites}
    extra = [ProductConfig(site=row.site, id=row.external_id, url=row.url,
                           role="own" if row.role == "own" else "competitor",
                           group=row.group, compare_to=row.compare_to)
             for row in repo.watchlist(session)
             if (row.site, row.external_id) not in known and row.site in sites]
    if not extra:
        return config
    return config.model_copy(update={"products": [*config.products, *extra]})
