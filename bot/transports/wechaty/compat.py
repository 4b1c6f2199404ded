"""Every workaround python-wechaty 0.10.7 needs, in one place (the package is unmaintained).

Import `load_wechaty()` instead of `wechaty` itself: it applies the import-time patches once
and returns the modules the transport uses. Nothing else in the project imports wechaty.

Upstream problems worked around here:
- python-wechaty issue 422: on Python >= 3.11 `import wechaty` fails with "mutable default
  <class 'wechaty_puppet.schemas.puppet.PuppetOptions'> ... use default_factory", because
  `WechatyOptions.puppet_options = PuppetOptions()` is an unhashable dataclass default.
  Fix: give PuppetOptions an identity hash before wechaty is imported.
- wechaty/user/url_link.py does `from urllib3 import get_host`, removed in urllib3 2.
  Fix: provide `urllib3.get_host` (same contract: scheme, host, port) instead of pinning
  urllib3 < 2 for the whole project.
- `from pyee import AsyncIOEventEmitter` (pyee >= 9 moved it): pinned `pyee>=8,<9` in
  pyproject rather than patched, since the event emitter's semantics are load-bearing.
- telnetlib (used for its "is the endpoint up" probe) is gone in Python 3.13: the
  `standard-telnetlib` package restores it (a python_version >= "3.13" dependency).
- `wechaty.config` creates `.wechaty/` in the working directory at import time (and keeps
  job and payload caches there): CACHE_DIR is pointed at a directory of ours first.
- Contact/Room payload pools are class attributes shared by every Wechaty instance, so after
  a reconnect they would hand out objects bound to the old, closed puppet: `reset_pools()`.
- `PuppetService.stop()` calls the Stop RPC before closing its channel, so when the gateway is
  already gone the channel is never closed: `close_puppet()` always closes it.
- `WechatyOptions.puppet_options` is one PuppetOptions instance shared by every WechatyOptions
  (the first token would win forever), and the plugin manager builds an SQLite job store in
  the cache dir: `new_wechaty()` passes fresh options and an in-memory scheduler.
- wechaty's loggers print to stderr on their own (INFO, no propagation) and log the token
  ("there are endpoint<...> and token<...>"): `_tame_loggers()` routes them through ours at
  WARNING (or WECHATY_LOG) and `redact()` blanks the token in anything they log.
"""
from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

_loaded: WechatyModules | None = None
_secrets: set[str] = set()


@dataclass(frozen=True)
class WechatyModules:
    """The pieces of python-wechaty the transport uses, imported after the patches."""

    Wechaty: Any
    WechatyOptions: Any
    PuppetOptions: Any
    FileBox: Any
    MessageType: Any
    user: ModuleType


def default_cache_dir() -> str:
    return os.path.join(tempfile.gettempdir(), "dudao-wechaty")


def _patch_urllib3() -> None:
    import urllib3

    if hasattr(urllib3, "get_host"):
        return
    from urllib3.util import parse_url

    def get_host(url: str) -> tuple[str, str | None, int | None]:
        parsed = parse_url(url)
        return parsed.scheme or "http", parsed.hostname, parsed.port

    urllib3.get_host = get_host  # type: ignore[attr-defined]


def _patch_puppet_options() -> None:
    from wechaty_puppet.schemas.puppet import PuppetOptions

    if PuppetOptions.__hash__ is None:
        PuppetOptions.__hash__ = object.__hash__  # type: ignore[method-assign]


class _Redact(logging.Filter):
    """Blank registered secrets in records of wechaty's loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("there are endpoint<"):
            return False  # said on every connect, with the token; we log the endpoint ourselves
        if _secrets:
            message = record.getMessage()
            for secret in _secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, ()
        return True


def redact(secret: str) -> None:
    """Never let wechaty's own log lines show `secret` (the gateway token)."""
    if secret:
        _secrets.add(secret)


_WECHATY_LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"


def _is_wechaty_logger(logger: logging.Logger) -> bool:
    """wechaty_puppet.get_logger() makes non-propagating loggers with handlers of its own format."""
    return not logger.propagate and any(
        handler.formatter is not None and handler.formatter._fmt == _WECHATY_LOG_FORMAT
        for handler in logger.handlers
    )


# the HTTP/2 layer logs every header at DEBUG, the token (sent as :authority) included
_WIRE_LOGGERS = ("hpack", "hpack.hpack", "hpack.table", "h2", "h2.connection", "h2.stream",
                 "grpclib", "grpclib.client", "grpclib.protocol", "grpclib.server")


def _tame_loggers() -> None:
    level = logging.INFO if os.environ.get("WECHATY_LOG", "").lower() in ("info", "verbose") \
        else logging.WARNING
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger) or not _is_wechaty_logger(logger):
            continue
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
        logger.addFilter(_Redact())
    for name in _WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Redact) for f in logger.filters):
            logger.addFilter(_Redact())
    logging.getLogger("hpack").setLevel(max(logging.getLogger("hpack").level, logging.INFO))


def load_wechaty(cache_dir: str | None = None) -> WechatyModules:
    """Patch, then import wechaty (once per process) and return what the transport needs.

    cache_dir: where wechaty may write its caches (CACHE_DIR); only the first call decides,
    and an explicit CACHE_DIR in the environment wins.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    path = os.environ.setdefault("CACHE_DIR", cache_dir or default_cache_dir())
    os.makedirs(path, exist_ok=True)
    _patch_urllib3()
    _patch_puppet_options()

    with warnings.catch_warnings():  # "telnetlib is deprecated" and the like, at import time
        warnings.simplefilter("ignore", DeprecationWarning)
        import wechaty
        import wechaty.user
        import wechaty_puppet_service  # noqa: F401 — Wechaty imports it lazily; its loggers too
    from wechaty_grpc.wechaty.puppet import MessageType
    from wechaty_puppet import FileBox, PuppetOptions

    _loaded = WechatyModules(
        Wechaty=wechaty.Wechaty,
        WechatyOptions=wechaty.WechatyOptions,
        PuppetOptions=PuppetOptions,
        FileBox=FileBox,
        MessageType=MessageType,
        user=wechaty.user,
    )
    _tame_loggers()
    return _loaded


def new_wechaty(modules: WechatyModules, endpoint: str, token: str, plugin_port: int) -> Any:
    """A Wechaty bound to one gateway, with its own options and nothing written to disk."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    puppet_options = modules.PuppetOptions()
    puppet_options.end_point, puppet_options.token = endpoint, token
    options = modules.WechatyOptions(
        puppet_options=puppet_options, host="127.0.0.1", port=plugin_port,
        scheduler=AsyncIOScheduler(),
    )
    bot = modules.Wechaty(options)
    _tame_loggers()  # in case constructing it imported more of wechaty
    return bot


def reset_pools(modules: WechatyModules) -> None:
    """Forget cached Contact/Room objects (they are bound to the puppet that created them)."""
    for cls in (modules.user.Contact, modules.user.Room):
        cls._pool.clear()


async def close_puppet(puppet: Any, timeout: float = 2.0) -> None:
    """Stop a PuppetService and always close its gRPC channel, gateway reachable or not."""
    stub = getattr(puppet, "_puppet_stub", None)
    if stub is not None:
        try:
            await asyncio.wait_for(stub.stop(), timeout)
        except Exception as error:  # the gateway may already be gone; nothing to do
            log.debug("wechaty: Stop RPC failed while closing: %r", error)
        puppet._puppet_stub = None
    channel = getattr(puppet, "channel", None)
    if channel is not None:
        channel.close()
        puppet.channel = None
    emitter = getattr(puppet, "_event_stream", None)
    if emitter is not None:
        emitter.remove_all_listeners()
