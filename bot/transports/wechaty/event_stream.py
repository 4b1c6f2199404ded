"""One gateway connection's event stream, as python-wechaty's listener reads it, made to survive what it carries.

PuppetService._listen_for_event reads every event in one loop and trusts it: a MESSAGE without `messageId`, a
payload that is not JSON, or JSON that is a list or a number raises out of the loop, the gRPC stream is torn down,
and the events the gateway had already sent behind it are lost with it. So the listener reads through an
`EventSource` instead of the stub's own `event()`:

- every event is checked first for what the listener will take from it (`unreadable`): one it cannot read is
  logged (its type, its id if it has one, a redacted excerpt) and dropped, and the next is read;
- DIRTY events (which the listener ignores) go to `on_dirty`;
- should the listener still fail on an event (something nobody foresaw), `listen()` starts it again on the same
  stream (bot.transports.supervisor.keep_alive): that event is lost, logged, and nothing else. Only the stream
  itself failing, or ending, ends `listen()`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.redaction import described, excerpt
from bot.transports.supervisor import IMMEDIATE, keep_alive

log = logging.getLogger("dudao.wechaty")

# wechaty.EventType (the wire numbers)
UNSPECIFIED, HEARTBEAT, MESSAGE, DONG, ERROR = 0, 1, 2, 3, 16
SCAN, READY, RESET, LOGIN, LOGOUT, DIRTY = 22, 23, 24, 25, 26, 27
NAMES = {0: "UNSPECIFIED", 1: "HEARTBEAT", 2: "MESSAGE", 3: "DONG", 16: "ERROR", 17: "FRIENDSHIP",
         18: "ROOM_INVITE", 19: "ROOM_JOIN", 20: "ROOM_LEAVE", 21: "ROOM_TOPIC", 22: "SCAN", 23: "READY", 24: "RESET",
         25: "LOGIN", 26: "LOGOUT", 27: "DIRTY"}
SCAN_STATUSES = range(0, 6)  # wechaty_puppet ScanStatus: Unknown … Timeout
# the field each event must carry as a non-empty string, for the listener to read it
REQUIRED_ID = {MESSAGE: "messageId", LOGIN: "contactId", LOGOUT: "contactId"}


def name(kind: int) -> str:
    return f"{NAMES.get(kind, 'unknown')} event (type {kind})"


def kind_of(response: Any) -> int:
    """An event's type (-1 when it has none we can read)."""
    try:
        return int(response.type)
    except (TypeError, ValueError, AttributeError):
        return -1


def parse(response: Any) -> tuple[int, Any]:
    """An event's type and its JSON payload (ValueError when the payload is not JSON)."""
    return kind_of(response), json.loads(response.payload)


def unreadable(kind: int, payload: Any) -> str | None:
    """Why python-wechaty's listener would fail on this event (None: it reads it)."""
    if not isinstance(payload, dict):
        return f"its payload is JSON {described(payload)}, not an object"
    field = REQUIRED_ID.get(kind)
    if field is not None:
        value = payload.get(field)
        if not isinstance(value, str) or not value:
            return f"its {field} is {described(value)}, not a string"
    if kind == HEARTBEAT and "data" not in payload:
        return "it has no data"
    if kind == SCAN:
        status = payload.get("status")
        if isinstance(status, bool) or not isinstance(status, int) or status not in SCAN_STATUSES:
            return f"its status is {described(status)}, not a scan status"
    return None


def event_id(kind: int, payload: Any) -> str:
    """The id an event names (a message's, a contact's), for a log line; "" when none can be read."""
    field = REQUIRED_ID.get(kind)
    value = payload.get(field) if field and isinstance(payload, dict) else None
    return f" {field} {excerpt(value, 80)}" if isinstance(value, str) and value else ""


class EventSource:
    """Stands in for the stub's `event()`: the one gRPC stream of a connection, opened on the first call and
    resumed by every later one (the listener calls it again when `listen()` restarts it)."""

    def __init__(self, open_stream: Callable[..., AsyncIterator[Any]], on_dirty: Callable[[int, str], None]) -> None:
        self._open, self._on_dirty = open_stream, on_dirty
        self._stream: AsyncIterator[Any] | None = None
        self.current: Any = None  # the event the listener is handling
        self.broken: BaseException | None = None  # why the stream itself failed
        self.dropped = 0

    def __call__(self, *args: Any, **kwargs: Any) -> EventSource:
        if self._stream is None:
            self._stream = aiter(self._open(*args, **kwargs))
        return self

    def __aiter__(self) -> EventSource:
        return self

    async def __anext__(self) -> Any:
        assert self._stream is not None, "called before the stream was opened"
        while True:
            self.current = None
            try:
                response = await anext(self._stream)
            except StopAsyncIteration:
                raise
            except BaseException as error:
                self.broken = error
                raise
            if response is None or self._dropped(response):
                continue
            self.current = response
            return response

    def _dropped(self, response: Any) -> bool:
        """Whether this event stops here: DIRTY (ours), or one the listener could not read (logged)."""
        kind = kind_of(response)
        why: str | None
        try:
            _, payload = parse(response)
        except Exception as error:  # noqa: BLE001 — not JSON (ValueError), or no text at all (TypeError)
            why, payload = f"its payload is not JSON ({type(error).__name__})", getattr(response, "payload", None)
        else:
            if kind == DIRTY:
                self._dirty(payload)
                return True
            why = unreadable(kind, payload)
        if why is None:
            return False
        self.dropped += 1
        log.warning("wechaty: dropped an unreadable %s%s: %s; payload: %s", name(kind), event_id(kind, payload), why,
                    excerpt(payload))
        return True

    def _dirty(self, payload: Any) -> None:
        try:
            kind, key = int(payload.get("payloadType", 0)), payload.get("payloadId", "")
            if not isinstance(key, str):
                raise TypeError(f"payloadId is {described(key)}")
            self._on_dirty(kind, key)
        except Exception as error:  # noqa: BLE001 — a cache left as it is: the worst is a stale name
            log.info("wechaty: ignored an unreadable DIRTY event (%s: %s): %s", type(error).__name__, error,
                     excerpt(payload))

    def doing(self) -> str:
        """What the listener was on, for the log line of its unexpected end."""
        response = self.current
        if response is None:
            return ""
        try:
            kind, payload = parse(response)
        except Exception:  # noqa: BLE001 — it was checked; say what we can
            return f"on an event: {excerpt(getattr(response, 'payload', None))}"
        return f"on the {name(kind)}{event_id(kind, payload)}: {excerpt(payload)}"

    def not_an_event(self, error: BaseException) -> bool:
        """Whether the listener failed for another reason than one event: the stream broke, or it failed before
        reading any (then restarting it would fail the same way)."""
        return self.broken is not None or self.current is None


async def listen(puppet: Any, source: EventSource) -> None:
    """Run python-wechaty's listener over `source` until the stream ends (returns) or fails (raises); restart it
    at once whenever it fails on one event."""
    await keep_alive("wechaty: the event stream listener", puppet._listen_for_event, log, fatal=source.not_an_event,
                     context=source.doing, backoff=IMMEDIATE)

