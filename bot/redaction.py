"""No secret in any log line, whoever repeats it.

A secret (the gateway token) may come back in a message we did not write: the TypeScript gateway
answers a wrong token with `Invalid Wechaty TOKEN "<token>"`, and our own logger prints that
error. So the filter sits on the *handlers* (every record that is written passes one), not on
a logger: `protect_handlers()` puts it on each handler of the root logger, and is called where
logging is configured (`dudao` CLI) and where a secret becomes known (the Wechaty transport).

A platform frame or event quoted in a log line (one we could not read) goes through `excerpt()`: the values of
fields that hold keys or file content are blanked, known secrets too, and it is cut short.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re

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


SECRET_FIELDS = ("secret", "token", "aeskey", "base64_data", "base64")  # their values never reach a log
EXCERPT_CHARS = 200
_PARSE_AT_MOST = 1 << 16  # a larger text is not parsed for its excerpt: its fields are blanked by pattern
_SECRET_FIELD = re.compile(r'("(?:' + "|".join(SECRET_FIELDS) + r')"\s*:\s*)"(?:[^"\\]|\\.)*"?', re.IGNORECASE)


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A platform frame or event as one short log-safe line: the values of fields that hold keys or file content
    blanked (at any depth), known secrets blanked, truncated to `limit` characters (with the full length said)."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value[:_PARSE_AT_MOST * 4]).decode("utf-8", "replace")
    if isinstance(value, str) and len(value) <= _PARSE_AT_MOST:
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    text = value if isinstance(value, str) else _dump(_blank(value))
    length = len(text)
    text = _SECRET_FIELD.sub(lambda m: f'{m.group(1)}"{MASK}"', redact(text)[:limit * 4])  # raw: by pattern
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    # a lone surrogate (JSON's "\ud800") cannot be written as UTF-8: the log handler would drop the whole line
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if length <= limit and len(text) <= limit else f"{text[:limit]}… ({length} chars)"


def _blank(value: object, depth: int = 0) -> object:
    if depth > 20:
        return "…"
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and k.lower() in SECRET_FIELDS else _blank(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_blank(v, depth + 1) for v in value]
    return value


def _dump(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    except (TypeError, ValueError):  # a key of another type, a cycle
        return repr(value)


def described(value: object) -> str:
    """What a value is, in the words of a log line (never the value itself: it may be long)."""
    if value is None:
        return "missing"
    if value == "":
        return "empty"
    for types, word in ((bool, "a boolean"), (int | float, "a number"), (str, "a string"), (list, "a list"),
                        (dict, "an object")):
        if isinstance(value, types):
            return word
    return type(value).__name__
