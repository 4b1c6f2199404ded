"""A local stand-in of WeCom's 智能机器人 long connection (a `websockets` server) with its HTTP half (media and
the group robot webhook, tests.support.wecom_http). It checks the Bot ID and Secret, kicks an older connection
with disconnected_event when a newer one subscribes, acks by req_id, delivers callbacks (queued while no
connection is subscribed), lets aibot_send_msg reach only conversations that have spoken, and enforces 30
messages a minute per conversation. It can close cleanly, go silent (half-open), restart on the same port, and
send any raw frame a test makes up (`push_raw`: malformed callbacks and events, frames over the bot's limit).
A frame that could not be written because the connection was closing waits for the next subscribed connection."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from tests.support.wecom_http import HttpStandIn


@dataclass(frozen=True)
class Said:
    """What the bot said: cmd respond / send / file, where, and the markdown (or file name)."""

    cmd: str
    conversation: str
    content: str
    req_id: str
    at: float  # time.monotonic()
    data: bytes = b""
    card: dict[str, Any] | None = None  # a template card sent (cmd card) or a card updated (cmd update)
    userids: tuple[str, ...] = ()  # an update for these users only (none: for everyone)

    @property
    def tags(self) -> list[str]:
        """The userids WeCom's client turns into notifying @-mentions: each `<@userid>` tag of the markdown."""
        return re.findall(r"<@([^<>\s]+)>", self.content)

    @property
    def shown(self) -> str:
        """The markdown as the client shows it: CommonMark's backslash escapes and HTML entities undone."""
        return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", self.content))


class WecomStandIn:
    def __init__(self, bot_id: str = "bot-1", secret: str = "s3cret-value") -> None:
        self.bot_id, self.secret = bot_id, secret
        self.http = HttpStandIn()
        self.frames: list[dict[str, Any]] = []
        self.said: list[Said] = []
        self.callbacks_sent: dict[str, tuple[str, float]] = {}  # callback req_id -> (conversation, when sent)
        self.subscribes = self.refusals = 0
        self.conn: ServerConnection | None = None
        self.silent: set[ServerConnection] = set()
        self.per_minute = 30
        self.compression: str | None = "deflate"  # permessage-deflate offered (websockets' default); None: not
        self._pending: list[dict[str, Any] | str] = []
        self._spoken: set[str] = set()
        self._windows: dict[str, deque[float]] = {}
        self._uploads: dict[str, list[bytes]] = {}
        self._events: dict[str, str] = {}  # event req_id -> eventtype
        self._task_ids: set[str] = set()  # the task_ids of the cards sent (one robot never reuses one)
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        if not self.http.port or self.http._server is None:
            await self.http.start()
        self._server = await serve(self._connection, "127.0.0.1", self.port, ping_interval=None,
                                   compression=self.compression)
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        """WeCom goes away (its HTTP half stays)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server, self.conn = None, None

    async def close_all(self) -> None:
        await self.stop()
        await self.http.stop()

    # what people do --------------------------------------------------------------------
    def text(self, userid: str, content: str, chatid: str | None = None) -> str:
        return self._callback(userid, chatid, "text", {"text": {"content": content}})

    def mixed(self, userid: str, content: str, image: bytes, chatid: str | None = None) -> str:
        url, aeskey = self.http.put_media(f"m{next(self._ids)}.img", image)
        items = [{"msgtype": "text", "text": {"content": content}},
                 {"msgtype": "image", "image": {"url": url, "aeskey": aeskey}}]
        return self._callback(userid, chatid, "mixed", {"mixed": {"msg_item": items}})

    def quoting(self, userid: str, content: str, quote: dict[str, Any], chatid: str | None = None) -> str:
        """A text message quoting another (`quote` from quote_text / quote_image / quote_mixed), as WeCom sends
        it: body.quote beside body.text (aibot-node-sdk QuoteContent)."""
        return self._callback(userid, chatid, "text", {"text": {"content": content}, "quote": quote})

    @staticmethod
    def quote_text(content: str) -> dict[str, Any]:
        return {"msgtype": "text", "text": {"content": content}}

    def quote_image(self, image: bytes) -> dict[str, Any]:
        url, aeskey = self.http.put_media(f"q{next(self._ids)}.img", image)
        return {"msgtype": "image", "image": {"url": url, "aeskey": aeskey}}

    def quote_mixed(self, content: str, *images: bytes) -> dict[str, Any]:
        items: list[dict[str, Any]] = [{"msgtype": "text", "text": {"content": content}}]
        items += [self.quote_image(image) for image in images]
        return {"msgtype": "mixed", "mixed": {"msg_item": items}}

    def enter_chat(self, userid: str) -> str:
        """The person opens the private chat with the robot (WeCom sends this on the day's first visit): an
        aibot_event_callback as aibot-node-sdk's EventMessage; answered, if at all, by aibot_respond_welcome_msg
        with its req_id within 5 s. Returns that req_id."""
        msgid = f"ev{next(self._ids)}"
        req_id = f"ev_{msgid}"
        self._events[req_id] = "enter_chat"
        self.push({"cmd": "aibot_event_callback", "headers": {"req_id": req_id}, "body": {
            "msgid": msgid, "create_time": int(time.time()), "aibotid": self.bot_id, "chattype": "single",
            "from": {"userid": userid}, "msgtype": "event", "event": {"eventtype": "enter_chat"}}})
        return req_id

    def tap(self, userid: str, card: Said, label: str, chatid: str | None = None) -> str:
        """`userid` taps the button `label` of a card the bot sent: an aibot_event_callback with the documented
        template_card_event (WeCom's 接收事件: event.template_card_event.{card_type, event_key, task_id}).
        Returns its req_id."""
        assert card.card is not None
        key = next(b["key"] for b in card.card["button_list"] if b["text"] == label)
        return self.tap_key(userid, card.card["task_id"], key, chatid)

    def tap_key(self, userid: str, task_id: str, key: str, chatid: str | None = None) -> str:
        msgid = f"ev{next(self._ids)}"
        req_id = f"ev_{msgid}"
        self._events[req_id] = f"template_card_event:{task_id}"
        body: dict[str, Any] = {
            "msgid": msgid, "create_time": int(time.time()), "aibotid": self.bot_id,
            "chattype": "group" if chatid else "single", "from": {"userid": userid}, "msgtype": "event",
            "event": {"eventtype": "template_card_event", "template_card_event": {
                "card_type": "button_interaction", "event_key": key, "task_id": task_id}}}
        if chatid:
            body["chatid"] = chatid
        self.push({"cmd": "aibot_event_callback", "headers": {"req_id": req_id}, "body": body})
        return req_id

    def image(self, userid: str, image: bytes) -> str:
        url, aeskey = self.http.put_media(f"i{next(self._ids)}.img", image)
        return self._callback(userid, None, "image", {"image": {"url": url, "aeskey": aeskey}})

    def _callback(self, userid: str, chatid: str | None, msgtype: str, content: dict, msgid: str | None = None, *,
                  create_time: float | None = None, stamped: bool = True) -> str:
        """A message callback: stamped with `create_time` (now unless given), or with none (stamped=False)."""
        msgid = msgid or f"msg{next(self._ids)}"
        body = {"msgid": msgid, "aibotid": self.bot_id, "chattype": "group" if chatid else "single",
                "from": {"userid": userid}, "msgtype": msgtype, **content}
        if stamped:
            body["create_time"] = int(time.time()) if create_time is None else create_time
        if chatid:
            body["chatid"] = chatid
        self._spoken.add(chatid or userid)
        self.push({"cmd": "aibot_msg_callback", "headers": {"req_id": f"cb_{msgid}"}, "body": body})
        return msgid

    def push(self, data: dict[str, Any]) -> None:
        """Deliver a frame now, or when a connection has subscribed."""
        self.push_raw(data)

    def push_raw(self, frame: dict[str, Any] | str) -> None:
        """Deliver a frame as it is (a str is sent verbatim: not JSON, not an object, too big…) now, or when a
        connection has subscribed. A frame the connection could not take (it was closing) waits for the next."""
        conn = self.conn
        if conn is None or conn in self.silent or conn.state is not State.OPEN:
            self._pending.append(frame)
            return
        if isinstance(frame, dict):
            with contextlib.suppress(Exception):  # a malformed frame names no conversation a reply could go to
                self.callbacks_sent[frame["headers"]["req_id"]] = (self._conversation(frame), time.monotonic())
        text = frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
        asyncio.ensure_future(self._send(conn, frame, text))

    async def _send(self, conn: ServerConnection, frame: dict[str, Any] | str, text: str) -> None:
        try:
            await conn.send(text)
        except ConnectionClosed:  # never written: WeCom still holds it
            self._pending.append(frame)

    def callback(self, body: Any, req_id: str | None = None, **frame: Any) -> str:
        """A message callback with any body (and any other top-level fields): for frames WeCom should not send."""
        req_id = req_id or f"cb_raw{next(self._ids)}"
        self.push_raw({"cmd": "aibot_msg_callback", "headers": {"req_id": req_id}, "body": body, **frame})
        return req_id

    @staticmethod
    def _conversation(data: dict[str, Any]) -> str:
        body = data["body"]
        return body.get("chatid") or body["from"]["userid"]

    # what WeCom does -------------------------------------------------------------------
    async def kick(self) -> None:
        """Another process subscribed with our Bot ID: the current connection gets disconnected_event."""
        conn, self.conn = self.conn, None
        if conn is not None:
            await self._kick(conn)

    async def close_connection(self, code: int = 1000) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            await conn.close(code)

    def go_silent(self) -> None:
        """The current connection stays open but nothing more reaches the bot or comes back (half-open)."""
        if self.conn is not None:
            self.silent.add(self.conn)

    async def _kick(self, conn: ServerConnection) -> None:
        event = {"cmd": "aibot_event_callback", "headers": {"req_id": f"ev{next(self._ids)}"},
                 "body": {"msgtype": "event", "event": {"eventtype": "disconnected_event"}}}
        if conn not in self.silent:
            with contextlib.suppress(ConnectionClosed):
                await conn.send(json.dumps(event))
        asyncio.ensure_future(conn.close())  # a dead peer would hold a close handshake for seconds

    async def _connection(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                if ws in self.silent:
                    continue
                data = json.loads(raw)
                self.frames.append(data)
                answer = await self._answer(ws, data)
                await ws.send(json.dumps({"headers": data.get("headers", {}), **answer}))
                if data.get("cmd") == "aibot_subscribe" and answer["errcode"] == 0:
                    pending, self._pending = self._pending, []
                    for frame in pending:
                        self.push_raw(frame)
        if self.conn is ws:
            self.conn = None

    async def _answer(self, ws: ServerConnection, data: dict[str, Any]) -> dict[str, Any]:
        cmd, body = data.get("cmd"), data.get("body") or {}
        if cmd == "aibot_subscribe":
            if body.get("bot_id") != self.bot_id or body.get("secret") != self.secret:
                self.refusals += 1
                return {"errcode": 40001, "errmsg": "invalid secret"}
            if self.conn is not None and self.conn is not ws:
                await self._kick(self.conn)
            self.conn, self.subscribes = ws, self.subscribes + 1
            return {"errcode": 0, "errmsg": "ok"}
        if ws is not self.conn:
            return {"errcode": 40001, "errmsg": "not subscribed"}
        if cmd == "ping":
            return {"errcode": 0, "errmsg": "ok"}
        if cmd in ("aibot_respond_msg", "aibot_send_msg"):
            return self._said(cmd, data)
        if cmd == "aibot_respond_welcome_msg":
            return self._welcome(data)
        if cmd == "aibot_respond_update_msg":
            return self._update(data)
        return self._upload(cmd, body)

    def _said(self, cmd: str, data: dict[str, Any]) -> dict[str, Any]:
        rid, body = data["headers"]["req_id"], data["body"]
        if cmd == "aibot_respond_msg":
            if rid not in self.callbacks_sent:
                return {"errcode": 40058, "errmsg": "invalid req_id"}
            conversation = self.callbacks_sent[rid][0]
        else:
            conversation = body.get("chatid", "")
            if conversation not in self._spoken:
                return {"errcode": 93006, "errmsg": "invalid chatid"}
        window, now = self._windows.setdefault(conversation, deque()), time.monotonic()
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        window.append(now)
        kind = body.get("msgtype")
        if kind == "template_card":
            card = body["template_card"]
            if problem := _card_problem(card):
                return {"errcode": 40008, "errmsg": problem}
            if card["task_id"] in self._task_ids:
                return {"errcode": 40008, "errmsg": "task_id already used"}
            self._task_ids.add(card["task_id"])
            self.said.append(Said("card", conversation, card["main_title"]["title"], rid, now, card=card))
            return {"errcode": 0, "errmsg": "ok"}
        if kind == "file":
            media_id = body["file"]["media_id"]
            name, blob = self._uploads[media_id][0].decode(), b"".join(self._uploads[media_id][1:])
            self.said.append(Said("file", conversation, name, rid, now, blob))
        else:
            self.said.append(Said("respond" if cmd == "aibot_respond_msg" else "send", conversation,
                                  body["markdown"]["content"], rid, now))
        return {"errcode": 0, "errmsg": "ok"}

    def _welcome(self, data: dict[str, Any]) -> dict[str, Any]:
        """A welcome: only with the req_id of an enter_chat event, once, within 5 s; text (or markdown) content."""
        rid, body = data["headers"]["req_id"], data["body"]
        if self._events.get(rid) != "enter_chat" or rid not in self.callbacks_sent:
            return {"errcode": 40058, "errmsg": "invalid req_id"}
        conversation, sent_at = self.callbacks_sent[rid]
        now = time.monotonic()
        if now - sent_at > 5 or any(s.req_id == rid for s in self.said):
            return {"errcode": 846605, "errmsg": "invalid req_id"}
        kind = body.get("msgtype")
        if kind not in ("text", "markdown"):
            return {"errcode": 40008, "errmsg": f"invalid message type {kind}"}
        self.said.append(Said("welcome", conversation, body[kind]["content"], rid, now))
        return {"errcode": 0, "errmsg": "ok"}

    def _update(self, data: dict[str, Any]) -> dict[str, Any]:
        """aibot_respond_update_msg: only with a template_card_event's req_id, once, within 5 s, the card's own
        task_id; response_type update_template_card; optional userids (the card changes for them only)."""
        rid, body = data["headers"]["req_id"], data["body"]
        kind = self._events.get(rid, "")
        if not kind.startswith("template_card_event:") or rid not in self.callbacks_sent:
            return {"errcode": 40058, "errmsg": "invalid req_id"}
        conversation, sent_at = self.callbacks_sent[rid]
        now = time.monotonic()
        if now - sent_at > 5 or any(s.req_id == rid for s in self.said):
            return {"errcode": 846605, "errmsg": "invalid req_id"}
        card = body.get("template_card") or {}
        if body.get("response_type") != "update_template_card" or card.get("task_id") != kind.split(":", 1)[1]:
            return {"errcode": 40008, "errmsg": "invalid response_type or task_id"}
        if problem := _card_problem(card, update=True):
            return {"errcode": 40008, "errmsg": problem}
        self.said.append(Said("update", conversation, card.get("replace_text") or card["main_title"]["title"], rid,
                              now, card=card, userids=tuple(body.get("userids") or ())))
        return {"errcode": 0, "errmsg": "ok"}

    def _upload(self, cmd: str | None, body: dict[str, Any]) -> dict[str, Any]:
        if cmd == "aibot_upload_media_init":
            upload_id = f"up{next(self._ids)}"
            self._uploads[upload_id] = [body["filename"].encode()]
            return {"errcode": 0, "errmsg": "ok", "body": {"upload_id": upload_id}}
        if cmd == "aibot_upload_media_chunk":
            self._uploads[body["upload_id"]].append(base64.b64decode(body["base64_data"]))
            return {"errcode": 0, "errmsg": "ok"}
        if cmd == "aibot_upload_media_finish":
            media_id = f"media-{body['upload_id']}"
            self._uploads[media_id] = self._uploads.pop(body["upload_id"])
            return {"errcode": 0, "errmsg": "ok", "body": {"media_id": media_id}}
        return {"errcode": 40008, "errmsg": f"unknown cmd {cmd}"}


def _card_problem(card: dict[str, Any], update: bool = False) -> str:
    """What WeCom would refuse in a button_interaction card (模板卡片类型), or ""."""
    if card.get("card_type") != "button_interaction":
        return "card_type must be button_interaction"
    if not re.fullmatch(r"[0-9A-Za-z_\-@]{1,128}", card.get("task_id") or ""):
        return "task_id: letters, digits and _-@, at most 128 bytes"
    title = (card.get("main_title") or {}).get("title")
    if not isinstance(title, str) or not title or len(title) > 26:  # an update is a whole card: a title too
        return "main_title.title missing or longer than 26"
    buttons = card.get("button_list")
    if not isinstance(buttons, list) or not (update or 1 <= len(buttons) <= 6):
        return "button_list: 1 to 6 buttons"
    for button in buttons:
        if not button.get("text") or len(button["text"]) > 10 or not button.get("key") or len(button["key"]) > 1024:
            return "a button needs text (at most 10) and key (at most 1024 bytes)"
    return ""
