"""The ``shopwatch`` commands, one module per command, the way Scrapy keeps ``scrapy/commands/``.

Each module has ``register(cli)`` (``base.Cli``): it adds its sub-parser with ``cli.add`` (or a
group of them with ``cli.group``), declaring what the dispatcher prepares before it runs
(``db``: the database at the latest schema; ``service_log``: the service's log file). A command
function takes the parsed arguments and returns the exit status; it never migrates.
``monitor/cli.py`` builds the parser from these modules and dispatches.

A command module imports at its top only what parsing needs; what running needs (Scrapy,
SQLAlchemy, matplotlib: 1-2 s to import) is imported inside the command function, so that
``shopwatch --help``, ``init`` and a mistyped flag answer at once.
"""
