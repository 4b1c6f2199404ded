"""Malformed Wechaty events, through the real python-wechaty client against the puppet stand-in and the real core:
each row of the table goes on the event stream as it is, and the legitimate message right behind it on the same
stream must still be handled (its reply sent) — on the same stream, by the same worker: nothing is survived by
reconnecting or restarting. Events the client cannot read are dropped with a log line naming them; a message
whose payload is garbage is dropped, or handled when what is wrong does not matter (a time past any calendar)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from grpclib import GRPCError
from grpclib.const import Status

from bot.cli.bootstrap import build, load_county, open_database
from bot.clock import SystemClock
from bot.settings import Settings
from bot.transports.wechaty import Timing, WechatyTransport
from tests.support.paths import REPO
from tests.support.photos import image_bytes
from tests.support.waiting import eventually
from tests.support.wechaty_standin import (
    EVENT_DONG,
    EVENT_LOGIN,
    EVENT_MESSAGE,
    WIRE_IMAGE,
    WIRE_TEXT,
    PuppetStandIn,
)

COUNTY = REPO / "bot" / "data" / "demo-county.yaml"
ROOM, SUPERVISOR, PRINCIPAL = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"
FAST = Timing(backoff_initial=0.02, backoff_max=0.1, connect_timeout=1.0, ding_interval=0.2,
              dead_after=0.8, first_event_within=1.0, stop_timeout=2.0, close_timeout=0.2, handle_retry_delay=0.01)
EVENT_HEARTBEAT, EVENT_ERROR, EVENT_SCAN, EVENT_LOGOUT, EVENT_DIRTY = 1, 16, 22, 26, 27


@dataclass
class World:
    standin: PuppetStandIn
    transport: WechatyTransport

    def said(self, containing: str) -> bool:
        return any(containing in t.text for t in self.standin.sent_texts)

    @property
    def streams(self) -> int:
        return sum(name == "Event" for name, _ in self.standin.calls)


@pytest.fixture
async def world(tmp_path: Path):
    standin = PuppetStandIn()
    standin.add_contact(SUPERVISOR, "周永红")
    standin.add_contact(PRINCIPAL, "刘洋")
    standin.add_room(ROOM, "实验小学督导联络群", [SUPERVISOR, PRINCIPAL])
    await standin.start()
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/malformed.db",
                        evidence_dir=tmp_path / "evidence", wechaty_puppet_service_endpoint=standin.endpoint,
                        wechaty_puppet_service_token="malformed-token", wechaty_room_interval_seconds=0.0,
                        wechaty_between_rooms_seconds=0.0, outbox_backoff_seconds=0.05,
                        wechaty_per_minute=1000, outbox_per_minute=1000)  # a reply a row, all in one room
    db = await open_database(settings.database_url)
    clock = SystemClock()
    await load_county(db, COUNTY, clock)
    transport = WechatyTransport(settings, clock, timing=FAST)
    app = build(settings, clock, db, transport)
    sender = asyncio.create_task(app.outbox.run(poll_seconds=0.05))
    runner = asyncio.create_task(transport.run(app))
    await eventually(lambda: transport.connected)
    yield World(standin, transport)
    await transport.stop()
    await asyncio.wait_for(runner, 5)
    app.outbox.stop()
    await asyncio.wait_for(sender, 5)
    await db.dispose()
    await standin.stop()


Send = Callable[[PuppetStandIn], None]


@dataclass(frozen=True)
class Row:
    name: str
    send: Send
    expect: str  # dropped (a log line says so) / ignored (nothing for the core, nothing said) / handled (answered)
    answer: str = ""  # what its reply contains (handled)


def raw(event_type: int, payload: str) -> Send:
    return lambda s: s.emit_raw(event_type, payload)


def garbage_payload(**fields: object) -> Send:
    """A MESSAGE event for a message whose payload (fetched by the client) has these fields."""
    def send(s: PuppetStandIn) -> None:
        kw: dict = dict(sender=SUPERVISOR, wire_type=WIRE_TEXT, room=ROOM, text="#帮助 garbage")
        kw.update(fields)
        s.message(kw.pop("sender"), kw.pop("wire_type"), kw.pop("room"), **kw)
    return send


def failing_payload(status: Status) -> Send:
    def send(s: PuppetStandIn) -> None:
        s.payload_errors["msg-fails"] = GRPCError(status, "the gateway could not load it")
        s.emit(EVENT_MESSAGE, {"messageId": "msg-fails"})
    return send


def filebox(box: str) -> Send:
    def send(s: PuppetStandIn) -> None:
        message_id = s.image(PRINCIPAL, image_bytes("jpg"), room=ROOM, emit=False)
        s.raw_fileboxes[message_id] = box
        s.emit(EVENT_MESSAGE, {"messageId": message_id})
    return send


TABLE = [
    # the MESSAGE event itself
    Row("MESSAGE without messageId", raw(EVENT_MESSAGE, "{}"), "dropped"),
    Row("MESSAGE messageId null", raw(EVENT_MESSAGE, '{"messageId": null}'), "dropped"),
    Row("MESSAGE messageId a number", raw(EVENT_MESSAGE, '{"messageId": 12}'), "dropped"),
    Row("MESSAGE messageId a list", raw(EVENT_MESSAGE, '{"messageId": ["msg-1"]}'), "dropped"),
    Row("MESSAGE messageId an object", raw(EVENT_MESSAGE, '{"messageId": {"id": "msg-1"}}'), "dropped"),
    Row("MESSAGE messageId empty", raw(EVENT_MESSAGE, '{"messageId": ""}'), "dropped"),
    Row("MESSAGE payload not JSON", raw(EVENT_MESSAGE, "messageId=msg-1"), "dropped"),
    Row("MESSAGE payload empty", raw(EVENT_MESSAGE, ""), "dropped"),
    Row("MESSAGE payload cut short", raw(EVENT_MESSAGE, '{"messageId": "msg-'), "dropped"),
    Row("MESSAGE payload a list", raw(EVENT_MESSAGE, '["msg-1"]'), "dropped"),
    Row("MESSAGE payload a number", raw(EVENT_MESSAGE, "42"), "dropped"),
    Row("MESSAGE payload a string", raw(EVENT_MESSAGE, '"msg-1"'), "dropped"),
    Row("MESSAGE payload null", raw(EVENT_MESSAGE, "null"), "dropped"),
    Row("MESSAGE payload true", raw(EVENT_MESSAGE, "true"), "dropped"),
    # other events
    Row("unknown event type", raw(99, json.dumps({"messageId": "x"})), "ignored"),
    Row("unknown event type, not JSON", raw(99, "<xml/>"), "dropped"),
    Row("LOGIN without contactId", raw(EVENT_LOGIN, "{}"), "dropped"),
    Row("LOGIN payload a list", raw(EVENT_LOGIN, '["wxid_bot"]'), "dropped"),
    Row("LOGOUT contactId a number", raw(EVENT_LOGOUT, '{"contactId": 1}'), "dropped"),
    Row("HEARTBEAT without data", raw(EVENT_HEARTBEAT, '{"timeout": 60}'), "dropped"),
    Row("HEARTBEAT not JSON", raw(EVENT_HEARTBEAT, "beat"), "dropped"),
    Row("DONG payload a list", raw(EVENT_DONG, "[]"), "dropped"),
    Row("SCAN status a word", raw(EVENT_SCAN, '{"status": "waiting", "qrcode": "q"}'), "dropped"),
    Row("SCAN status unknown", raw(EVENT_SCAN, '{"status": 99}'), "dropped"),
    Row("ERROR not JSON", raw(EVENT_ERROR, "boom"), "dropped"),
    Row("DIRTY payload a list", raw(EVENT_DIRTY, "[1, 2]"), "ignored"),
    Row("DIRTY payloadType a word", raw(EVENT_DIRTY, '{"payloadType": "contact", "payloadId": "x"}'), "ignored"),
    Row("DIRTY not JSON", raw(EVENT_DIRTY, "dirty"), "dropped"),
    # the message's payload, fetched by the client
    Row("payload fetch: no such message", raw(EVENT_MESSAGE, json.dumps({"messageId": "msg-unknown"})), "dropped"),
    Row("payload fetch fails", failing_payload(Status.INTERNAL), "dropped"),
    Row("payload fetch: no sender", garbage_payload(sender=""), "dropped"),
    Row("payload fetch: a type no one knows", garbage_payload(wire_type=999), "dropped"),
    Row("payload fetch: a time past any calendar", garbage_payload(timestamp=1e15, text="#帮助 k1"), "handled",
        "k1"),
    Row("payload fetch: a room no one knows", garbage_payload(room="room-nowhere@chatroom", text="#帮助 k2"),
        "handled", "k2"),
    Row("FileBox not JSON", filebox("not json"), "dropped"),
    Row("FileBox a list", filebox("[]"), "dropped"),
    Row("FileBox of an unknown type", filebox(json.dumps({"boxType": 9, "name": "x.jpg"})), "dropped"),
    Row("FileBox base64 not base64", filebox(json.dumps({"boxType": 1, "name": "x.jpg", "base64": "%%%"})),
        "dropped"),
    Row("FileBox empty", filebox(json.dumps({"boxType": 1, "name": "x.jpg", "base64": ""})), "dropped"),
    Row("FileBox a URL that is no URL", filebox(json.dumps({"boxType": 2, "name": "x.jpg", "remoteUrl": "file:///x"})),
        "dropped"),
]


async def test_every_malformed_event_is_survived_and_the_message_behind_it_handled(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    assert world.streams == 1
    for index, row in enumerate(TABLE):
        caplog.clear()
        sent = len(world.standin.sent_texts)
        row.send(world.standin)
        tag = f"t{index}"
        world.standin.text(SUPERVISOR, f"#帮助 {tag}", room=ROOM)  # right behind it on the same stream
        try:
            await eventually(lambda: world.said(f"“{tag}”"), timeout=5)  # noqa: B023 — awaited here
            if row.expect == "handled":
                await eventually(lambda: world.said(f"“{row.answer}”"), timeout=5)  # noqa: B023
        except TimeoutError:
            raise AssertionError(f"{row.name}: the message behind it was not answered; log:\n{caplog.text}") from None
        replies = len(world.standin.sent_texts) - sent
        assert replies == (2 if row.expect == "handled" else 1), f"{row.name}: {replies} replies"
        ours = [r for r in caplog.records if r.name == "dudao.wechaty"]
        if row.expect == "dropped":
            assert any(r.levelno == logging.WARNING and "dropped" in r.getMessage() for r in ours), \
                f"{row.name}: no log line for it:\n{caplog.text}"
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], f"{row.name}:\n{caplog.text}"
        assert world.streams == 1 and world.transport.connected, f"{row.name}: the stream was torn down"
    worker = world.transport.receiver.worker
    assert worker is not None and not worker.done()


async def test_the_log_line_names_the_event_and_blanks_what_is_secret(world: World,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    world.standin.emit_raw(EVENT_MESSAGE, json.dumps({"messageID": "msg-typo", "token": "malformed-token-x" * 3,
                                                      "padding": "p" * 5000}))
    world.standin.text(SUPERVISOR, "#帮助 after", room=ROOM)
    await eventually(lambda: world.said("“after”"))
    (line,) = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert "MESSAGE event (type 2)" in line and "its messageId is missing" in line and "msg-typo" in line
    assert "malformed-token-x" not in caplog.text and len(line) < 500


async def test_a_burst_of_bad_events_loses_none_of_the_good_ones_behind_it(world: World) -> None:
    for payload in ("[]", "{}", "x", "7"):
        world.standin.emit_raw(EVENT_MESSAGE, payload)
    for n in range(3):
        world.standin.text(SUPERVISOR, f"#帮助 burst{n}", room=ROOM)
    await eventually(lambda: all(world.said(f"“burst{n}”") for n in range(3)))
    assert world.streams == 1


async def test_a_picture_with_a_good_filebox_still_counts_after_bad_ones(world: World) -> None:
    photo = image_bytes("jpg")
    world.standin.text(SUPERVISOR, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天", room=ROOM)
    await eventually(lambda: world.said("已登记"))
    filebox("[]")(world.standin)
    world.standin.text(PRINCIPAL, "#整改 Q1 已清理通道", room=ROOM)
    world.standin.image(PRINCIPAL, photo, "通道.jpg", room=ROOM, wire_type=WIRE_IMAGE)
    world.standin.text(SUPERVISOR, "#帮助 barrier", room=ROOM)
    await eventually(lambda: world.said("“barrier”"))
    assert world.said("待验收")
