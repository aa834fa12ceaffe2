"""The daily job: crawl (in a child process), monitor, digest, keyword library and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from config import Config
from crawlers.runner import crawl_in_child
from db.session import session_scope, upgrade
from keywords.export import build_export, export
from keywords.library import build_library, segmenter_for
from monitor.notify import notify
from monitor.rules import AlertDraft
from monitor.runner import run_monitor

Step = Callable[[str], None]


@dataclass
class DayResult:
    day: dt.date
    alerts: list[AlertDraft] = field(default_factory=list)
    crawl_error: str | None = None
    mail_error: str | None = None  # the digest stays queued and goes with the next run
    files: dict[str, Path] = field(default_factory=dict)


def run_day(config_path: str, config: Config, day: dt.date, *, notify_now: bool = True,
            eml_dir: Path | None = None, step: Step = lambda _msg: None) -> DayResult:
    """Run the whole daily job for ``day``. A failed crawl is recorded and the job goes on."""
    result = DayResult(day)
    upgrade(config.database_url)
    step(f"{day}: crawling {len(config.sites)} site(s)")
    child = crawl_in_child(config_path, day, timeout_s=config.schedule.crawl_timeout_s,
                           database_url=config.database_url)
    if child.returncode != 0:
        result.crawl_error = child.stderr_tail or "crawl process failed"
    step(f"{day}: comparing with history")
    with session_scope(config.database_url) as session:
        result.alerts = run_monitor(session, config, day)
    step(f"{day}: building the keyword library")
    out = Path(config.export_dir)
    with session_scope(config.database_url) as session:
        segmenter = segmenter_for(config)  # loading the dictionaries takes a second: once
        build_library(session, config, day, segmenter=segmenter)
        data = build_export(session, config, day=day, segmenter=segmenter)
    for fmt in ("csv", "xlsx"):
        written = export(data, fmt, out / f"keywords-{day}.{fmt}")
        result.files[f"keywords_{fmt}"] = written[0]
        if len(written) > 1:
            result.files[f"keywords_titles_{fmt}"] = written[1]
    if notify_now:
        step(f"{day}: sending the digest")
        sent = notify(config, day, eml_dir or out)
        result.files.update(sent.files)
        result.mail_error = sent.error
    return result
