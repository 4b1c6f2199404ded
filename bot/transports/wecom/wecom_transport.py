"""The WeCom transport: the 智能机器人 long connection in (and out), the group robot webhooks out.

One supervised connection at a time. It reconnects with backoff after every end of a connection — a clean close,
an error close, a silent socket (two unanswered pings), a refused subscribe, WeCom going away — except after
WeCom's disconnected_event (another process took the Bot ID over): then it logs it and stays down until
restarted (or WECOM_RECONNECT_AFTER_KICK=true). While down, `connected` is false and the outbox holds. A frame
over our limit ends a connection too (websockets cannot skip it): logged as such, then the same reconnect.

A callback that is not what WeCom sends is dropped by the callback worker; when it says who sent it, the sender
is answered once (templates/errors/unreadable.j2) on that callback's req_id.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, SystemClock
from bot.messages import Outbound
from bot.render import Renderer
from bot.transports.contract import TransportError
from bot.transports.wecom.callbacks import Callbacks
from bot.transports.wecom.frames import Envelope
from bot.transports.wecom.socket_client import FrameTooBig, Kicked, Refused, WecomSocket
from bot.transports.wecom.webhook import Webhooks
from bot.transports.wecom.wecom_config import WecomConfig, WecomTiming
from bot.transports.wecom.wecom_send import Sender

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.transports.contract import Inlet

log = logging.getLogger("dudao.wecom")
UNREADABLE = "errors/unreadable.j2"
BUTTONS = object()  # the part of a message that is its buttons (a card after the text)


class WecomTransport:
    name = "wecom"

    def __init__(self, settings: Settings, clock: Clock | None = None, *, timing: WecomTiming | None = None) -> None:
        self.config = config = WecomConfig.from_settings(settings, timing)  # raises WecomConfigError
        self.limits, self.timing = config.limits, config.timing
        _redact_wire_log(config.secret)
        self.callbacks = Callbacks(clock or SystemClock(), config.timing, self._unreadable)
        self.socket = WecomSocket(config, self.callbacks.received)
        self.sender = Sender(config, self.socket, self.callbacks, self._webhook_key,
                             Webhooks(config.webhook_url, config.webhook_per_minute, config.timing.send_timeout),
                             self._card_of, self._spoken_privately)
        self._inlet: Inlet | None = None
        self._progress: dict[str, int] = {}  # outbound key -> parts already delivered
        self._stopping, self._done = asyncio.Event(), asyncio.Event()
        self._session: asyncio.Task[None] | None = None
        self._telling: set[asyncio.Task[None]] = set()  # answers to unreadable callbacks on their way
        self._renderer: Renderer | None = None
        self.kicked = False

    @property
    def connected(self) -> bool:
        return self.socket.open

    def describe(self) -> str:
        return f"WeCom 智能机器人 {self.config.bot_id} at {self.config.ws_url}"

    # connecting ------------------------------------------------------------------------
    async def run(self, inlet: Inlet) -> None:
        self._inlet = inlet
        self._done.clear()
        self.callbacks.start(inlet)
        try:
            await self._supervise()
        finally:
            if self.callbacks.worker is not None and not self.callbacks.worker.done():
                self.callbacks.worker.cancel()
            self._done.set()

    async def _supervise(self) -> None:
        t, loop = self.timing, asyncio.get_running_loop()
        delay = t.backoff_initial
        while not self._stopping.is_set():
            started = loop.time()
            self._session = asyncio.create_task(self.socket.session(self._subscribed), name="wecom-session")
            try:
                await self._session
            except Kicked as error:
                if not self._kicked(error):
                    await self._stopping.wait()  # stay up (connected false) until stopped
                    return
            except FrameTooBig as error:
                log.warning("wecom: %s; reconnecting to %s", error, self.config.ws_url)
            except Refused as error:
                log.error("wecom: WeCom refused bot %s: errcode %d (%s); check WECOM_BOT_ID and WECOM_BOT_SECRET",
                          self.config.bot_id, error.errcode, error.errmsg)
                delay = max(delay, t.refused_backoff)
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise
            except Exception as error:  # noqa: BLE001 — every other end of a connection: wait, reconnect
                if self._stopping.is_set():
                    break
                log.warning("wecom: connection to %s ended: %s", self.config.ws_url, _describe(error))
            else:
                log.warning("wecom: connection to %s ended", self.config.ws_url)
            if loop.time() - started >= t.stable_after and delay < t.refused_backoff:
                delay = t.backoff_initial
            if self._stopping.is_set():
                break
            log.info("wecom: reconnecting in %.2fs", delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, t.backoff_max)

    def _kicked(self, error: Kicked) -> bool:
        """Whether to reconnect after another connection took the Bot ID over."""
        if self.config.reconnect_after_kick:
            log.warning("wecom: %s; reconnecting (WECOM_RECONNECT_AFTER_KICK=true)", error)
            return True
        self.kicked = True
        log.error("wecom: %s; not reconnecting (two processes would kick each other). Stop the other one and "
                  "restart this one, or set WECOM_RECONNECT_AFTER_KICK=true", error)
        return False

    def _subscribed(self) -> None:
        log.info("wecom: connected as bot %s at %s", self.config.bot_id, self.config.ws_url)
        if self._inlet is not None:
            self._inlet.wake_outbox()  # what waited while we were away goes out now, in order

    async def _webhook_key(self, room: str) -> str | None:
        if self._inlet is None:
            return None
        info = (await self._inlet.roster()).rooms.get(room)
        return info.webhook_key if info is not None else None

    async def _card_of(self, card: str) -> Outbound | None:
        return await self._inlet.card(card) if self._inlet is not None else None

    async def _spoken_privately(self, userids: list[str]) -> set[str]:
        return await self._inlet.spoken_privately(userids) if self._inlet is not None else set()

    # unreadable callbacks -------------------------------------------------------------
    def _unreadable(self, envelope: Envelope) -> None:
        """The callback worker could not read a message but knows who sent it: tell them (without holding the
        worker up; once, on the callback's own req_id, like any reply)."""
        task = asyncio.create_task(self._tell_unreadable(envelope), name="wecom-unreadable")
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _tell_unreadable(self, envelope: Envelope) -> None:
        if self._renderer is None:
            self._renderer = Renderer()
        out = Outbound(room=envelope.chatid, to=None if envelope.chatid else envelope.userid,
                       text=self._renderer.render(UNREADABLE), in_reply_to=envelope.msgid,
                       key=f"unreadable:{envelope.msgid}")
        try:
            if not self.connected:
                raise TransportError("not connected")
            way = await self.sender.text(out, envelope.conversation)
            log.info("wecom: told %s in %s that message %s could not be read (by %s)", envelope.userid,
                     envelope.conversation, envelope.msgid, way)
        except Exception as error:  # noqa: BLE001 — a courtesy: the message was dropped and logged already
            log.warning("wecom: could not tell %s that message %s could not be read: %s: %s", envelope.userid,
                        envelope.msgid, type(error).__name__, error)

    # sending ---------------------------------------------------------------------------
    async def send(self, out: Outbound) -> None:
        """Deliver the text, then each file; a retry resumes after the parts already delivered."""
        conversation = out.room or out.to
        if not conversation:
            raise TransportError("outbound message has neither room nor recipient", permanent=True)
        if not self.connected:
            raise TransportError(f"not connected to WeCom ({self.config.ws_url})")
        parts: list[Any] = ([None] if out.text.strip() else []) + ([BUTTONS] if out.buttons else []) + list(out.files)
        first = self._progress.get(out.key, 0) if out.key else 0
        for index, part in enumerate(parts[first:], start=first):
            try:
                if part is None:
                    way = await self.sender.text(out, conversation)
                    log.debug("wecom: %s to %s by %s", out.key or "message", conversation, way)
                elif part is BUTTONS:
                    way = await self.sender.card(out, conversation)
                    log.debug("wecom: buttons of %s to %s by %s", out.key or "message", conversation, way)
                else:
                    await self.sender.file(str(part), conversation, group=out.room is not None)
            except TransportError as error:
                if error.permanent:
                    self._progress.pop(out.key, None)
                raise
            if out.key:
                self._progress[out.key] = index + 1
                while len(self._progress) > 1000:
                    self._progress.pop(next(iter(self._progress)))
        self._progress.pop(out.key, None)

    async def send_without_connection(self, out: Outbound, webhook_key: str | None = None) -> None:
        """A short text to a room by its group robot webhook, which works while the long connection is down (the
        health alerts, bot/cli/health.py): `webhook_key` as the caller knows it (the database may be away too), else
        the roster's; TransportError when the room has none."""
        key = webhook_key or (await self._webhook_key(out.room) if out.room else None)
        if not key:
            raise TransportError(f"no group robot webhook for {out.room or out.to}", permanent=True)
        await self.sender.webhooks.send_text(key, out.text, [], out.room or "")

    # stopping --------------------------------------------------------------------------
    async def stop(self) -> None:
        """Take no new messages, finish the ones taken (briefly), close the connection."""
        self._stopping.set()
        await self.callbacks.close(self.timing.stop_timeout)
        if self._telling:
            await asyncio.wait(set(self._telling), timeout=self.timing.stop_timeout)
        await self.socket.close()
        if self._session is not None:
            self._session.cancel()
        if self._inlet is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._done.wait(), self.timing.stop_timeout)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _Redact(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret and self.secret in message:
            record.msg, record.args = message.replace(self.secret, "***"), ()
        return True


def _redact_wire_log(secret: str) -> None:
    """websockets logs every frame at DEBUG, the subscribe frame (with the secret) included."""
    for name in ("websockets", "websockets.client"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Redact) and f.secret == secret for f in logger.filters):
            logger.addFilter(_Redact(secret))
