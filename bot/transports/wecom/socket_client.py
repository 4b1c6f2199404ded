"""One WeCom long connection at a time: connect, subscribe, read frames, answer acks by req_id, ping.

`session()` returns or raises when the connection is over, for whatever reason: a clean or an error close
(ConnectionError), two pings without an answer (ConnectionError: a silent half-open socket), a frame larger than
we read (FrameTooBig), a refused subscribe (Refused), or WeCom's disconnected_event because another connection
took over (Kicked). The transport decides what comes next. The secret is sent in the subscribe frame and nowhere
else: never logged, never in an error.

A frame we cannot read (not JSON, not an object, an event with fields of the wrong type) is logged and dropped
there: the connection goes on. The only frame that ends it is one over `frames.MAX_FRAME_BYTES`: websockets
refuses it while reading (PayloadTooBig) and must fail the connection (close code 1009, message too big), since
the rest of that frame cannot be skipped.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed, PayloadTooBig
from websockets.frames import CloseCode

import bot.transports.wecom.frames as frames
from bot.redaction import excerpt
from bot.transports.wecom.wecom_config import WecomConfig

log = logging.getLogger("dudao.wecom")


class Refused(Exception):
    """WeCom answered the subscribe with an error (wrong Bot ID or Secret, rate protection, ...)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"subscribe refused: errcode {errcode} ({errmsg})")
        self.errcode, self.errmsg = errcode, errmsg


class Kicked(Exception):
    """WeCom sent disconnected_event: a newer connection with this Bot ID replaced ours."""


class FrameTooBig(ConnectionError):
    """WeCom sent a frame over our limit: websockets refused it and closed the connection (1009)."""

    def __init__(self, size: int | None, limit: int) -> None:
        said = f"of {size} bytes" if size is not None else "of unknown size (compressed)"
        super().__init__(f"WeCom sent a frame {said}, over the limit of {limit} bytes (websockets max_size): "
                         "the connection was closed with 1009 (message too big) and that frame is lost")
        self.size, self.limit = size, limit


class WecomSocket:
    def __init__(self, config: WecomConfig, on_callback: Callable[[dict[str, Any]], None]) -> None:
        self.config, self.timing = config, config.timing
        self._on_callback = on_callback
        self._ws: Any = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.subscribed = False

    @property
    def open(self) -> bool:
        return self._ws is not None and self.subscribed

    async def session(self, on_subscribed: Callable[[], None]) -> None:
        t = self.timing
        async with websockets.connect(self.config.ws_url, open_timeout=t.connect_timeout, ping_interval=None,
                                      close_timeout=t.close_timeout, max_size=frames.MAX_FRAME_BYTES) as ws:
            self._ws = ws
            reader = asyncio.create_task(self._read(ws), name="wecom-reader")
            watchdog: asyncio.Task[None] | None = None
            try:
                await self._subscribe()
                self.subscribed = True
                on_subscribed()
                watchdog = asyncio.create_task(self._watchdog(), name="wecom-ping")
                done, _ = await asyncio.wait({reader, watchdog}, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # raises why the connection is over
                raise ConnectionError("the connection ended")
            finally:
                self.subscribed, self._ws = False, None
                for running in (reader, watchdog):
                    if running is None:
                        continue
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await running  # its reason, if any, was raised above or does not matter now
                self._fail_pending()

    async def _subscribe(self) -> None:
        ack = await self.request(frames.subscribe(self.config.bot_id, self.config.secret),
                                 self.timing.connect_timeout, what=frames.SUBSCRIBE)
        if ack.get("errcode", 0) != 0:
            raise Refused(int(ack.get("errcode", -1)), str(ack.get("errmsg", "")))

    async def request(self, data: dict[str, Any], timeout: float, *, what: str | None = None) -> dict[str, Any]:
        """Send one frame and wait for its ack (raises ConnectionError when not connected, TimeoutError)."""
        ws = self._ws
        if ws is None:
            raise ConnectionError("not connected to WeCom")
        rid = data["headers"]["req_id"]
        future = self._pending[rid] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await ws.send(frames.dumps(data))
                return await future
        except ConnectionClosed as error:
            # the reader may not have seen it yet: a frame over our limit failed the connection while this was sent
            too_big = _too_big(error)
            if too_big is not None:
                raise too_big from error
            raise ConnectionError(f"connection closed while sending {what or data.get('cmd')}") from error
        finally:
            self._pending.pop(rid, None)

    async def _read(self, ws: Any) -> None:
        try:
            async for raw in ws:
                self._dispatch(raw)
        except ConnectionClosed as error:
            too_big = _too_big(error)
            if too_big is not None:
                raise too_big from error
            raise ConnectionError(f"WeCom closed the connection ({_close_reason(error)})") from error
        raise ConnectionError(f"WeCom closed the connection ({_close_reason(ws)})")

    def _dispatch(self, raw: str | bytes) -> None:
        """One frame: an ack, a callback (queued for the worker), an event. Raises only Kicked; any other problem
        with the frame is logged and the frame dropped."""
        try:
            data = json.loads(raw)
        except ValueError:  # UnicodeDecodeError included
            log.warning("wecom: dropped a frame that is not JSON (%d bytes): %s", len(raw), excerpt(raw))
            return
        if not isinstance(data, dict):
            log.warning("wecom: dropped a frame that is not a JSON object: %s", excerpt(data))
            return
        try:
            self._route(data)
        except Kicked:
            raise
        except Exception as error:  # noqa: BLE001 — one frame must not end the connection
            log.error("wecom: dropped frame %s: %s: %s; frame: %s", _frame_id(data), type(error).__name__, error,
                      excerpt(data), exc_info=error)

    def _route(self, data: dict[str, Any]) -> None:
        headers, cmd = data.get("headers"), data.get("cmd")
        rid = headers.get("req_id") if isinstance(headers, dict) else None
        if cmd == frames.MSG_CALLBACK:
            self._on_callback(data)  # read by the callback worker, which logs what it cannot read
        elif cmd == frames.EVENT_CALLBACK:
            kind = frames.event_type(data)
            if kind == frames.DISCONNECTED_EVENT:
                raise Kicked("WeCom: another connection subscribed with this Bot ID (disconnected_event)")
            if kind in (frames.ENTER_CHAT, frames.CARD_EVENT):
                self._on_callback(data)  # answered by the callback worker, in wire order with the messages
            elif kind:
                log.debug("wecom: event %s (%s)", kind, _frame_id(data))
            else:
                log.info("wecom: ignored an event callback %s without a readable eventtype: %s", _frame_id(data),
                         excerpt(data))
        elif not cmd and isinstance(rid, str) and rid in self._pending:
            future = self._pending[rid]
            if not future.done():
                future.set_result(data)
        else:
            log.debug("wecom: ignoring frame %s", cmd if isinstance(cmd, str) and cmd else _frame_id(data))

    async def _watchdog(self) -> None:
        """Ping every interval; two pings in a row without an answer: the socket is dead though not closed."""
        missed, t = 0, self.timing
        while True:
            await asyncio.sleep(t.ping_interval)
            try:
                await self.request(frames.frame(frames.PING), t.ping_interval)
                missed = 0
            except TimeoutError:
                missed += 1
                log.info("wecom: ping unanswered (%d in a row)", missed)
                if missed >= 2:
                    raise ConnectionError("two pings unanswered: the connection is dead") from None

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("the connection to WeCom ended"))
        self._pending.clear()

    async def close(self) -> None:
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), self.timing.close_timeout)


def _too_big(error: ConnectionClosed) -> FrameTooBig | None:
    """Whether we closed the connection because WeCom sent a frame over max_size (websockets fails the connection
    with 1009 and keeps the PayloadTooBig as the cause of ConnectionClosedError)."""
    cause = error.__cause__
    if isinstance(cause, PayloadTooBig):
        return FrameTooBig(getattr(cause, "size", None), getattr(cause, "max_size", frames.MAX_FRAME_BYTES))
    sent = error.sent
    if sent is not None and sent.code == CloseCode.MESSAGE_TOO_BIG and not error.rcvd_then_sent:
        return FrameTooBig(None, frames.MAX_FRAME_BYTES)
    return None


def _frame_id(data: Any) -> str:
    headers = data.get("headers") if isinstance(data, dict) else None
    rid = headers.get("req_id") if isinstance(headers, dict) else None
    return f"req_id {excerpt(rid, 80)}" if isinstance(rid, str) and rid else "without a req_id"


def _close_reason(source: Any) -> str:
    rcvd = getattr(source, "rcvd", None)
    if rcvd is None:
        return "no close frame"
    said = f"code {rcvd.code}{' ' + rcvd.reason if rcvd.reason else ''}"
    if rcvd.code == CloseCode.MESSAGE_TOO_BIG:
        said += ": a frame we sent was over WeCom's limit"
    return said
