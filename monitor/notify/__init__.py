"""Notifying: acts on the alerts detection stored, and runs no detection itself.

- ``send``: the day's digest, queued per recipient and sent, or written as ``.eml``
- ``outbox``: the queue of messages and their delivery (claims, back-off, once only)
- ``mailer``: SMTP and ``.eml`` files
- ``digest``: the digest's text and HTML (``templates/``)
- ``charts``: the PNG charts that ride along in the digest
"""
