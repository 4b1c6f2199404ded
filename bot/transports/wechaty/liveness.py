"""Is the event stream alive end to end? Ding the gateway; its DONG (or any other event) comes back on the stream.

The answer to the Ding RPC proves nothing: a gateway whose server was closed while its process lives on still
answers RPCs on the connections it left open, but its event stream is gone and will never say another word. In
Wechaty a Ding is answered by a DONG event on the event stream, so an event arriving is the only proof that
messages can still reach us. Any event counts (messages, heartbeats, logins): a busy stream needs no DONG.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from grpclib.exceptions import GRPCError

log = logging.getLogger("dudao.wechaty")

# every event python-wechaty's PuppetService emits from the stream
STREAM_EVENTS = ("dong", "heartbeat", "message", "login", "logout", "ready", "scan", "error", "friendship",
                 "room-join", "room-invite", "room-leave", "room-topic")


class StreamDead(ConnectionError):
    """No event came on the stream in time: the connection is a zombie (or was never alive)."""


class Liveness:
    """Counts events on one connection's stream and decides when its silence means death.

    ding_every: how often to ask for a DONG. dead_after: silence (no event at all) that means the stream is dead.
    first_within: how long the first event may take after connecting (the gateway's Stop and Start come first).
    """

    def __init__(self, *, ding_every: float, dead_after: float, first_within: float) -> None:
        self.ding_every, self.dead_after, self.first_within = ding_every, dead_after, first_within
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self.events = 0
        self.answered = False  # some RPC got an answer (even a refusal) on this connection
        self._ding: asyncio.Task[None] | None = None

    def listen(self, emitter: Any) -> None:
        """Note every event the puppet emits from its stream."""
        for name in STREAM_EVENTS:
            emitter.on(name, self.saw)

    def saw(self, *_: Any) -> None:
        self._last = self._loop.time()
        self.events += 1

    def silence(self) -> float:
        return self._loop.time() - self._last

    async def watch(self, ding: Callable[[], Awaitable[Any]]) -> None:
        """Ding every `ding_every`; raise StreamDead when the stream stays silent too long."""
        next_ding = self._loop.time()
        try:
            while True:
                limit = self.first_within if self.answered and not self.events else self.dead_after
                silent, now = self.silence(), self._loop.time()
                if silent >= limit:
                    raise StreamDead(self._reason(silent))
                if now >= next_ding:
                    self._send(ding)
                    next_ding = now + self.ding_every
                await asyncio.sleep(max(0.01, min(next_ding, self._last + limit) - now))
        finally:
            if self._ding is not None:
                self._ding.cancel()

    def _reason(self, silent: float) -> str:
        if self.events:
            return f"no DONG or other event on the event stream for {silent:.1f}s (the stream is dead)"
        if self.answered:
            return f"the gateway answers, but its event stream said nothing within {silent:.1f}s of connecting"
        return f"no answer and no event within {silent:.1f}s of connecting (the gateway does not answer)"

    def _send(self, ding: Callable[[], Awaitable[Any]]) -> None:
        if self._ding is not None and not self._ding.done():
            return  # the last Ding is still on its way: its answer, or the silence, will tell
        self._ding = asyncio.create_task(self._one_ding(ding), name="wechaty-ding")

    async def _one_ding(self, ding: Callable[[], Awaitable[Any]]) -> None:
        try:
            await asyncio.wait_for(ding(), self.dead_after)
            self.answered = True
        except GRPCError as error:
            self.answered = True
            log.debug("wechaty: Ding refused: %r", error)
        except Exception as error:  # noqa: BLE001 — only the DONG (or its absence) decides
            log.debug("wechaty: Ding failed: %r", error)
