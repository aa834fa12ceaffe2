"""Find, read and validate the TOML configuration, turning every failure into ``ConfigError``."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.schema import Config

ENV_CONFIG = "SHOPWATCH_CONFIG"
ENV_DATABASE_URL = "SHOPWATCH_DATABASE_URL"
DEFAULT_NAME = "shopwatch.toml"


class ConfigError(Exception):
    """A user error in the configuration: the message names the file and the field."""


def find_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` wins, then ``$SHOPWATCH_CONFIG``, then ``./shopwatch.toml``."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    return Path(DEFAULT_NAME)


def _field_path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_config(data: Mapping[str, Any], source: str = "<config>") -> Config:
    """Validate already-parsed TOML data; ``$SHOPWATCH_DATABASE_URL`` overrides the file."""
    data = dict(data)
    if os.environ.get(ENV_DATABASE_URL):
        data["database_url"] = os.environ[ENV_DATABASE_URL]
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: invalid configuration"]
        for error in exc.errors():
            field = _field_path(tuple(error["loc"]))
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"  {field}: {message}")
        raise ConfigError("\n".join(lines)) from None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    config_path = find_config_path(path)
    try:
        raw = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{config_path}: configuration file not found "
            f"(create one with `shopwatch init`, or pass --config PATH)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{config_path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: TOML syntax error: {exc}") from None
    for site in data.get("sites", []) if isinstance(data.get("sites"), list) else []:
        # a login stored by `shopwatch login SITE` is used unless the site names its own file
        stored = session_path(config_path, str(site.get("name", ""))) if isinstance(
            site, dict) else None
        if stored is not None and stored.is_file() and "storage_state" not in site:
            site["storage_state"] = str(stored)
    return parse_config(data, str(config_path))


def session_path(config_path: Path, site: str) -> Path | None:
    """Where `shopwatch login` keeps a site's session: ``sessions/<site>.json`` next to the
    config file."""
    if not site or "/" in site or site.startswith("."):
        return None
    return config_path.parent / "sessions" / f"{site}.json"
