"""``shopwatch schedule``: the daily job every morning, the weekly hot-word rebuild, as an
APScheduler 3 service.

- Jobs persist in the database (``SQLAlchemyJobStore``), coalesce, never overlap
  (``max_instances=1``) and have a misfire grace time: a machine that was off at 06:00 runs
  the day when it comes back (within ``schedule.misfire_grace_s``).
- A day's job takes the day's database lock (``monitor.service.daylock``) first, so that two
  schedulers (or a scheduler and a cron ``shopwatch run``) on one database never both run a
  day; a day already done is not run again by the scheduler.
- SIGTERM or Ctrl-C: the job stops after the step in progress (a crawl runs to its end in its
  own child process), the day is marked interrupted, and the next start runs it again (a
  failed day too, up to 3 attempts). A second Ctrl-C stops at once (the crawl child is killed;
  its runs are marked failed).
- A day left running by a process that died (SIGKILL, a crash) is closed as failed ("process
  died") when the service starts, and resumed like a failed day; ``shopwatch run`` of that
  day closes it too, instead of waiting for the lease of a process that is gone.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from config import Config, load_config
from monitor.service import daylock

if TYPE_CHECKING:
    from monitor.service.job import DayResult

T = TypeVar("T")
log = logging.getLogger(__name__)
DAILY, WEEKLY = "daily", "weekly-keywords"
DAILY_REF = "monitor.service.scheduler:daily_job"
WEEKLY_REF = "monitor.service.scheduler:weekly_job"
STOP = threading.Event()  # set by SIGTERM / Ctrl-C: stop after the step in progress
_children: set[subprocess.Popen[str]] = set()
GRACE_OVERRIDE: int | None = None  # tests: a grace time of seconds (the config's is >= 60)


def today_in(config: Config) -> dt.date:
    return dt.datetime.now(ZoneInfo(config.schedule.timezone)).date()


def _held(config: Config, day: dt.date, job: str,
          work: Callable[[Callable[[str], None]], tuple[T, str | None]],
          rerun_done: bool = False) -> T | None:
    """Run ``work(on_step)`` under the lock of ``day``'s ``job``, kept alive by heartbeats for
    as long as it works, and record how it ended (``work`` returns its result and the detail
    to record). None when the day's job was done already; ``DayBusy`` when another process
    is on it."""
    from monitor.service.job import Interrupted

    held = daylock.claim(config.database_url, day, job, rerun_done=rerun_done)
    if held is None:
        log.info("day already done", extra={"day": day.isoformat(), "job": job})
        return None
    log.info("day started", extra={"day": day.isoformat(), "job": job,
                                   "attempt": held.attempt, "resumed": held.resumed})
    try:
        with daylock.lease(config.database_url, held) as on_step:
            result, detail = work(on_step)
    except Interrupted as stop:
        daylock.release(config.database_url, held, "interrupted", str(stop))
        log.warning("day interrupted", extra={"day": day.isoformat(), "after": stop.after})
        raise
    except BaseException as exc:
        daylock.release(config.database_url, held, "failed", f"{type(exc).__name__}: {exc}")
        log.exception("day failed", extra={"day": day.isoformat(), "job": job})
        raise
    daylock.release(config.database_url, held, "done", detail)
    log.info("day done", extra={"day": day.isoformat(), "job": job, "detail": detail})
    return result


def run_locked(config_path: str, config: Config, day: dt.date, *, rerun_done: bool = False,
               step: Callable[[str], None] = lambda _m: None) -> DayResult | None:
    """The daily job for ``day`` under the day's lock (see ``_held``)."""
    from monitor.service.job import run_day

    def work(on_step: Callable[[str], None]) -> tuple[DayResult, str | None]:
        try:
            result = run_day(config_path, config, day, step=step, should_stop=STOP.is_set,
                             on_child=_children.add, on_step=on_step)
        finally:
            _children.clear()
        detail = "; ".join(f"{k}: {v}" for k, v in (("crawl", result.crawl_error),
                                                      ("mail", result.mail_error)) if v)
        return result, detail or None

    return _held(config, day, DAILY, work, rerun_done)


def daily_job(config_path: str, day: str | None = None) -> None:
    """The scheduled daily run (``day``: an interrupted day run again on start)."""
    from monitor.service.job import Interrupted

    config = load_config(config_path)
    when = dt.date.fromisoformat(day) if day else today_in(config)
    try:
        run_locked(config_path, config, when)
    except daylock.DayBusy as busy:
        log.info("day skipped: %s", busy, extra={"day": when.isoformat()})
    except Interrupted:
        pass


def weekly_job(config_path: str) -> None:
    """Rebuild the keyword library of the week that just ended (the hot-word analysis)."""
    from db.session import session_scope
    from keywords.library import build_library

    config = load_config(config_path)
    week_end = today_in(config) - dt.timedelta(days=1)

    def work(on_step: Callable[[str], None]) -> tuple[int, str | None]:
        on_step("keywords")
        with session_scope(config.database_url) as session:
            terms = sum(build_library(session, config, week_end).values())
        return terms, f"{terms} terms"

    try:
        _held(config, week_end, WEEKLY, work)
    except daylock.DayBusy as busy:
        log.info("weekly rebuild skipped: %s", busy)


def _cron(at: str, zone: str, day_of_week: str | None = None) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = (int(x) for x in at.split(":"))
    return CronTrigger(hour=hour, minute=minute, day_of_week=day_of_week, timezone=zone)


def _ensure(scheduler: Any, job_id: str, func: str, trigger: Any, args: list[Any]) -> None:
    """Add the job, or keep the stored one (its next run time, a missed run included) when
    nothing changed; a changed time or timezone reschedules it."""
    job = scheduler.get_job(job_id)
    if job is None:
        scheduler.add_job(func, trigger, id=job_id, args=args, replace_existing=True)
    elif (str(job.trigger), getattr(job.trigger, "timezone", None), list(job.args),
          job.func_ref) != (str(trigger), getattr(trigger, "timezone", None), args, func):
        scheduler.add_job(func, trigger, id=job_id, args=args, replace_existing=True)
        log.info("job rescheduled", extra={"job": job_id, "trigger": str(trigger)})


def build_scheduler(config: Config) -> Any:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from db.session import get_engine

    # the project's engine: SQLite's WAL and busy timeout hold for the job store too
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=get_engine(config.database_url))},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": GRACE_OVERRIDE or config.schedule.misfire_grace_s},
        timezone=ZoneInfo(config.schedule.timezone))


def serve(config_path: str, config: Config, *, daily: tuple[str, Any] | None = None,
          ready: threading.Event | None = None) -> int:
    """Run the service until SIGTERM/Ctrl-C (or ``STOP``). ``daily`` replaces the daily job's
    (function reference, trigger): tests drive it with a short interval."""
    from db.session import upgrade

    upgrade(config.database_url)  # before the job store and any day lock (also when embedded)
    STOP.clear()
    zone = config.schedule.timezone
    func, trigger = daily or (DAILY_REF, _cron(config.schedule.time, zone))
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    _ensure(scheduler, DAILY, func, trigger, [config_path])
    _ensure(scheduler, WEEKLY, WEEKLY_REF,
            _cron(config.schedule.weekly_time, zone, config.schedule.weekly_day), [config_path])
    since = today_in(config) - dt.timedelta(seconds=config.schedule.misfire_grace_s + 86400)
    daylock.close_dead(config.database_url, since=since)  # a SIGKILLed day: failed, resumed
    for day in daylock.unfinished(config.database_url, DAILY, since):
        log.info("resuming an interrupted or failed day", extra={"day": day.isoformat()})
        scheduler.add_job(func, "date", args=[config_path, day.isoformat()],
                          id=f"resume-{day}", replace_existing=True)
    handlers = _install_signals() if threading.current_thread() is threading.main_thread() \
        else {}
    scheduler.resume()
    daily_job_next = scheduler.get_job(DAILY).next_run_time
    log.info("scheduler started", extra={"next_daily_run": str(daily_job_next),
                                         "timezone": zone})
    if ready is not None:
        ready.set()
    try:
        while not STOP.wait(0.5):
            pass
        log.warning("stopping: the job in progress stops after its current step")
        scheduler.shutdown(wait=True)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    log.warning("scheduler stopped")
    return 0


def _install_signals() -> dict[int, Any]:
    previous: dict[int, Any] = {}

    def stop(signum: int, _frame: Any) -> None:
        if STOP.is_set():  # a second Ctrl-C: now
            log.warning("stopping now: the crawl in progress is killed")
            for child in list(_children):
                child.kill()
            raise KeyboardInterrupt
        log.warning("%s received: stopping after the step in progress (Ctrl-C again to stop "
                    "now)", signal.Signals(signum).name)
        STOP.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, stop)
    return previous


def log_to_file(config: Config, config_path: str, console: bool = True) -> Path:
    """Structured, rotated logs next to the config (``logging.dir``); returns the file."""
    from monitor.service.logs import configure

    return configure(config, Path(config_path).resolve().parent, console)
