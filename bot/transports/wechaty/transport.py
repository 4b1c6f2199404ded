"""The Wechaty transport: one supervised connection to a puppet service gateway at a time.

Each connection is a fresh Wechaty (python-wechaty 0.10.7) whose PuppetService we start
ourselves instead of calling `Wechaty.start()`: that one sleeps 60 s and recurses when the
network fails, stops the whole event loop on a puppet error, and starts a plugin web server
on login. LOGIN marks us connected; each MESSAGE goes to the Receiver, which hands messages
to the inlet one at a time in wire order.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, SystemClock
from bot.messages import Outbound
from bot.redaction import add_secret, excerpt
from bot.transports.contract import TransportError
from bot.transports.wechaty.compat import (
    WechatyModules,
    close_puppet,
    forget_payload,
    load_wechaty,
    new_wechaty,
    reset_pools,
    start_puppet,
    stop_puppet,
)
from bot.transports.wechaty.gateway import TLS_HINT, Gateway, Timing, describe, probe, speaks_tls
from bot.transports.wechaty.liveness import Liveness, StreamDead
from bot.transports.wechaty.outbound import send_parts
from bot.transports.wechaty.receiver import Receiver

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.transports.contract import Inlet

log = logging.getLogger("dudao.wechaty")


class WechatyTransport:
    name = "wechaty"

    def __init__(self, settings: Settings, clock: Clock | None = None, *, timing: Timing | None = None,
                 cache_dir: str | None = None) -> None:
        self.gateway = Gateway.from_settings(settings)  # raises WechatyConfigError
        add_secret(self.gateway.token)
        self.endpoint, self.limits = self.gateway.endpoint, self.gateway.limits
        self.timing = t = timing or Timing()
        self._clock = clock or SystemClock()
        self._cache_dir = cache_dir
        self._modules: WechatyModules | None = None
        self._inlet: Inlet | None = None
        self._bot: Any = None
        self._connected = self._had_login = self._tls_told = False
        self._progress: dict[str, int] = {}  # outbound key -> parts already delivered
        self._stopping, self._done = asyncio.Event(), asyncio.Event()
        self._session: asyncio.Task[None] | None = None
        self.receiver = Receiver(self._clock, lambda: self._modules, grace=t.replay_grace, catchup=t.catchup,
                                 margin=t.replay_margin, attempts=t.handle_attempts, retry_delay=t.handle_retry_delay,
                                 skew=timedelta(minutes=settings.clock_skew_minutes), clock_timeout=t.connect_timeout)

    @property
    def connected(self) -> bool:
        return self._connected

    # connecting ------------------------------------------------------------------------
    async def run(self, inlet: Inlet) -> None:
        """Connect, reconnect with backoff, and feed messages to `inlet` until stop()."""
        self._inlet = inlet
        self._done.clear()
        self.receiver.start(inlet)
        try:
            await self._supervise()
        finally:
            if self.receiver.worker is not None and not self.receiver.worker.done():
                self.receiver.worker.cancel()
            self._done.set()

    async def _supervise(self) -> None:
        delay = self.timing.backoff_initial
        while not self._stopping.is_set():
            self._had_login = False
            self._session = asyncio.create_task(self._connect_once(), name="wechaty-session")
            try:
                await self._session
                log.warning("wechaty: the event stream from %s ended; reconnecting", self.endpoint)
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise  # run() itself is being cancelled
            except Exception as error:  # noqa: BLE001 — every failure means: wait, then reconnect
                log.warning("wechaty: gateway %s: %s; reconnecting", self.endpoint, describe(error))
                await self._explain(error)
            if self._had_login:
                delay = self.timing.backoff_initial
            if self._stopping.is_set():
                break
            log.info("wechaty: reconnecting to %s in %.2fs", self.endpoint, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, self.timing.backoff_max)

    async def _explain(self, error: Exception) -> None:
        """A connection lost before any login may be a gateway with TLS on: say so (once until a login)."""
        if self._had_login or self._tls_told or type(error).__name__ != "StreamTerminatedError":
            return
        if await speaks_tls(self.gateway.host, self.gateway.port, self.timing.connect_timeout):
            self._tls_told = True
            log.error("wechaty: %s: %s", self.endpoint, TLS_HINT)

    async def _connect_once(self) -> None:
        """One connection: returns when the event stream ends, raises when it breaks."""
        await probe(self.gateway, self.timing.connect_timeout)
        modules = self._modules = load_wechaty(self._cache_dir)
        reset_pools(modules)
        bot = new_wechaty(modules, self.endpoint, self.gateway.token, self.gateway.plugin_port)
        await bot.init_puppet()
        self._listen(bot)
        self._bot = bot
        log.info("wechaty: connecting to gateway %s", self.endpoint)
        t = self.timing
        alive = Liveness(ding_every=t.ding_interval, dead_after=t.dead_after, first_within=t.first_event_within)
        alive.listen(bot.puppet)
        stream = asyncio.create_task(start_puppet(bot.puppet, lambda kind, key: self._on_dirty(modules, kind, key)),
                                     name="wechaty-events")
        watchdog = asyncio.create_task(alive.watch(lambda: bot.puppet.ding("dudao")), name="wechaty-liveness")
        try:
            done, _ = await asyncio.wait({stream, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            if stream not in done:
                watchdog.result()  # raises StreamDead with the reason
                raise StreamDead("the liveness watch ended")
            stream.result()
        finally:
            self._connected, self._bot = False, None
            if not stream.done():  # say Stop while our event stream is open: the gateway expects it there
                await stop_puppet(bot.puppet, self.timing.close_timeout)
            await _cancel(stream, watchdog)
            await close_puppet(bot.puppet)

    def _listen(self, bot: Any) -> None:
        puppet = bot.puppet
        on = _guarded(puppet)
        on("login", lambda payload: self._on_login(bot, payload.contact_id))
        on("logout", lambda payload: self._on_logout(payload.contact_id))
        on("message", lambda payload: self.receiver.message(bot, payload.message_id))
        on("scan", lambda payload: log.warning(
            "wechaty: gateway %s waits for a QR scan (status %s): %s", self.endpoint,
            getattr(payload.status, "name", payload.status), payload.qrcode or "-"))
        on("error", lambda payload: log.warning("wechaty: gateway error: %s", excerpt(getattr(payload, "data", payload),
                                                                                      500)))

    def _on_dirty(self, modules: WechatyModules, kind: int, key: str) -> None:
        log.info("wechaty: the gateway says payload %s of type %d changed", key, kind)
        forget_payload(modules, kind, key)

    def _on_login(self, bot: Any, contact_id: str) -> None:
        log.info("wechaty: logged in as %s through %s", contact_id, self.endpoint)
        self._connected = self._had_login = True
        self._tls_told = False
        self.receiver.logged_in(bot)
        if self._inlet is not None:
            self._inlet.wake_outbox()  # replies held while we were away go out now, in order

    def _on_logout(self, contact_id: str) -> None:
        log.warning("wechaty: %s logged out of the gateway %s", contact_id, self.endpoint)
        self._connected = False

    # sending ---------------------------------------------------------------------------
    async def send(self, out: Outbound) -> None:
        """Deliver `out` (text, then each file); a retry resumes after the parts already sent."""
        bot, modules = self._bot, self._modules
        if bot is None or modules is None or not self._connected:
            raise TransportError(f"not connected to the Wechaty gateway {self.endpoint}")
        key = out.key

        def done(index: int) -> None:
            if key:
                self._progress[key] = index + 1
                if len(self._progress) > 1000:  # keys whose retries were abandoned
                    self._progress.pop(next(iter(self._progress)))

        try:
            await send_parts(bot, modules, out, first=self._progress.get(key, 0) if key else 0,
                             pause=self.limits.per_room_interval or 0.0, timeout=self.timing.send_timeout,
                             done=done)
        except TransportError as error:
            if error.permanent:
                self._progress.pop(key, None)
            raise
        self._progress.pop(key, None)

    # stopping --------------------------------------------------------------------------
    async def stop(self) -> None:
        """Stop taking messages, finish the ones already taken (briefly), then disconnect."""
        self._stopping.set()
        await self.receiver.close(self.timing.stop_timeout)
        if self._session is not None:
            self._session.cancel()
        if self._inlet is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._done.wait(), self.timing.stop_timeout)


def _guarded(puppet: Any) -> Callable[[str, Callable[[Any], None]], None]:
    """puppet.on, with each listener in a try: pyee would hand its exception to the "error" listeners as if the
    gateway had said it."""

    def on(event: str, listener: Callable[[Any], None]) -> None:
        def guarded(payload: Any) -> None:
            try:
                listener(payload)
            except Exception as error:  # noqa: BLE001 — one event; the stream goes on
                log.error("wechaty: handling a %s event failed: %s: %s; event: %s", event, type(error).__name__,
                          error, excerpt(payload), exc_info=error)

        puppet.on(event, guarded)

    return on


async def _cancel(*tasks: asyncio.Task[Any], patience: float = 0.5) -> None:
    """Cancel and await tasks; cancel again if they dig in (PuppetService.start() awaits its
    Start RPC in a `finally:`, so one cancellation can leave it waiting on a hung gateway)."""
    pending = {task for task in tasks if not task.done()}
    for _ in range(10):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=patience)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: the reason was already logged or raised by the caller
    if pending:
        log.error("wechaty: %d task(s) would not stop", len(pending))
