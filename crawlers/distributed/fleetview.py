"""What the fleet is doing, read from Redis: live workers (their heartbeats) and the active
day's queues (``shopwatch workers``; the board can show the same)."""

from __future__ import annotations

from typing import Any

from config import Config
from config.schema import DistributedConfig
from crawlers.distributed.keys import FleetKeys, connect, parse_active
from crawlers.distributed.ledger import Ledger


def fleet_status(config: Config) -> dict[str, Any]:
    settings = config.distributed or DistributedConfig()
    server = connect(settings)
    keys = FleetKeys(settings.key_prefix)
    workers = []
    for key in sorted(server.scan_iter(match=keys.worker_pattern, count=1000)):
        fields: dict[str, Any] = {_text(k): _text(v) for k, v in server.hgetall(key).items()}
        if not fields:
            continue
        fields["id"] = _text(key)[len(keys.worker("")):]
        fields.setdefault("pages", "0")
        fields["pages"] = int(fields["pages"])
        workers.append(fields)
    active = parse_active(server.get(keys.active))
    status: dict[str, Any] = {"day": None, "outstanding": 0, "queued": {}, "workers": workers}
    if active is not None:
        from crawlers.distributed.components import ledger_for

        day, epoch = active
        ledger: Ledger = ledger_for(config.model_copy(update={"distributed": settings}), day,
                                    epoch, server)
        status.update(day=day.isoformat(), outstanding=ledger.outstanding(),
                      queued=ledger.queued())
    return status


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
