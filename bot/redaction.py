"""No secret in any log line, whoever repeats it.

A secret (the gateway token) may come back in a message we did not write: the TypeScript gateway
answers a wrong token with `Invalid Wechaty TOKEN "<token>"`, and our own logger prints that
error. So the filter sits on the *handlers* (every record that is written passes one), not on
a logger: `protect_handlers()` puts it on each handler of the root logger, and is called where
logging is configured (`dudao` CLI) and where a secret becomes known (the Wechaty transport).
"""
from __future__ import annotations

import logging

MASK = "***"
MIN_LENGTH = 4  # a shorter "secret" would blank every "t" or "1" of every line and protect nothing
_secrets: set[str] = set()


def add_secret(secret: str | None) -> None:
    """From now on, `secret` is blanked in every record written by a protected handler."""
    if secret and len(secret.strip()) >= MIN_LENGTH:
        _secrets.add(secret.strip())
        protect_handlers()


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class RedactSecrets(logging.Filter):
    """Blank known secrets in the message, the traceback and the stack of a record (in place, so
    every handler after this one sees the blanked record too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string: leave it to the formatter to report
            return True
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def protect_handlers(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (default: the root logger), once each."""
    handlers = list((logger or logging.getLogger()).handlers)
    if logger is None and logging.lastResort is not None:
        handlers.append(logging.lastResort)  # used when nothing configured logging
    for handler in handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
