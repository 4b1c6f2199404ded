"""python-wechaty's own loggers, made to behave: through our handlers, at WARNING, without the token.

wechaty_puppet.get_logger() makes loggers that print to stderr on their own (INFO, their own format,
no propagation), and they log the token ("there are endpoint<...> and token<...>"). `tame_loggers()`
routes them through ours (WARNING, or WECHATY_LOG=info); the token itself is blanked by the filter
of bot.redaction on our handlers, whichever logger a line comes from.
"""
from __future__ import annotations

import logging
import os

from bot.redaction import protect_handlers

_WECHATY_LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
# the HTTP/2 layer logs every header at DEBUG, the token (sent as :authority) included
_WIRE_LOGGERS = ("hpack", "hpack.hpack", "hpack.table", "h2", "h2.connection", "h2.stream",
                 "grpclib", "grpclib.client", "grpclib.protocol", "grpclib.server")


class _DropNoise(logging.Filter):
    """The line python-wechaty says on every connect, with the token; we log the endpoint ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("there are endpoint<"))


def _formats_like_wechaty(formatter: logging.Formatter | None) -> bool:
    """wechaty's own handlers have a plain Formatter with its format: one that formats a record as that does (public
    API; the format string itself is a private attribute, `_fmt`)."""
    if type(formatter) is not logging.Formatter:
        return False
    probe = logging.LogRecord("probe", logging.INFO, __file__, 0, "probe", None, None)
    try:
        return formatter.format(probe) == logging.Formatter(_WECHATY_LOG_FORMAT).format(probe)
    except (KeyError, ValueError, TypeError):  # a format naming what the record has not
        return False


def _is_wechaty_logger(logger: logging.Logger) -> bool:
    return not logger.propagate and any(_formats_like_wechaty(handler.formatter) for handler in logger.handlers)


def tame_loggers() -> None:
    level = logging.INFO if os.environ.get("WECHATY_LOG", "").lower() in ("info", "verbose") \
        else logging.WARNING
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger) or not _is_wechaty_logger(logger):
            continue
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
        logger.addFilter(_DropNoise())
    for name in _WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropNoise) for f in logger.filters):
            logger.addFilter(_DropNoise())
    logging.getLogger("hpack").setLevel(max(logging.getLogger("hpack").level, logging.INFO))
    protect_handlers()
