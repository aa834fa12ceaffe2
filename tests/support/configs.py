"""One way to write a config in a test: build it as a dict, write it with :func:`write_config`.

``config_dict`` is the whole file, ``demo_site`` one ``[[sites]]`` block for the demo shop,
``demo_config`` the usual small config for a crawl of the demo shop. Every section is a
keyword argument holding what the TOML table would hold, so a test reads like its config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w

DEMO_LISTINGS = ("/shop/zhixiang", "/shop/dreame")
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: a site for tests that crawl nothing
DEMO_OWN = {"shops": ["智享家官方旗舰店"], "brands": ["智享"]}


def keyword(term: str, group: str | None = None, sites: Iterable[str] | None = None
            ) -> dict[str, Any]:
    """One ``[[keywords]]`` block."""
    block: dict[str, Any] = {"term": term}
    if group is not None:
        block["group"] = group
    if sites is not None:
        block["sites"] = list(sites)
    return block


DEMO_KEYWORDS = (keyword("扫地机器人", "清洁", ["demo"]),)


def config_dict(database_url: str | None, *sites: Mapping[str, Any],
                keywords: Iterable[Mapping[str, Any]] = (), **sections: Any) -> dict[str, Any]:
    """A config: ``sites`` are its ``[[sites]]`` blocks, ``sections`` any other top-level key
    (``email={...}``, ``thresholds={...}``, ``products=[...]``, ``export_dir=...``);
    ``database_url`` None: the default database."""
    data: dict[str, Any] = {**sections, "sites": [dict(site) for site in sites]}
    if database_url is not None:
        data["database_url"] = database_url
    if keywords:
        data["keywords"] = [dict(block) for block in keywords]
    return data


def site_block(name: str = "demo", base_url: str = UNREACHABLE, **fields: Any
               ) -> dict[str, Any]:
    """One ``[[sites]]`` block; by default a demo site that is never reached."""
    return {"name": name, "base_url": base_url, **fields}


def demo_site(base_url: str, *, listing_paths: Iterable[str] = DEMO_LISTINGS,
              **fields: Any) -> dict[str, Any]:
    """The demo shop's ``[[sites]]`` block, crawled fast; ``fields`` add or override keys."""
    return {"name": "demo", "base_url": base_url, "listing_paths": list(listing_paths),
            "download_delay": 0.0, "autothrottle": False, "concurrency": 8, **fields}


def demo_config(base_url: str, database_url: str, *,
                listing_paths: Iterable[str] = DEMO_LISTINGS,
                keywords: Iterable[Mapping[str, Any]] = DEMO_KEYWORDS,
                site: Mapping[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    """A small config for crawls of the demo shop: our shop and brand, one keyword.
    ``site`` adds or overrides keys of the site block, ``sections`` top-level keys."""
    return config_dict(database_url,
                       demo_site(base_url, listing_paths=listing_paths, **(site or {})),
                       keywords=keywords, **{"own": DEMO_OWN, **sections})


def write_config(path: Path, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as TOML to ``path``. Unless it names one, the export directory is
    beside the file: a test never writes into the working directory."""
    data = {"export_dir": str(path.parent / "exports"), **data}
    path.write_text(tomli_w.dumps(data), "utf-8")
    return path
