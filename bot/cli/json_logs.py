"""LOG_FORMAT=json: one JSON object a line (time in UTC, level, logger, message, the traceback if any), for a log
collector. Secrets are blanked as in text lines: the handler's RedactSecrets filter (bot/redaction.py) runs before
this formatter, and the fields are passed through `redact` once more in case a handler was added without it."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.redaction import redact


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": redact(record.getMessage()),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        # a lone surrogate cannot be written as UTF-8: escaped, so the line is never dropped
        return json.dumps(entry, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
