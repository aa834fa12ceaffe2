"""How a request is stored in a Redis queue: scrapy-redis's pickle of ``Request.to_dict``, with
each site's settings stored by name (``pickle``'s persistent ids) and read back from the
worker's own config: a queued request is ~10 times smaller, and the cookies and proxy of a
site stay in the config instead of in Redis."""

from __future__ import annotations

import io
import pickle
from typing import Any

from config import Config, SiteConfig


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, SiteConfig):
            return ("site", obj.name)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, config: Config) -> None:
        super().__init__(io.BytesIO(data))
        self.config = config

    def persistent_load(self, pid: Any) -> Any:
        kind, name = pid
        if kind != "site":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        try:
            return self.config.site(name)
        except KeyError:
            raise pickle.UnpicklingError(
                f"a queued request names site {name!r}, which this worker's config does not "
                "have: every worker needs the same config") from None


class RequestSerializer:
    """The ``loads``/``dumps`` pair scrapy-redis queues take as their serializer."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def dumps(self, obj: Any) -> bytes:
        out = io.BytesIO()
        _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
        return out.getvalue()

    def loads(self, data: bytes) -> Any:
        return _Unpickler(data, self.config).load()
