"""The daily job: crawl (in a child process), monitor, digest, keyword library and exports.

Each step runs to its end; between steps the job asks ``should_stop`` (the scheduler's
SIGTERM/Ctrl-C) and stops there with ``Interrupted``, so that a day is never left half-way
through a step. Every step is idempotent, so running the day again completes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from config import Config
from crawlers.runner import crawl_in_child
from db.session import session_scope, upgrade
from keywords.export import build_export, export
from keywords.library import build_library, segmenter_for
from monitor.notify.send import notify
from monitor.rules import AlertDraft
from monitor.runner import run_monitor, visibility_of_day

Step = Callable[[str], None]
STEPS = ("crawl", "monitor", "digest", "keywords")
log = logging.getLogger(__name__)


class Interrupted(Exception):
    """The job was asked to stop; ``after`` is the last step that completed."""

    def __init__(self, after: str | None) -> None:
        super().__init__(f"stopped after {after or 'nothing'}")
        self.after = after


@dataclass
class DayResult:
    day: dt.date
    alerts: list[AlertDraft] = field(default_factory=list)
    crawl_error: str | None = None
    mail_error: str | None = None  # the digest stays queued and goes with the next run
    files: dict[str, Path] = field(default_factory=dict)
    steps_done: list[str] = field(default_factory=list)


def run_day(config_path: str, config: Config, day: dt.date, *, notify_now: bool = True,
            eml_dir: Path | None = None, step: Step = lambda _msg: None,
            should_stop: Callable[[], bool] = lambda: False,
            on_child: Callable[[subprocess.Popen[str]], object] | None = None,
            on_step: Callable[[str], object] = lambda _name: None) -> DayResult:
    """Run the whole daily job for ``day``. A failed crawl is recorded and the job goes on."""
    result = DayResult(day)
    upgrade(config.database_url)

    def begin(name: str, message: str) -> None:
        if should_stop():
            raise Interrupted(result.steps_done[-1] if result.steps_done else None)
        on_step(name)
        step(f"{day}: {message}")
        log.info("step started", extra={"day": day.isoformat(), "step": name})

    begin("crawl", f"crawling {len(config.sites)} site(s)")
    if config.distributed is not None:  # many machines: seed, wait for the workers
        from crawlers.distributed.coordinator import crawl_distributed

        child = crawl_distributed(config, day, step=step)
    else:
        child = crawl_in_child(config_path, day, timeout_s=config.schedule.crawl_timeout_s,
                               database_url=config.database_url, on_start=on_child)
    if child.returncode != 0:
        result.crawl_error = child.stderr_tail or "crawl process failed"
    elif child.runs_closed:  # it exited 0 but left runs open: they are failed now
        result.crawl_error = (f"{child.runs_closed} crawl run(s) left running by the crawl "
                              "process, closed as failed")
    if result.crawl_error:
        log.warning("crawl failed", extra={"day": day.isoformat(),
                                            "returncode": child.returncode,
                                            "timed_out": child.timed_out})
    result.steps_done.append("crawl")
    begin("monitor", "comparing with history")
    with session_scope(config.database_url) as session:
        result.alerts = run_monitor(session, config, day)
    result.steps_done.append("monitor")
    out = Path(config.export_dir)
    if notify_now:
        begin("digest", "sending the digest")
        sent = notify(config, day, visibility_of_day(config, day), eml_dir or out)
        result.files.update(sent.files)
        result.mail_error = sent.error
        result.steps_done.append("digest")
    begin("keywords", "building the keyword library")
    with session_scope(config.database_url) as session:
        segmenter = segmenter_for(config)  # loading the dictionaries takes a second: once
        build_library(session, config, day, segmenter=segmenter)
        data = build_export(session, config, day=day, segmenter=segmenter)
    for fmt in ("csv", "xlsx"):
        written = export(data, fmt, out / f"keywords-{day}.{fmt}")
        result.files[f"keywords_{fmt}"] = written[0]
        if len(written) > 1:
            result.files[f"keywords_titles_{fmt}"] = written[1]
    result.steps_done.append("keywords")
    return result
