"""Scrapy settings. Static defaults here; ``build_settings`` adds what comes from the Config."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import Settings

from config import Config

BOT_NAME = "shopwatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
ROBOTSTXT_OBEY = True
USER_AGENT = "ShopWatch/0.1 (+https://github.com/shopwatch/shopwatch)"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
ITEM_PIPELINES = {"crawlers.pipelines.DatabasePipeline": 300}
# Decode runs after decompression (HttpCompressionMiddleware, 590): a lower number sees the
# response later.
DOWNLOADER_MIDDLEWARES = {"crawlers.middlewares.BackoffMiddleware": 560,
                          "crawlers.middlewares.DecodeMiddleware": 580}
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})


def abort_heavy_resources(request: Any) -> bool:
    """Playwright route filter: images, fonts and media are never downloaded."""
    return bool(request.resource_type in BLOCKED_RESOURCES)


def browser_settings() -> dict[str, Any]:
    """scrapy-playwright on Debian's chromium (``playwright install`` is not used)."""
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM, "headless": True,
                                      "args": CHROMIUM_ARGS},
        "PLAYWRIGHT_ABORT_REQUEST": abort_heavy_resources,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30000,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    }


def build_settings(config: Config, day: dt.date, sites: list[str] | None = None,
                   log_level: str = "INFO") -> Settings:
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    chosen = [s for s in config.sites if not sites or s.name in sites]
    slots = {}
    for site in chosen:
        slots[urlsplit(site.base_url).netloc] = {"concurrency": site.concurrency,
                                                "delay": site.download_delay}
    settings.setdict({
        "SHOPWATCH_CONFIG": config,
        "SHOPWATCH_DAY": day,
        "SHOPWATCH_SITES": sites or [],
        "DOWNLOAD_SLOTS": slots,
        # per site: requests of a site that does not obey carry meta dont_obey_robotstxt
        "ROBOTSTXT_OBEY": any(site.obey_robots_txt for site in chosen),
        "AUTOTHROTTLE_ENABLED": any(site.autothrottle for site in chosen),
        "CONCURRENT_REQUESTS": max([s.concurrency for s in chosen] or [8]) * max(1, len(chosen)),
        "LOG_LEVEL": log_level,
    }, priority="cmdline")
    if any(site.render == "browser" for site in chosen):
        settings.setdict(browser_settings(), priority="cmdline")
    return settings
REMOTE_CONTROL_ENABLED = False
