"""A local stand-in of a Wechaty puppet service: a grpclib server speaking wechaty.Puppet.

wechaty-grpc ships client stubs only, so this builds the server side from grpclib Handler
entries and the betterproto message classes. It keeps a tiny world (contacts, rooms,
messages), streams events (LOGIN, READY, then whatever the test pushes), and records what the
client sent. It listens on 127.0.0.1 only and can be stopped and started again on one port; it
answers a Ding with a DONG event on the event stream, as the real gateway does, and can go away
in each of the ways of tests/support/wechaty_faults.py. A test can send any event as it is
(`emit_raw`: a payload that is not JSON, a MESSAGE without its id, …), have a message's payload
fetch fail (`payload_errors`) and a picture's FileBox be anything (`raw_fileboxes`). Its clock may be set apart
from ours (`clock_offset`): it stamps messages by it and tells it in the Date header of every answer, as a
Node gateway does (`send_date`).
Wire conventions it follows (as the TypeScript puppet service does): message types use the
TypeScript numbering (text 7, image 6, attachment 1), event payloads are JSON strings.
"""
from __future__ import annotations

import asyncio
import base64
import inspect
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import wechaty_grpc.wechaty as grpc_api
import wechaty_grpc.wechaty.puppet as pb
from grpclib import GRPCError
from grpclib.const import Cardinality, Handler, Status
from grpclib.server import Stream

from tests.support.wechaty_faults import END_OF_STREAM, GatewayFaults, RecordingServer

EVENT_HEARTBEAT, EVENT_MESSAGE, EVENT_DONG, EVENT_READY, EVENT_LOGIN = 1, 2, 3, 23, 25
WIRE_ATTACHMENT, WIRE_IMAGE, WIRE_TEXT = 1, 6, 7


@dataclass(frozen=True)
class SentText:
    conversation_id: str
    text: str
    mention_ids: tuple[str, ...]
    at: float  # time.monotonic() when received


@dataclass(frozen=True)
class SentFile:
    conversation_id: str
    name: str
    data: bytes


@dataclass
class _Room:
    topic: str
    members: list[str] = field(default_factory=list)


def _routes() -> dict[str, tuple[type, type]]:
    """Every unary route of wechaty.Puppet with its request and response classes."""
    names = re.findall(r'"/wechaty\.Puppet/(\w+)"', inspect.getsource(grpc_api))
    classes = {name.lower(): getattr(pb, name) for name in dir(pb)}
    return {
        name: (classes[f"{name}request".lower()], classes[f"{name}response".lower()])
        for name in names
        if "Stream" not in name and name != "Event"
    }


class PuppetStandIn(GatewayFaults):
    def __init__(self, self_id: str = "wxid_bot", self_name: str = "督导助手") -> None:
        self.self_id = self_id
        self.port = 0
        self.login_on_connect = True
        self.echo_sent = False  # deliver the bot's own sends back as MESSAGE events
        self.fail_sends = 0  # answer the next N sends (text or file) with UNAVAILABLE
        self.fail_file_sends = 0  # answer the next N file sends with UNAVAILABLE
        self.crash_on_send = False  # on the next send: record nothing, go away
        self.sent_texts: list[SentText] = []
        self.sent_files: list[SentFile] = []
        self.calls: list[tuple[str, float]] = []
        self.clock_offset = 0.0  # seconds the gateway's clock is ahead of ours (negative: behind)
        self.send_date = True  # a Date header on every answer, as Node's HTTP/2 sends
        self.contacts: dict[str, str] = {self_id: self_name}
        self.rooms: dict[str, _Room] = {}
        self.messages: dict[str, pb.MessagePayloadResponse] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.urls: dict[str, tuple[str, str]] = {}  # message id -> (name, URL the FileBox points to)
        self.raw_fileboxes: dict[str, str] = {}  # message id -> the FileBox JSON (or not) its MessageImage answers
        self.payload_errors: dict[str, GRPCError] = {}  # message id -> how its MessagePayload fails
        self._subscribers: list[asyncio.Queue[Any]] = []
        self._pending: list[pb.EventResponse] = []
        self._server: RecordingServer | None = None
        self._init_faults()
        self._ids = 0

    # lifecycle -------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen (again, on the same port after the first time) and serve the Puppet service."""
        await self._stop_silent()
        server = RecordingServer([self])
        await server.start("127.0.0.1", self.port, reuse_address=True)
        self.port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._server = server

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    # the world -------------------------------------------------------------------------
    def add_contact(self, contact_id: str, name: str) -> None:
        self.contacts[contact_id] = name

    def add_room(self, room_id: str, topic: str, members: list[str]) -> None:
        self.rooms[room_id] = _Room(topic, [self.self_id, *members])

    def text(self, sender: str, text: str, room: str | None = None, **kw: Any) -> str:
        return self.message(sender, WIRE_TEXT, room, text=text, **kw)

    def image(self, sender: str, data: bytes | str, name: str = "photo.jpg", room: str | None = None,
              *, wire_type: int = WIRE_IMAGE, emit: bool = True, **kw: Any) -> str:
        """A picture (or, with wire_type=WIRE_ATTACHMENT, a file): bytes inline, or a URL (str)."""
        message_id = self.message(sender, wire_type, room, emit=False, filename=name, **kw)
        if isinstance(data, str):
            self.urls[message_id] = (name, data)
        else:
            self.files[message_id] = (name, data)
        if emit:
            self.emit(EVENT_MESSAGE, {"messageId": message_id})
        return message_id

    def message(self, sender: str, wire_type: int, room: str | None = None, *, text: str = "",
                mentions: tuple[str, ...] = (), message_id: str | None = None,
                timestamp: float | None = None, filename: str = "", emit: bool = True,
                to: str | None = None) -> str:
        """Store a message payload and (emit=True) announce it with a MESSAGE event."""
        message_id = message_id or self._next_id("msg")
        self.messages[message_id] = pb.MessagePayloadResponse(
            id=message_id, text=text, type=wire_type, from_id=sender, room_id=room or "",
            to_id="" if room else (to or self.self_id), mention_ids=list(mentions), filename=filename,
            timestamp=int((self.now() if timestamp is None else timestamp) * 1000),
        )
        if emit:
            self.emit(EVENT_MESSAGE, {"messageId": message_id})
        return message_id

    def now(self) -> float:
        """The gateway's clock (a Unix time)."""
        return time.time() + self.clock_offset

    def emit(self, event_type: int, payload: dict[str, Any]) -> None:
        """Send an event to every connected client, or keep it for the next one."""
        self.emit_raw(event_type, json.dumps(payload))

    def emit_raw(self, event_type: int, payload: str) -> None:
        """Send an event with this payload text, whatever it is (the wire says: a string, meant to be JSON)."""
        event = pb.EventResponse(type=event_type, payload=payload)
        if not self._subscribers:
            self._pending.append(event)
        for queue in self._subscribers:
            queue.put_nowait(event)

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-{self._ids}"

    # gRPC ------------------------------------------------------------------------------
    def __mapping__(self) -> dict[str, Handler]:
        mapping = {
            f"/wechaty.Puppet/{name}": Handler(self._unary(name, reply), Cardinality.UNARY_UNARY,
                                               request, reply)
            for name, (request, reply) in _routes().items()
        }
        mapping["/wechaty.Puppet/Event"] = Handler(
            self._event, Cardinality.UNARY_STREAM, pb.EventRequest, pb.EventResponse)
        return mapping

    def _unary(self, name: str, reply: type) -> Callable[[Stream], Any]:
        answer = getattr(self, f"_on_{name}", None)

        async def handle(stream: Stream) -> None:
            request = await stream.recv_message()
            self.calls.append((name, time.monotonic()))
            if self.send_date:
                await stream.send_initial_metadata(metadata={"date": formatdate(self.now(), usegmt=True)})
            await stream.send_message(await answer(request) if answer else reply())

        return handle

    async def _event(self, stream: Stream) -> None:
        await stream.recv_message()
        self.calls.append(("Event", time.monotonic()))
        queue: asyncio.Queue[Any] = asyncio.Queue()
        if self.login_on_connect:
            await stream.send_message(pb.EventResponse(
                type=EVENT_LOGIN, payload=json.dumps({"contactId": self.self_id})))
            await stream.send_message(pb.EventResponse(
                type=EVENT_READY, payload=json.dumps({"data": "ready"})))
        for event in self._pending:
            queue.put_nowait(event)
        self._pending.clear()
        self._subscribers.append(queue)
        try:
            while (event := await queue.get()) is not END_OF_STREAM:
                await stream.send_message(event)
        finally:
            if queue in self._subscribers:
                self._subscribers.remove(queue)

    async def _on_Ding(self, request: pb.DingRequest) -> pb.DingResponse:
        self.emit(EVENT_DONG, {"data": request.data})
        return pb.DingResponse()

    async def _on_ContactPayload(self, request: pb.ContactPayloadRequest) -> Any:
        if request.id not in self.contacts:
            raise GRPCError(Status.NOT_FOUND, f"no contact {request.id}")
        return pb.ContactPayloadResponse(id=request.id, name=self.contacts[request.id], type=1)

    async def _on_RoomPayload(self, request: pb.RoomPayloadRequest) -> Any:
        room = self.rooms.get(request.id) or _Room(topic=request.id)
        return pb.RoomPayloadResponse(id=request.id, topic=room.topic, member_ids=room.members)

    async def _on_RoomMemberList(self, request: pb.RoomMemberListRequest) -> Any:
        room = self.rooms.get(request.id) or _Room(topic=request.id)
        return pb.RoomMemberListResponse(member_ids=room.members)

    async def _on_RoomMemberPayload(self, request: pb.RoomMemberPayloadRequest) -> Any:
        name = self.contacts.get(request.member_id, "")
        return pb.RoomMemberPayloadResponse(id=request.member_id, name=name)

    async def _on_MessagePayload(self, request: pb.MessagePayloadRequest) -> Any:
        if request.id in self.payload_errors:
            raise self.payload_errors[request.id]
        if request.id not in self.messages:
            raise GRPCError(Status.NOT_FOUND, f"no message {request.id}")
        return self.messages[request.id]

    async def _on_MessageImage(self, request: pb.MessageImageRequest) -> Any:
        return pb.MessageImageResponse(filebox=self._filebox(request.id))

    async def _on_MessageFile(self, request: pb.MessageFileRequest) -> Any:
        return pb.MessageFileResponse(filebox=self._filebox(request.id))

    def _filebox(self, message_id: str) -> str:
        if message_id in self.raw_fileboxes:
            return self.raw_fileboxes[message_id]
        if message_id in self.urls:
            name, url = self.urls[message_id]
            return json.dumps({"boxType": 2, "name": name, "remoteUrl": url})
        name, data = self.files[message_id]
        return json.dumps({"boxType": 1, "name": name, "base64": base64.b64encode(data).decode()})

    async def _on_MessageSendText(self, request: pb.MessageSendTextRequest) -> Any:
        self._maybe_fail()
        self.sent_texts.append(SentText(request.conversation_id, request.text,
                                        tuple(request.mentonal_ids), time.monotonic()))
        return pb.MessageSendTextResponse(id=self._echo(request.conversation_id, request.text))

    async def _on_MessageSendFile(self, request: pb.MessageSendFileRequest) -> Any:
        if self.fail_file_sends > 0:
            self.fail_file_sends -= 1
            raise GRPCError(Status.UNAVAILABLE, "file upload failed")
        self._maybe_fail()
        box = json.loads(request.filebox)
        self.sent_files.append(SentFile(request.conversation_id, box["name"],
                                        base64.b64decode(box["base64"])))
        return pb.MessageSendFileResponse(id=self._echo(request.conversation_id, ""))

    def _maybe_fail(self) -> None:
        if self.crash_on_send:
            self.crash_on_send = False
            asyncio.get_running_loop().create_task(self.stop())
            raise GRPCError(Status.UNAVAILABLE, "gateway going away")
        if self.fail_sends > 0:
            self.fail_sends -= 1
            raise GRPCError(Status.UNAVAILABLE, "try again")

    def _echo(self, conversation_id: str, text: str) -> str:
        room = conversation_id if conversation_id in self.rooms else None
        return self.message(self.self_id, WIRE_TEXT, room, text=text, emit=self.echo_sent,
                            to=None if room else conversation_id)
