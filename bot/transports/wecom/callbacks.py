"""Incoming callbacks, in wire order: one worker turns each into an Inbound (fetching and decrypting its images)
and hands it to the inlet; it remembers each message's req_id so that the reply can answer it.

The worker survives what it reads: a callback it cannot read, or whose handling fails in a way nobody foresaw,
is logged (its ids and a redacted excerpt) and dropped, and the worker takes the next one. When the callback was
readable far enough to know who sent it (`frames.Malformed.envelope`), `on_unreadable` is told, so that the
sender hears we could not read it. The worker itself runs under `keep_alive`: should it end all the same, it is
logged and started again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import bot.transports.wecom.frames as frames
import bot.transports.wecom.media as media
from bot.clock import Clock
from bot.messages import CARD_CLICK, Inbound
from bot.redaction import excerpt
from bot.transports.supervisor import keep_alive
from bot.transports.wecom.wecom_config import WecomTiming

if TYPE_CHECKING:
    from bot.transports.contract import Inlet

log = logging.getLogger("dudao.wecom")
REMEMBERED = 5000  # message ids kept for dedupe and replies
CHINA = ZoneInfo("Asia/Shanghai")  # the day a welcome is once in (WeCom's enter_chat: the day's first visit)
ID_SCOPE = "wecom"  # a msgid names one message for good: the core knows a redelivery by it alone


@dataclass(frozen=True)
class Asked:
    """Where and when a message was received, and the req_id a reply to it must carry."""

    req_id: str
    conversation: str
    at: datetime
    welcome: bool = False  # an enter_chat event: answered by aibot_respond_welcome_msg within 5 s, or not at all
    task_id: str = ""  # a template_card_event: the card tapped (answered by updating it within 5 s) …
    clicker: str = ""  # … and who tapped it


@dataclass(frozen=True)
class Tapped:
    """What answering a button tap needs: the event's req_id, the card and who tapped it."""

    req_id: str
    task_id: str
    clicker: str


class Callbacks:
    def __init__(self, clock: Clock, timing: WecomTiming,
                 on_unreadable: Callable[[frames.Envelope], None] | None = None) -> None:
        self._clock, self._timing = clock, timing
        self._on_unreadable = on_unreadable
        self._queue: asyncio.Queue[Any] = asyncio.Queue()  # frames as they came (None: stop)
        self._asked: OrderedDict[str, Asked] = OrderedDict()  # msgid -> Asked (dedupe too)
        self._answered: set[str] = set()  # req_ids a reply already used
        self._closing = False
        self._current: Any = None  # the frame the worker is on
        self.worker: asyncio.Task[None] | None = None

    def start(self, inlet: Inlet) -> None:
        self._closing = False
        self.worker = asyncio.create_task(
            keep_alive("wecom: the callback worker", lambda: self._work(inlet), log, stopping=lambda: self._closing,
                       context=self._doing), name="wecom-inbound")

    def received(self, data: Any) -> None:
        """Called by the socket for each aibot_msg_callback frame (synchronously, in wire order)."""
        self._queue.put_nowait(data)

    def reply_to(self, msgid: str | None, conversation: str) -> str | None:
        """The req_id to answer `msgid` with: once per message, in its own conversation, while fresh."""
        asked = self._asked.get(msgid or "")
        if asked is None or asked.conversation != conversation or asked.req_id in self._answered:
            return None
        window = self._timing.event_window if asked.welcome else self._timing.reply_window
        if self._clock.now() - asked.at > window:
            return None
        return asked.req_id

    def tapped(self, msgid: str | None) -> Tapped | None:
        """For the answer to a button tap: the card to update, while WeCom's 5 s last and it was not updated yet."""
        asked = self._asked.get(msgid or "")
        if asked is None or not asked.task_id or asked.req_id in self._answered:
            return None
        if self._clock.now() - asked.at > self._timing.event_window:
            return None
        return Tapped(asked.req_id, asked.task_id, asked.clicker)

    def is_tap(self, msgid: str | None) -> bool:
        asked = self._asked.get(msgid or "")
        return asked is not None and bool(asked.task_id)

    def is_welcome(self, msgid: str | None) -> bool:
        """Whether `msgid` is an enter_chat event we took (its answer is a welcome, or nothing)."""
        asked = self._asked.get(msgid or "")
        return asked is not None and asked.welcome

    def answered(self, req_id: str) -> None:
        self._answered.add(req_id)
        if len(self._answered) > REMEMBERED:
            self._answered.pop()

    async def close(self, timeout: float) -> None:
        self._closing = True
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
            self._current = data
            try:
                await self._take(inlet, data)
            except Exception as error:  # noqa: BLE001 — one callback must not stop the ones behind it
                log.error("wecom: dropped message callback %s: handling it failed: %s: %s; callback: %s",
                          _ids(data), type(error).__name__, error, excerpt(data), exc_info=error)
            finally:
                self._current = None

    async def _take(self, inlet: Inlet, data: Any) -> None:
        if isinstance(data, dict) and data.get("cmd") == frames.EVENT_CALLBACK:
            await self._event(inlet, data)
            return
        try:
            callback = frames.parse_callback(data)
        except frames.Malformed as error:
            self._unreadable(data, error)
            return
        if callback.msgid in self._asked:
            log.info("wecom: message %s delivered again; handled once", callback.msgid)
            return
        self._remember(callback)
        inbound = await self._inbound(callback)
        if inbound is not None:
            await self._deliver(inlet, inbound)

    async def _event(self, inlet: Inlet, data: Any) -> None:
        """enter_chat in a private chat: the core welcomes the person, once a day at most — the day (China's) is in
        the message id the core dedupes by, so a second enter_chat that day is a redelivery to it."""
        try:
            event = frames.parse_event(data)
        except frames.Malformed as error:
            log.warning("wecom: dropped unreadable event callback %s: %s; callback: %s", _ids(data), error.problem,
                        excerpt(data))
            return
        if event.eventtype == frames.CARD_EVENT:
            await self._tap(inlet, event)
            return
        if event.eventtype != frames.ENTER_CHAT or event.chatid is not None:
            log.debug("wecom: event %s from %s not taken", event.eventtype, event.userid)
            return
        at = self._clock.now()
        msgid = f"{frames.ENTER_CHAT}:{event.userid}:{at.astimezone(CHINA).date().isoformat()}"
        if msgid in self._asked:
            log.info("wecom: %s entered the chat again today; welcomed once", event.userid)
            return
        self._asked[msgid] = Asked(event.req_id, event.userid, at, welcome=True)
        self._forget_oldest()
        await self._deliver(inlet, Inbound(room=None, sender=event.userid, text="", at=at, message_id=msgid,
                                           id_scope=ID_SCOPE, event=frames.ENTER_CHAT))

    async def _tap(self, inlet: Inlet, event: frames.Event) -> None:
        """A button tapped on one of our cards: its command, as the tapper's own (Inbound.event CARD_CLICK), under
        the event's msgid (a redelivery is one tap); a key we did not make is answered to the tapper alone."""
        msgid = f"card:{event.msgid}"
        if msgid in self._asked:
            log.info("wecom: card event %s delivered again; handled once", event.msgid)
            return
        at = self._clock.now()
        self._asked[msgid] = Asked(event.req_id, event.conversation, at, task_id=event.task_id, clicker=event.userid)
        self._forget_oldest()
        command = frames.button_command(event.event_key)
        if command is None:
            log.warning("wecom: dropped a tap on card %s by %s: unknown event_key %s", event.task_id, event.userid,
                        excerpt(event.event_key, 80))
            if self._on_unreadable is not None:
                self._on_unreadable(frames.Envelope(event.req_id, msgid, None, event.userid))
            return
        await self._deliver(inlet, Inbound(room=event.chatid, sender=event.userid, text=command, at=at,
                                           message_id=msgid, mentions_bot=event.chatid is not None,
                                           id_scope=ID_SCOPE, event=CARD_CLICK))

    def _unreadable(self, data: Any, error: frames.Malformed) -> None:
        envelope = error.envelope
        told = envelope is not None and self._on_unreadable is not None and envelope.msgid not in self._asked
        log.warning("wecom: dropped unreadable message callback %s: %s%s; callback: %s", _ids(data), error.problem,
                    f"; telling {envelope.userid} in {envelope.conversation}" if told and envelope else "",
                    excerpt(data))
        if envelope is None or envelope.msgid in self._asked:
            return
        self._asked[envelope.msgid] = Asked(envelope.req_id, envelope.conversation, self._clock.now())
        self._forget_oldest()
        if self._on_unreadable is not None:
            self._on_unreadable(envelope)

    def _doing(self) -> str:
        return f"on message callback {_ids(self._current)}" if self._current is not None else ""

    def _remember(self, callback: frames.Callback) -> None:
        self._asked[callback.msgid] = Asked(callback.req_id, callback.conversation, self._clock.now())
        self._forget_oldest()

    def _forget_oldest(self) -> None:
        while len(self._asked) > REMEMBERED:
            self._asked.popitem(last=False)

    async def _inbound(self, callback: frames.Callback) -> Inbound | None:
        """The message for the core: its own images and files, then the images of the message it quotes (a photo
        quoted with `@督导助手 #整改 Q3 …` is evidence of that report), each fetched and decrypted now; one that
        cannot be (its URL expired after 5 minutes, it does not decrypt) is counted for the core to ask again."""
        files, lost = [], 0
        wanted = [(item, f"{callback.msgid}") for item in callback.media]
        wanted += [(item, f"{callback.msgid}-quote") for item in callback.quoted_media]
        for index, (item, stem) in enumerate(wanted):
            try:
                files.append(await media.fetch(item, stem, index, self._timing.download_timeout))
            except Exception as error:  # noqa: BLE001 — the text still counts; the sender is asked for the photo
                lost += item.kind == "image"
                log.warning("wecom: could not fetch %s %d of message %s%s: %s: %s", item.kind, index, callback.msgid,
                            " (quoted)" if stem.endswith("-quote") else "", type(error).__name__, error)
        if not callback.text.strip() and not files and not lost:
            log.debug("wecom: nothing the core takes in message %s (%s)", callback.msgid, callback.msgtype)
            return None
        return Inbound(room=callback.chatid, sender=callback.userid, text=callback.text, at=self._at(callback),
                       message_id=callback.msgid, files=tuple(files), mentions_bot=callback.chatid is not None,
                       id_scope=ID_SCOPE, quoted=callback.quoted, files_lost=lost)

    def _at(self, callback: frames.Callback) -> datetime:
        now = self._clock.now()
        if callback.create_time and callback.create_time > 0:
            seconds = callback.create_time / 1000 if callback.create_time > 10_000_000_000 else callback.create_time
            try:
                at = datetime.fromtimestamp(seconds, tz=UTC)
            except (OverflowError, OSError, ValueError):  # a time no calendar holds: take ours
                return now
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


def _ids(data: Any) -> str:
    """The ids of a callback as far as they can be read, for a log line: req_id (and msgid)."""
    headers = data.get("headers") if isinstance(data, dict) else None
    body = data.get("body") if isinstance(data, dict) else None
    rid = headers.get("req_id") if isinstance(headers, dict) else None
    msgid = body.get("msgid") if isinstance(body, dict) else None
    said = [f"req_id {rid}" if isinstance(rid, str) and rid else "without a req_id"]
    if isinstance(msgid, str | int) and not isinstance(msgid, bool) and str(msgid):
        said.append(f"msgid {msgid}")
    return excerpt(", ".join(said), 120)
