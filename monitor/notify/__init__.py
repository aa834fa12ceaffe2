"""Notifying: acts on the alerts detection stored, and runs no detection itself.

- ``send``: the day's digest and chat messages, queued and sent, or written as ``.eml``
- ``outbox``: the queue of messages and their delivery (claims, back-off, once only), e-mail
  and chat alike
- ``mailer``: SMTP and ``.eml`` files
- ``chat``: the chat bots' messages (headline and critical alerts) and their sending (Apprise)
- ``digest``: the digest's text and HTML (``templates/``) in the config's language
- ``explain``: an alert's explanation in the config's language; links to the board's pages
- ``charts``: the PNG charts that ride along in the digest
"""
