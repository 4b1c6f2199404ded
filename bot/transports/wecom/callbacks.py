"""Incoming callbacks, in wire order: one worker turns each into an Inbound (fetching and decrypting its images)
and hands it to the inlet; it remembers each message's req_id so that the reply can answer it."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import bot.transports.wecom.frames as frames
import bot.transports.wecom.media as media
from bot.clock import Clock
from bot.messages import Inbound
from bot.transports.wecom.wecom_config import WecomTiming

if TYPE_CHECKING:
    from bot.transports.contract import Inlet

log = logging.getLogger("dudao.wecom")
REMEMBERED = 5000  # message ids kept for dedupe and replies


@dataclass(frozen=True)
class Asked:
    """Where and when a message was received, and the req_id a reply to it must carry."""

    req_id: str
    conversation: str
    at: datetime


class Callbacks:
    def __init__(self, clock: Clock, timing: WecomTiming) -> None:
        self._clock, self._timing = clock, timing
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._asked: OrderedDict[str, Asked] = OrderedDict()  # msgid -> Asked (dedupe too)
        self._answered: set[str] = set()  # req_ids a reply already used
        self.worker: asyncio.Task[None] | None = None

    def start(self, inlet: Inlet) -> None:
        self.worker = asyncio.create_task(self._work(inlet), name="wecom-inbound")

    def received(self, data: dict[str, Any]) -> None:
        """Called by the socket for each aibot_msg_callback frame (synchronously, in wire order)."""
        self._queue.put_nowait(data)

    def reply_to(self, msgid: str | None, conversation: str) -> str | None:
        """The req_id to answer `msgid` with: once per message, in its own conversation, while fresh."""
        asked = self._asked.get(msgid or "")
        if asked is None or asked.conversation != conversation or asked.req_id in self._answered:
            return None
        if self._clock.now() - asked.at > self._timing.reply_window:
            return None
        return asked.req_id

    def answered(self, req_id: str) -> None:
        self._answered.add(req_id)
        if len(self._answered) > REMEMBERED:
            self._answered.pop()

    async def close(self, timeout: float) -> None:
        worker = self.worker
        if worker is None or worker.done():
            return
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(worker), timeout)
        if not worker.done():
            log.warning("wecom: stopping with %d message(s) not handled", self._queue.qsize() + 1)
            worker.cancel()

    async def _work(self, inlet: Inlet) -> None:
        while (data := await self._queue.get()) is not None:
            try:
                callback = frames.parse_callback(data)
            except (KeyError, TypeError, ValueError) as error:
                log.warning("wecom: unreadable message callback (%s: %s)", type(error).__name__, error)
                continue
            if callback.msgid in self._asked:
                log.info("wecom: message %s delivered again; handled once", callback.msgid)
                continue
            self._remember(callback)
            inbound = await self._inbound(callback)
            if inbound is not None:
                await self._deliver(inlet, inbound)

    def _remember(self, callback: frames.Callback) -> None:
        self._asked[callback.msgid] = Asked(callback.req_id, callback.conversation, self._clock.now())
        while len(self._asked) > REMEMBERED:
            self._asked.popitem(last=False)

    async def _inbound(self, callback: frames.Callback) -> Inbound | None:
        files = []
        for index, item in enumerate(callback.media):
            try:
                files.append(await media.fetch(item, callback.msgid, index, self._timing.download_timeout))
            except Exception as error:  # noqa: BLE001 — the text still counts; the photo is reported missing
                log.warning("wecom: could not fetch %s %d of message %s: %s: %s", item.kind, index,
                            callback.msgid, type(error).__name__, error)
        if not callback.text.strip() and not files:
            log.debug("wecom: nothing the core takes in message %s (%s)", callback.msgid, callback.msgtype)
            return None
        return Inbound(room=callback.chatid, sender=callback.userid, text=callback.text, at=self._at(callback),
                       message_id=callback.msgid, files=tuple(files), mentions_bot=callback.chatid is not None)

    def _at(self, callback: frames.Callback) -> datetime:
        now = self._clock.now()
        if callback.create_time:
            seconds = callback.create_time / 1000 if callback.create_time > 10_000_000_000 else callback.create_time
            at = datetime.fromtimestamp(seconds, tz=UTC)
            if abs(at - now) < timedelta(days=1):
                return at
        return now

    async def _deliver(self, inlet: Inlet, inbound: Inbound) -> None:
        for attempt in range(1, self._timing.handle_attempts + 1):
            try:
                await inlet.handle(inbound)
                return
            except Exception:  # noqa: BLE001 — retried: the core dedupes on the message id
                log.exception("wecom: handling message %s failed (attempt %d)", inbound.message_id, attempt)
            if attempt < self._timing.handle_attempts:
                await asyncio.sleep(self._timing.handle_retry_delay * attempt)
        log.error("wecom: message %s from %s was not handled", inbound.message_id, inbound.sender)
