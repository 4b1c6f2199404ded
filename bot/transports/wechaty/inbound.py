"""From a Wechaty message to the core's Inbound; and which replayed messages to ignore."""
from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import mimetypes
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.messages import Inbound, InboundFile
from bot.redaction import excerpt
from bot.transports.wechaty.compat import WechatyModules

log = logging.getLogger("dudao.wechaty")

MAX_FILE_BYTES = 25 * 1024 * 1024
MILLISECONDS_FROM = 2_145_888_000  # wechaty's own rule: larger timestamps are in milliseconds
FILEBOX_BASE64, FILEBOX_URL = 1, 2
AT_SEPARATOR = "\u2005"  # WeChat puts this after "@name"; the core sees a plain space


class Unreadable(ValueError):
    """A message payload the gateway sent that is not a message (no sender, …)."""


def message_time(timestamp: int | float, fallback: datetime) -> datetime:
    """The platform's send time as an aware UTC datetime (fallback when it gave none, or one no calendar holds)."""
    if not timestamp or not isinstance(timestamp, int | float) or timestamp <= 0:
        return fallback
    seconds = timestamp / 1000 if timestamp > MILLISECONDS_FROM else timestamp
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        log.warning("wechaty: a message time of %r is past any calendar; taking ours", timestamp)
        return fallback


def replay_floor(last_handled: datetime | None, connected_at: datetime, *,
                 grace: timedelta, catchup: timedelta, margin: timedelta, skew: timedelta) -> datetime:
    """Messages sent before this time are replayed history and are skipped; the rest go to the core.

    The floor never decides alone that a message was handled: gateways stamp messages to the second, so a
    message of the same second as the last handled one (or a little earlier, sent while we reconnected) may
    be new. With a last handled message, everything from `margin` before it is handed to the core, whose
    dedupe by key drops what it already handled; only what is older than that (history a gateway replays on
    login) is skipped, and never more than `catchup` before this connection. With an empty ledger: only what
    was sent from just before this connection (`grace`).

    `last_handled` is the platform's time (a message's own stamp); `connected_at` is the gateway's time when it
    could be read, else ours — so every bound from it allows `skew` (CLOCK_SKEW_MINUTES) for a clock that is
    ahead of the gateway's.
    """
    if last_handled is None:
        return connected_at - skew - grace
    if last_handled.tzinfo is None:  # a database that lost the zone: stored values are UTC
        last_handled = last_handled.replace(tzinfo=UTC)
    return max(last_handled, connected_at - skew - catchup) - margin


class History:
    """One connection's replay floor, and the messages it skipped: counted, and said at WARNING — the first one of a
    run at once, with its time (a wrong clock makes every new message look like history), then what the run came to
    when it ends (a message past the floor, the next login), and at 10, 100, 1000… skipped while it lasts."""

    def __init__(self, floor: datetime) -> None:
        self.floor = floor
        self.skipped = 0  # on this connection
        self._first: tuple[str, datetime] | None = None  # of the run going on
        self._last: datetime | None = None
        self._in_run = 0

    def keeps(self, message_id: str, at: datetime) -> bool:
        """Whether a message sent at `at` goes to the core (True) or is skipped as replayed history."""
        if at >= self.floor:
            self.end_run()
            return True
        self.skipped += 1
        self._in_run += 1
        self._last = at
        if self._first is None:
            self._first = (message_id, at)
            log.warning("wechaty: skipping replayed history: message %s was sent at %s, before %s (the floor of this "
                        "connection); if it was new, this machine's clock or the gateway's is wrong — `dudao doctor` "
                        "compares them, CLOCK_SKEW_MINUTES allows for it", message_id, at.isoformat(),
                        self.floor.isoformat())
        elif self._in_run >= 10 and str(self._in_run).rstrip("0") == "1":
            self._say("so far")
        else:
            log.debug("wechaty: skipping replayed message %s (sent %s)", message_id, at.isoformat())
        return False

    def end_run(self) -> None:
        """A run of skipped messages ended: say how many (when more than the one already said)."""
        if self._in_run > 1:
            self._say("in all")
        self._first, self._last, self._in_run = None, None, 0

    def _say(self, how: str) -> None:
        assert self._first is not None and self._last is not None  # said only within a run
        log.warning("wechaty: %d messages skipped as replayed history %s (sent before %s): the first, %s, sent at %s, "
                    "the last sent at %s", self._in_run, how, self.floor.isoformat(), self._first[0],
                    self._first[1].isoformat(), self._last.isoformat())


async def to_inbound(bot: Any, modules: WechatyModules, message_id: str, *, now: datetime,
                     history: History | None = None) -> Inbound | None:
    """Fetch one message (and its picture or file) and translate it.

    None when it is the bot's own message, replayed history (sent before the floor of `history`, which counts
    it), or of a kind the core does not take (voice, stickers, links, ...).
    """
    msg = bot.Message.load(message_id)
    try:
        await msg.ready()  # MessagePayload, then ContactPayload / RoomPayload unless cached
    except Exception as error:
        if not msg.is_ready():
            raise  # the message itself could not be fetched
        log.warning("wechaty: message %s: no details of its sender or room (%s); taking it anyway",
                    message_id, error)
    payload = msg.payload
    if not isinstance(payload.from_id, str) or not payload.from_id.strip():
        raise Unreadable(f"its payload names no sender: {excerpt(_fields(payload))}")
    if msg.is_self():  # real puppets deliver the bot's own messages back
        return None
    at = message_time(payload.timestamp, now)
    if history is not None and not history.keeps(message_id, at):
        return None
    types = modules.MessageType
    kind = msg.type()
    text, files = "", ()  # type: tuple[str, tuple[InboundFile, ...]]
    if kind == types.MESSAGE_TYPE_TEXT:
        text = msg.text().replace(AT_SEPARATOR, " ")
    elif kind in (types.MESSAGE_TYPE_IMAGE, types.MESSAGE_TYPE_ATTACHMENT):
        files = (await _fetch_file(msg),)
    else:
        log.debug("wechaty: ignoring message %s of type %s", message_id, getattr(kind, "name", kind))
        return None
    return Inbound(
        room=payload.room_id or None,
        sender=payload.from_id,
        text=text,
        at=at,
        message_id=payload.id or message_id,
        files=files,
        mentions_bot=bool(payload.mention_ids) and msg.wechaty.user_self().contact_id in payload.mention_ids,
        sender_name=_name(msg.talker()),
        id_scope=id_scope(bot),
    )


def _fields(payload: Any) -> dict[str, Any]:
    """A message payload's fields for a log line (excerpt() blanks and cuts them)."""
    names = ("id", "type", "from_id", "room_id", "to_id", "timestamp", "filename", "text")
    return {name: getattr(payload, name, None) for name in names}


def id_scope(bot: Any) -> str | None:
    """Where this message's id is unique: the puppet of the account the gateway is logged in as (its ids are the
    same after a reconnect or a restart of ours). None when the gateway has not said who it is logged in as: the
    core then knows the message by its content too."""
    try:
        account = bot.puppet.self_id()
    except Exception:  # noqa: BLE001 — not logged in (any more): no scope, not a lost message
        return None
    return f"wechaty:{account}" if account else None


def _name(contact: Any) -> str | None:
    try:
        return contact.name or None
    except ValueError:  # its payload could not be loaded
        return None


async def _fetch_file(msg: Any) -> InboundFile:
    box = await msg.to_file_box()  # MessageImage (artwork size) or MessageFile
    data = await filebox_bytes(box)
    name = box.name or f"{msg.message_id}.bin"
    mime = getattr(box, "mediaType", None) or mimetypes.guess_type(name)[0]
    return InboundFile(name=name, data=data, mime=mime)


async def filebox_bytes(box: Any) -> bytes:
    """The content of a FileBox the gateway sent: inline base64, or a URL it points to."""
    if box.boxType == FILEBOX_BASE64:
        try:
            text = box.base64 or b""  # FileBox keeps it as bytes
            data = base64.b64decode(b"".join(text.split()) if isinstance(text, bytes) else "".join(text.split()),
                                    validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError(f"file {box.name!r}: its content is not base64") from error
    elif box.boxType == FILEBOX_URL:
        data = await asyncio.to_thread(_download, box.remoteUrl, getattr(box, "headers", None))
    else:
        raise ValueError(f"unsupported FileBox type {box.boxType}")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file {box.name!r} is larger than {MAX_FILE_BYTES} bytes")
    if not data:
        raise ValueError(f"file {box.name!r} is empty")
    return data


def _download(url: str, headers: dict[str, str] | None, timeout: float = 30.0) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("only http(s) FileBox URLs are fetched")
    request = urllib.request.Request(url, headers=dict(headers or {}))
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
        data = response.read(MAX_FILE_BYTES + 1)
    return data
