"""The JSON frames of the WeCom 智能机器人 long connection: what we send, and what a callback carries.

We send {cmd, headers: {req_id}, body}; WeCom acknowledges with {headers: {req_id}, errcode, errmsg[, body]} (no
cmd) and pushes {cmd: aibot_msg_callback | aibot_event_callback, headers: {req_id}, body}.
"""
from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

SUBSCRIBE, PING = "aibot_subscribe", "ping"
RESPOND, SEND = "aibot_respond_msg", "aibot_send_msg"
UPLOAD_INIT, UPLOAD_CHUNK, UPLOAD_FINISH = "aibot_upload_media_init", "aibot_upload_media_chunk", \
    "aibot_upload_media_finish"
MSG_CALLBACK, EVENT_CALLBACK = "aibot_msg_callback", "aibot_event_callback"
DISCONNECTED_EVENT = "disconnected_event"
CHAT_SINGLE, CHAT_GROUP = 1, 2  # aibot_send_msg chat_type

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

    @property
    def conversation(self) -> str:
        return self.chatid or self.userid


def parse_callback(data: dict[str, Any]) -> Callback:
    """Raise KeyError/TypeError/ValueError when the frame lacks what every message has."""
    body = data["body"]
    msgtype = body.get("msgtype", "")
    texts, media = _content(msgtype, body)
    group = body.get("chattype") == "group"
    return Callback(req_id=data["headers"]["req_id"], msgid=str(body["msgid"]),
                    chatid=body["chatid"] if group else None, userid=body["from"]["userid"], msgtype=msgtype,
                    text="\n".join(t for t in texts if t), media=tuple(media),
                    create_time=body.get("create_time"))


def _content(msgtype: str, body: dict[str, Any]) -> tuple[list[str], list[Media]]:
    if msgtype == "mixed":
        items = body.get("mixed", {}).get("msg_item", [])
    else:
        items = [{"msgtype": msgtype, msgtype: body.get(msgtype) or {}}]
    texts, media = [], []
    for item in items:
        kind, part = item.get("msgtype"), item.get(item.get("msgtype", ""), {}) or {}
        if kind in ("text", "voice"):  # voice arrives already transcribed
            texts.append(str(part.get("content", "")))
        elif kind in ("image", "file") and part.get("url"):
            media.append(Media(kind, part["url"], part.get("aeskey", ""), part.get("filename", "")))
    return texts, media


def event_type(data: dict[str, Any]) -> str:
    body = data.get("body") or {}
    event = body.get("event") or {}
    return str(event.get("eventtype") or body.get("eventtype") or "")
