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
  already gone the channel is never closed: `stop_puppet()` then `close_puppet()`, which always closes it.
- `WechatyOptions.puppet_options` is one PuppetOptions instance shared by every WechatyOptions
  (the first token would win forever), and the plugin manager builds an SQLite job store in
  the cache dir: `new_wechaty()` passes fresh options and an in-memory scheduler.
- wechaty's loggers print to stderr on their own (INFO, no propagation) and log the token:
  library_logs.tame_loggers() (the token is blanked on our handlers: bot.redaction).
- `PuppetService.__init__` reads WECHATY_PUPPET_SERVICE_ENDPOINT/TOKEN from the environment as
  well as from its options and warns twice on every connect that both were given: the bot always
  passes both as options, so its environment lookups are switched off (`_patch_environment`).
- `PuppetService.start()` sends Stop before Start (the TypeScript gateway logs an error: "stop()
  eventStreamManager is not busy?"), and its event loop ignores DIRTY (27), so a contact who
  renamed herself kept her old name until a restart: `start_puppet()` sends Start only and
  hands DIRTY events to the caller (POST 4 and RESET 24 stay ignored: harmless).
- Its event loop trusts every event: one MESSAGE without `messageId`, or a payload that is not
  a JSON object, raises out of it and tears the gRPC stream down with the events behind it.
  `start_puppet()` has it read through event_stream.EventSource, which drops (and logs) what
  it could not read, and restarts it on the same stream if it fails on an event all the same.

Several of these reach into private names of python-wechaty (the puppet's stub, listener and event stream, the user
classes' pools, the puppet module's environment lookups): each is a row of bot/private_names.py, looked up by
`load_wechaty` (a warning names any missing), and each workaround falls back to wechaty's own behaviour without them.
"""
from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bot.private_names import available, check
from bot.transports.wechaty.event_stream import EventSource, listen
from bot.transports.wechaty.library_logs import tame_loggers

log = logging.getLogger(__name__)

_loaded: WechatyModules | None = None


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
        PuppetOptions.__hash__ = object.__hash__


def _patch_environment() -> None:
    import wechaty_puppet_service.puppet as service

    if not available("wechaty-env"):
        return
    service.get_token = service.get_endpoint = lambda: None  # we always pass both as options


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
    check("wechaty-start", "wechaty-events", "wechaty-env", "wechaty-pools")  # now that wechaty is imported
    _patch_environment()
    tame_loggers()
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
    tame_loggers()  # in case constructing it imported more of wechaty
    return bot


def reset_pools(modules: WechatyModules) -> None:
    """Forget cached Contact/Room objects (they are bound to the puppet that created them)."""
    if not available("wechaty-pools"):
        return
    for cls in (modules.user.Contact, modules.user.Room):
        cls._pool.clear()


async def stop_puppet(puppet: Any, timeout: float = 2.0) -> None:
    """The Stop RPC, as a courtesy: sent while our event stream is still open (after it, the TypeScript gateway
    logs "stop() eventStreamManager is not busy?"); the gateway may already be gone."""
    stub = getattr(puppet, "_puppet_stub", None)
    if stub is not None:
        try:
            await asyncio.wait_for(stub.stop(), timeout)
        except Exception as error:  # nothing to do about it
            log.debug("wechaty: Stop RPC failed while closing: %r", error)


async def close_puppet(puppet: Any) -> None:
    """Always close a PuppetService's gRPC channel, gateway reachable or not (its own stop() skips the close when
    the Stop RPC fails)."""
    puppet._puppet_stub = None
    channel = getattr(puppet, "channel", None)
    if channel is not None:
        channel.close()
        puppet.channel = None
    emitter = getattr(puppet, "_event_stream", None)
    if emitter is not None:
        emitter.remove_all_listeners()


async def start_puppet(puppet: Any, on_dirty: Callable[[int, str], None]) -> None:
    """PuppetService.start() without its Stop first; DIRTY events go to on_dirty(type, id); the listener reads
    through an EventSource (event_stream.py), so that one event it cannot read never ends the stream.

    Returns when the event stream ends, raises when it breaks (as PuppetService.start() does). Without the private
    names this needs, PuppetService.start() itself (Stop first, DIRTY events ignored).
    """
    if not available("wechaty-start"):
        await puppet.start()
        return
    puppet._init_puppet()  # the channel and the stub (and its blocking "is it up" probe)
    stub = puppet._puppet_stub
    source = EventSource(stub.event, on_dirty)
    stub.event = source
    await stub.start()
    await listen(puppet, source)


def forget_payload(modules: WechatyModules, payload_type: int, payload_id: str) -> None:
    """A DIRTY event: drop the cached object so the next use fetches the payload again (messages are not cached:
    Message.load makes a new one each time)."""
    if not available("wechaty-pools"):
        return
    pools = {2: (modules.user.Contact,), 3: (modules.user.Room,),
             4: (modules.user.Room,)}  # a room member changed: the room's member names too
    for cls in pools.get(payload_type, ()):
        cls._pool.pop(payload_id, None)
