"""The JSON frames of the WeCom 智能机器人 long connection: what we send, and what a callback carries.

We send {cmd, headers: {req_id}, body}; WeCom acknowledges with {headers: {req_id}, errcode, errmsg[, body]} (no
cmd) and pushes {cmd: aibot_msg_callback | aibot_event_callback, headers: {req_id}, body}.
"""
from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from bot.redaction import described

SUBSCRIBE, PING = "aibot_subscribe", "ping"
RESPOND, SEND = "aibot_respond_msg", "aibot_send_msg"
RESPOND_WELCOME = "aibot_respond_welcome_msg"  # the answer to an enter_chat event (its req_id, within 5 s)
RESPOND_UPDATE = "aibot_respond_update_msg"  # the answer to a template_card_event: the card updated (within 5 s)
UPLOAD_INIT, UPLOAD_CHUNK, UPLOAD_FINISH = "aibot_upload_media_init", "aibot_upload_media_chunk", \
    "aibot_upload_media_finish"
MSG_CALLBACK, EVENT_CALLBACK = "aibot_msg_callback", "aibot_event_callback"
DISCONNECTED_EVENT, ENTER_CHAT, CARD_EVENT = "disconnected_event", "enter_chat", "template_card_event"
CARD_TITLE, CARD_DESC, CARD_SUBTITLE, CARD_BUTTON = 26, 30, 112, 10  # characters a card's parts show
CHAT_SINGLE, CHAT_GROUP = 1, 2  # aibot_send_msg chat_type
# the largest frame we read (websockets max_size): a callback carries text and media URLs, never the media
# themselves; a larger frame fails the connection (close 1009) and is logged as such (socket_client.FrameTooBig)
MAX_FRAME_BYTES = 4 * 1024 * 1024

RATE_LIMITED = {45009, 45033, 45047}  # "api freq out of limit" and kin: retry later
# answers a retry cannot fix: bad chat id or user, unsupported message, bad parameter, not allowed to speak there
PERMANENT = {40003, 40008, 40058, 60011, 86008, 93006, 93008}

_counter = itertools.count(1)


def req_id(prefix: str) -> str:
    return f"{prefix}_{int(time.time() * 1000)}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


def frame(cmd: str, body: dict[str, Any] | None = None, *, rid: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": rid or req_id(cmd)}}
    if body is not None:
        out["body"] = body
    return out


def subscribe(bot_id: str, secret: str) -> dict[str, Any]:
    return frame(SUBSCRIBE, {"bot_id": bot_id, "secret": secret})


def markdown(content: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": content}}


def respond(callback_req_id: str, content: str) -> dict[str, Any]:
    """A reply bound to the callback it answers (same req_id)."""
    return frame(RESPOND, markdown(content), rid=callback_req_id)


def welcome(event_req_id: str, content: str) -> dict[str, Any]:
    """The welcome a person gets on opening the private chat: plain text, bound to the enter_chat event."""
    return frame(RESPOND_WELCOME, {"msgtype": "text", "text": {"content": content}}, rid=event_req_id)


def button_card(task_id: str, text: str, buttons: list[tuple[str, str]]) -> dict[str, Any]:
    """A button_interaction template card (WeCom 模板卡片类型): the text's first line its title, the rest its
    subtitle, each button (label, key) a button whose key comes back in the template_card_event."""
    title, _, rest = text.strip().partition("\n")
    card: dict[str, Any] = {"card_type": "button_interaction", "main_title": {"title": _cut(title, CARD_TITLE)},
                            "task_id": task_id,
                            "button_list": [{"text": _cut(label, CARD_BUTTON), "style": 1 if n == 0 else 2, "key": key}
                                            for n, (label, key) in enumerate(buttons)]}
    if rest.strip():
        card["sub_title_text"] = _cut(" ".join(rest.split()), CARD_SUBTITLE)
    return card


def updated_card(card: dict[str, Any], outcome: str) -> dict[str, Any]:
    """The card after a tap: the same card, its buttons greyed out under the outcome's first line (replace_text),
    the outcome its subtitle."""
    first = outcome.strip().partition("\n")[0]
    return {**card, "sub_title_text": _cut(" ".join(outcome.split()), CARD_SUBTITLE),
            "replace_text": _cut(first, CARD_TITLE)}


def template_card(card: dict[str, Any]) -> dict[str, Any]:
    return {"msgtype": "template_card", "template_card": card}


def update_card(event_req_id: str, card: dict[str, Any], userids: list[str] | None) -> dict[str, Any]:
    """aibot_respond_update_msg: the tapped card updated — for everyone, or for `userids` only."""
    body: dict[str, Any] = {"response_type": "update_template_card", "template_card": card}
    if userids:
        body["userids"] = userids
    return frame(RESPOND_UPDATE, body, rid=event_req_id)


def button_key(command: str) -> str:
    """A button's key: its command, in the characters a key may hold (base64url, `c_` first)."""
    return "c_" + base64.urlsafe_b64encode(command.encode("utf-8")).decode("ascii").rstrip("=")


def button_command(key: str) -> str | None:
    """The command a button's key names; None for a key we did not make."""
    if not key.startswith("c_"):
        return None
    data = key[2:]
    try:
        command = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return command if command.startswith("#") and len(command) <= 200 else None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def send(chatid: str, chat_type: int, body: dict[str, Any]) -> dict[str, Any]:
    """A message of the bot's own initiative to a conversation that has spoken to it."""
    return frame(SEND, {"chatid": chatid, "chat_type": chat_type, **body})


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def redacted(data: dict[str, Any]) -> dict[str, Any]:
    """A frame safe to log: no secret, no media content."""
    body = data.get("body")
    if isinstance(body, dict) and ({"secret", "base64_data"} & body.keys()):
        body = {k: ("***" if k in ("secret", "base64_data") else v) for k, v in body.items()}
        return {**data, "body": body}
    return data


@dataclass(frozen=True)
class Media:
    """An image or file in a callback: where to fetch it for 5 minutes, and the key to its content."""

    kind: str  # image / file
    url: str
    aeskey: str
    name: str = ""


@dataclass(frozen=True)
class Envelope:
    """What says whom a callback is from and how to answer it: enough to tell the sender we could not read it."""

    req_id: str
    msgid: str
    chatid: str | None  # None in a private chat
    userid: str

    @property
    def conversation(self) -> str:
        return self.chatid or self.userid


class Malformed(ValueError):
    """A callback that is not what WeCom sends: what is wrong with it, and its envelope when that much was
    readable (then its sender can be told)."""

    def __init__(self, problem: str, envelope: Envelope | None = None) -> None:
        super().__init__(problem)
        self.problem, self.envelope = problem, envelope


@dataclass(frozen=True)
class Callback:
    """One aibot_msg_callback, reduced to what the transport uses."""

    req_id: str
    msgid: str
    chatid: str | None  # None in a private chat
    userid: str
    msgtype: str
    text: str
    media: tuple[Media, ...] = field(default_factory=tuple)
    create_time: float | None = None
    quoted: str | None = None  # the text of the message this one quotes ("" when it quotes one without text)
    quoted_media: tuple[Media, ...] = field(default_factory=tuple)  # the images of the message it quotes

    @property
    def conversation(self) -> str:
        return self.chatid or self.userid


TAKEN = ("text", "voice", "image", "file")  # the kinds of content the core takes (voice arrives transcribed)


def parse_callback(data: object) -> Callback:
    """Read an aibot_msg_callback, checking the type of every part the transport uses.

    Raises Malformed when the frame lacks what every message has or a part has another type than WeCom sends. A
    message type we do not take (a location, a sticker, a type WeCom adds later) is not malformed: it is read with
    no text and no media, and the caller ignores it.
    """
    envelope, body = _envelope(data)
    msgtype = body.get("msgtype")
    if not _filled(msgtype):
        raise Malformed(f"body.msgtype is {described(msgtype)}, not the name of a message type", envelope)
    texts, media = _content(msgtype, body, envelope)
    quoted, quoted_media = _quote(body, envelope)
    return Callback(req_id=envelope.req_id, msgid=envelope.msgid, chatid=envelope.chatid, userid=envelope.userid,
                    msgtype=msgtype, text="\n".join(t for t in texts if t), media=tuple(media),
                    create_time=_number(body.get("create_time")), quoted=quoted, quoted_media=quoted_media)


def _quote(body: dict[str, Any], envelope: Envelope) -> tuple[str | None, tuple[Media, ...]]:
    """The message a callback quotes (`body.quote`: msgtype text / image / mixed / voice / file and its part, as
    in aibot-node-sdk's QuoteContent): its text, and its images — a quoted file is no photo and is not fetched."""
    quote = body.get("quote")
    if quote is None:
        return None, ()
    if not isinstance(quote, dict):
        raise Malformed(f"body.quote is {described(quote)}, not an object", envelope)
    kind = quote.get("msgtype")
    if not _filled(kind):
        raise Malformed(f"body.quote.msgtype is {described(kind)}, not the name of a message type", envelope)
    texts, media = _content(kind, quote, envelope, "body.quote")
    return "\n".join(t for t in texts if t), tuple(m for m in media if m.kind == "image")


def _envelope(data: object) -> tuple[Envelope, dict[str, Any]]:
    if not isinstance(data, dict):
        raise Malformed(f"the frame is {described(data)}, not an object")
    headers, body = data.get("headers"), data.get("body")
    if not isinstance(headers, dict):
        raise Malformed(f"headers is {described(headers)}, not an object")
    if not _filled(rid := headers.get("req_id")):
        raise Malformed(f"headers.req_id is {described(rid)}, not a string")
    if not isinstance(body, dict):
        raise Malformed(f"body is {described(body)}, not an object")
    msgid = body.get("msgid")
    if isinstance(msgid, int) and not isinstance(msgid, bool):
        msgid = str(msgid)
    if not _filled(msgid):
        raise Malformed(f"body.msgid is {described(msgid)}, not a string")
    sender = body.get("from")
    if not isinstance(sender, dict):
        raise Malformed(f"body.from is {described(sender)}, not an object")
    if not _filled(userid := sender.get("userid")):
        raise Malformed(f"body.from.userid is {described(userid)}, not a string")
    chattype = body.get("chattype", "single")
    if not isinstance(chattype, str):
        raise Malformed(f"body.chattype is {described(chattype)}, not a string")
    chatid = None
    if chattype == "group" and not _filled(chatid := body.get("chatid")):
        raise Malformed(f"body.chatid of a group message is {described(chatid)}, not a string")
    return Envelope(rid, msgid, chatid, userid), body


def _content(msgtype: str, body: dict[str, Any], envelope: Envelope,
             where: str = "body") -> tuple[list[str], list[Media]]:
    if msgtype == "mixed":
        mixed = body.get("mixed")
        if not isinstance(mixed, dict):
            raise Malformed(f"{where}.mixed is {described(mixed)}, not an object", envelope)
        items = mixed.get("msg_item")
        if not isinstance(items, list):
            raise Malformed(f"{where}.mixed.msg_item is {described(items)}, not a list", envelope)
        places = [f"{where}.mixed.msg_item[{index}]" for index in range(len(items))]
    else:
        items, places = [{"msgtype": msgtype, msgtype: body.get(msgtype)}], [where]
    texts, media = [], []
    for item, place in zip(items, places, strict=True):
        if not isinstance(item, dict):
            raise Malformed(f"{place} is {described(item)}, not an object", envelope)
        kind = item.get("msgtype")
        if not _filled(kind):
            raise Malformed(f"{place}.msgtype is {described(kind)}, not the name of a message type", envelope)
        if kind not in TAKEN:
            continue
        part = item.get(kind)
        if not isinstance(part, dict):
            raise Malformed(f"{place}.{kind} is {described(part)}, not an object", envelope)
        if kind in ("text", "voice"):
            content = part.get("content", "" if kind == "voice" else None)  # a voice may come untranscribed
            if not isinstance(content, str):
                raise Malformed(f"{place}.{kind}.content is {described(content)}, not a string", envelope)
            texts.append(content)
            continue
        url, aeskey, name = part.get("url"), part.get("aeskey", ""), part.get("filename", "")
        if not _filled(url):
            raise Malformed(f"{place}.{kind}.url is {described(url)}, not a string", envelope)
        for key, value in (("aeskey", aeskey), ("filename", name)):
            if not isinstance(value, str):
                raise Malformed(f"{place}.{kind}.{key} is {described(value)}, not a string", envelope)
        media.append(Media(kind, url, aeskey, name))
    return texts, media


def _filled(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)


def _number(value: object) -> float | None:
    """A timestamp as WeCom sends it (a number, maybe as a string); anything else: none given."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


@dataclass(frozen=True)
class Event:
    """One aibot_event_callback other than disconnected_event, reduced to what the transport uses (aibot-node-sdk
    EventMessage: msgid, from.userid, chatid in a group, event.eventtype and — for a card button —
    event.event_key and event.task_id)."""

    req_id: str
    msgid: str
    chatid: str | None
    userid: str
    eventtype: str
    create_time: float | None = None
    event_key: str = ""  # template_card_event: the key of the button tapped
    task_id: str = ""  # … and the card's task_id

    @property
    def conversation(self) -> str:
        return self.chatid or self.userid


def parse_event(data: object) -> Event:
    """Read an aibot_event_callback; raises Malformed when it lacks what every event has."""
    envelope, body = _envelope(data)
    kind = event_type(data)
    if not kind:
        raise Malformed("body.event.eventtype is not the name of an event", envelope)
    key: object = ""
    task: object = ""
    if kind == CARD_EVENT:  # WeCom's 接收事件: event.template_card_event.{event_key, task_id}; the SDK's: flat
        event = body.get("event")
        event = event if isinstance(event, dict) else {}
        part = event.get(CARD_EVENT)
        part = part if isinstance(part, dict) else event
        key, task = part.get("event_key"), part.get("task_id")
        if not _filled(key) or not _filled(task):
            raise Malformed(f"a template_card_event's event_key is {described(key)} and its task_id "
                            f"{described(task)}: not both strings", envelope)
    return Event(req_id=envelope.req_id, msgid=envelope.msgid, chatid=envelope.chatid, userid=envelope.userid,
                 eventtype=kind, create_time=_number(body.get("create_time")), event_key=str(key), task_id=str(task))


def event_type(data: object) -> str:
    """The eventtype of an aibot_event_callback ("" when it has none we can read)."""
    body = data.get("body") if isinstance(data, dict) else None
    body = body if isinstance(body, dict) else {}
    event = body.get("event")
    kind = (event.get("eventtype") if isinstance(event, dict) else None) or body.get("eventtype")
    return kind if isinstance(kind, str) else ""
