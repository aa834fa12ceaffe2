"""The service that runs the day.

- ``scheduler``: ``shopwatch schedule``, the APScheduler service (daily and weekly jobs)
- ``daylock``: the day's database lock, so that one process runs a day
- ``job``: the daily job (crawl, monitor, digest, keyword library, exports)
- ``logs``: structured, rotated log files
"""
