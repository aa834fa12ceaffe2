"""The operators' board: ``shopwatch serve``, a server-rendered Starlette application over the
store (SQLite or PostgreSQL).

- ``app.py``: the application (routes, middleware, security headers);
- ``auth.py``: users, sessions, CSRF tokens, login rate limit, the session secret;
- ``web.py``: what every page shares (the request's language, user, database session, Jinja2);
- ``pages/``: one module per page (overview, ranks, competitors, alerts, keywords, runs);
- ``queries/``: the board's read queries, callable on their own with a ``Session``;
- ``charts.py``: ECharts options built from the queries' rows (drawn by ``static/board.js``);
- ``templates/``, ``static/`` (Apache ECharts, shipped with its licence: no CDN).

The board reads the store and never crawls; its few writes (acknowledge, mute) go through
``db.repo``. Nothing imports ``board`` but ``monitor/commands/serve.py``.
"""
