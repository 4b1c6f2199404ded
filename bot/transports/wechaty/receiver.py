"""Incoming messages, in wire order: one worker fetches, filters and hands them to the inlet — all that arrived
while the one before was handled at once, so the app commits them together (group commit).

The worker survives what it reads: a message it cannot fetch or read is logged and dropped, the others go on;
anything else that fails on one batch is logged with its message ids and the worker takes the next. It runs
under `keep_alive`: should it end all the same, it is logged and started again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, describe_offset
from bot.messages import Inbound
from bot.redaction import excerpt
from bot.transports.supervisor import keep_alive
from bot.transports.wechaty.compat import WechatyModules
from bot.transports.wechaty.gateway_clock import read_gateway_clock
from bot.transports.wechaty.inbound import History, replay_floor, to_inbound

if TYPE_CHECKING:
    from bot.transports.contract import Inlet

log = logging.getLogger("dudao.wechaty")
_LOGIN, _STOP = object(), object()
BATCH = 64  # messages handed to the inlet at once, at most
CLOCK_WARNING = timedelta(minutes=1)  # our clock this far from the gateway's: said at WARNING on every login


class Receiver:
    """Takes message ids from the puppet's event stream and feeds the inlet one at a time.

    The puppet emits events synchronously and in stream order; each becomes a queue item, so
    a LOGIN (which sets the replay floor) is always processed before the messages after it.
    """

    def __init__(self, clock: Clock, modules: Callable[[], WechatyModules | None], *,
                 grace: timedelta, catchup: timedelta, margin: timedelta, attempts: int,
                 retry_delay: float, skew: timedelta = timedelta(minutes=10), clock_timeout: float = 3.0) -> None:
        self._clock, self._modules = clock, modules
        self._grace, self._catchup, self._margin = grace, catchup, margin
        self._skew, self._clock_timeout = skew, clock_timeout
        self._attempts, self._retry_delay = attempts, retry_delay
        self._queue: asyncio.Queue[tuple[Any, Any, datetime | None]] = asyncio.Queue()
        self._closed = False
        self.history: History | None = None  # this connection's replay floor and what it skipped
        self._skipped_before = 0  # as history, on the connections before this one
        self.worker: asyncio.Task[None] | None = None
        self._held: tuple[Any, Any, datetime | None] | None = None  # a login or stop met while taking a batch
        self._batch: list[str] = []  # the message ids the worker is on

    def start(self, inlet: Inlet) -> None:
        self._closed = False
        self.worker = asyncio.create_task(
            keep_alive("wechaty: the message worker", lambda: self._work(inlet), log, stopping=lambda: self._closed,
                       context=self._doing), name="wechaty-inbound")

    def logged_in(self, bot: Any) -> None:
        self._queue.put_nowait((bot, _LOGIN, self._clock.now()))

    def message(self, bot: Any, message_id: object) -> None:
        if not isinstance(message_id, str) or not message_id:
            log.warning("wechaty: dropped a MESSAGE event whose messageId is not an id: %s", excerpt(message_id))
        elif not self._closed:
            self._queue.put_nowait((bot, message_id, None))

    async def close(self, timeout: float) -> None:
        """Take nothing new; give the messages already taken `timeout` seconds to be handled."""
        self._closed = True
        worker = self.worker
        if worker is None or worker.done():
            return
        self._queue.put_nowait((None, _STOP, None))
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(worker), timeout)
        if not worker.done():
            log.warning("wechaty: stopping with %d message(s) not handled", self._queue.qsize() + 1)
            worker.cancel()

    def _waiting(self, first: tuple[Any, Any, datetime | None]) -> list[tuple[Any, Any, datetime | None]]:
        """The first item and the messages queued behind it (not past a login or a stop), up to BATCH."""
        items = [first]
        while first[1] not in (_LOGIN, _STOP) and len(items) < BATCH and not self._queue.empty():
            nxt = self._queue.get_nowait()
            if nxt[1] in (_LOGIN, _STOP):
                self._held = nxt
                break
            items.append(nxt)
        return items

    async def _work(self, inlet: Inlet) -> None:
        while True:
            first = self._held or await self._queue.get()
            self._held = None
            items = self._waiting(first)
            if items[0][1] is _STOP:
                return
            try:
                await self._take(inlet, items)
            except Exception as error:  # noqa: BLE001 — one batch must not stop the ones behind it
                log.error("wechaty: dropped %s: handling it failed: %s: %s", self._doing() or "a login",
                          type(error).__name__, error, exc_info=error)
            finally:
                self._batch = []

    async def _take(self, inlet: Inlet, items: list[tuple[Any, Any, datetime | None]]) -> None:
        bot, item, at = items[0]
        if item is _LOGIN:
            await self._set_floor(inlet, bot, at or self._clock.now())
            return
        self._batch = [i for _, i, _ in items]
        read = [await self._read(b, i) for b, i, _ in items]
        inbounds = [inbound for inbound in read if inbound is not None]
        if inbounds:
            await self._deliver(inlet, inbounds)

    def _doing(self) -> str:
        if not self._batch:
            return ""
        shown = ", ".join(self._batch[:5]) + (f" and {len(self._batch) - 5} more" if len(self._batch) > 5 else "")
        return f"message(s) {excerpt(shown, 300)}"

    @property
    def floor(self) -> datetime | None:
        return self.history.floor if self.history is not None else None

    @property
    def skipped_history(self) -> int:
        """Messages skipped as replayed history, on every connection so far."""
        return self._skipped_before + (self.history.skipped if self.history is not None else 0)

    async def _set_floor(self, inlet: Inlet, bot: Any, connected_at: datetime) -> None:
        """The floor of the connection that just logged in: from the time of the last handled message (the
        platform's) and the time of this connection — by the gateway's clock when it tells it, else by ours."""
        if self.history is not None:
            self.history.end_run()
            self._skipped_before += self.history.skipped
        try:
            last = await inlet.last_handled_at()
        except Exception:  # noqa: BLE001 — without it, fall back to "from this connection on"
            log.exception("wechaty: could not read the last handled message time")
            last = None
        reading = await read_gateway_clock(getattr(bot.puppet, "channel", None), self._clock.now, self._clock_timeout)
        if reading is not None:
            if abs(reading.ahead) > CLOCK_WARNING:
                log.warning("wechaty: this machine's clock is %s the gateway's (its Date header says %s): replayed "
                            "history is told by the gateway's clock, but replies, deadlines and reminders follow this "
                            "machine's — set the clocks right (NTP)", describe_offset(reading.ahead),
                            reading.remote.isoformat())
            connected_at -= reading.ahead
        self.history = History(replay_floor(last, connected_at, grace=self._grace, catchup=self._catchup,
                                            margin=self._margin, skew=self._skew))
        log.info("wechaty: messages sent before %s count as history (%s)", self.history.floor.isoformat(),
                 "by the gateway's clock" if reading is not None else
                 f"by this machine's clock, allowing {self._skew} for the gateway's")

    async def _read(self, bot: Any, message_id: str) -> Inbound | None:
        modules = self._modules()
        if modules is None:
            return None  # cannot happen: messages only come from a loaded wechaty
        try:
            return await to_inbound(bot, modules, message_id, now=self._clock.now(), history=self.history)
        except Exception as error:  # noqa: BLE001 — one unreadable message must not stop the others
            log.warning("wechaty: dropped message %s: could not read it: %s: %s", excerpt(message_id, 80),
                        type(error).__name__, excerpt(str(error), 300))
            return None

    async def _deliver(self, inlet: Inlet, inbounds: list[Inbound]) -> None:
        """Hand the messages in together; on a failure all of them again, in order (the core dedupes)."""
        for attempt in range(1, self._attempts + 1):
            try:
                await inlet.handle_many(inbounds)
                return
            except Exception:  # noqa: BLE001 — retried: the core dedupes, so a retry is safe
                log.exception("wechaty: handling %d message(s) from %s failed (attempt %d)", len(inbounds),
                              inbounds[0].message_id, attempt)
            if attempt < self._attempts:
                await asyncio.sleep(self._retry_delay * attempt)
        for inbound in inbounds:
            log.error("wechaty: message %s from %s was not handled", inbound.message_id, inbound.sender)
