"""Deprecated: a shim for the job references stored by releases before the ``monitor/`` split.

The scheduler's job store (APScheduler's ``SQLAlchemyJobStore``) keeps each job's function as
a ``module:function`` string. A database written by an earlier release holds
``monitor.scheduler:daily_job`` and ``monitor.scheduler:weekly_job`` (also in pending
``resume-<day>`` jobs); APScheduler resolves that string when it loads the job, so this module
must import until no stored job names it. The scheduler rewrites the daily and weekly jobs
with their new references (``monitor.service.scheduler``) when it starts, so after one start
of this release only a pending resume job can still name it.

Do not import this module in new code; import ``monitor.service.scheduler``. To be removed
in a later release (with a data migration that rewrites any remaining stored references).
"""

from __future__ import annotations

from monitor.service.scheduler import daily_job, weekly_job

__all__ = ["daily_job", "weekly_job"]
