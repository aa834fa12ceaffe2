"""The one validated configuration object of ShopWatch.

Every package may import this one; it imports no other ShopWatch package.
"""

from __future__ import annotations

from config.loader import (
    ConfigError,
    find_config_path,
    load_config,
    parse_config,
    session_path,
)
from config.schema import (
    Config,
    EmailConfig,
    KeywordConfig,
    PageSelectors,
    ProductConfig,
    RecipientList,
    ScheduleConfig,
    SiteConfig,
    ThresholdOverrides,
    Thresholds,
    config_warnings,
)

__all__ = [
    "Config",
    "ConfigError",
    "EmailConfig",
    "KeywordConfig",
    "PageSelectors",
    "ProductConfig",
    "RecipientList",
    "ScheduleConfig",
    "SiteConfig",
    "ThresholdOverrides",
    "Thresholds",
    "config_warnings",
    "find_config_path",
    "load_config",
    "parse_config",
    "session_path",
]
