"""Malformed WeCom frames, through the real transport against the WeCom stand-in and the real core: each row of the
table is sent raw, the legitimate message right behind it must still be handled (its reply sent), on the same
connection and by the same worker. A callback readable far enough to know who sent it is answered with a short
apology on its own req_id; the rest is dropped with a log line naming its ids. A frame over our limit is the one
that ends a connection: logged as such, and the next message comes through the reconnected one; a frame of ours
over WeCom's limit is named as that."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Outbound
from bot.transports.contract import TransportError
from bot.transports.wecom import frames
from tests.support.waiting import eventually
from tests.support.wecom_world import ROOM, SUPERVISOR, World, wecom_world

HELP = "@督导助手 #帮助"
SORRY = "没能读懂这条消息"


def body(name: str, /, **changes: Any) -> dict[str, Any]:
    """A group text callback's body as WeCom sends it, with `changes` (None: that key left out)."""
    data: dict[str, Any] = {"msgid": name, "aibotid": "bot-1", "chatid": ROOM, "chattype": "group",
                            "from": {"userid": SUPERVISOR}, "msgtype": "text", "create_time": 1_700_000_000,
                            "text": {"content": HELP}}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def callback(name: str, /, **changes: Any) -> dict[str, Any]:
    return {"cmd": "aibot_msg_callback", "headers": {"req_id": f"cb_{name}"}, "body": body(name, **changes)}


def event(body_: Any) -> dict[str, Any]:
    return {"cmd": "aibot_event_callback", "headers": {"req_id": "ev_x"}, "body": body_}


def tap(req_id: str, part: dict[str, Any]) -> dict[str, Any]:
    """A template_card_event (a button tapped) in the room, its event part as given."""
    return {"cmd": "aibot_event_callback", "headers": {"req_id": req_id}, "body": {
        "msgid": req_id, "aibotid": "bot-1", "chatid": ROOM, "chattype": "group", "from": {"userid": SUPERVISOR},
        "msgtype": "event", "event": {"eventtype": "template_card_event", "template_card_event": part}}}


def image(**part: Any) -> dict[str, Any]:
    return {"msgtype": "image", "image": {"url": "https://example.invalid/1", "aeskey": "k" * 43, **part}}


@dataclass(frozen=True)
class Row:
    name: str
    frame: dict[str, Any] | str
    expect: str  # dropped (logged) / told (logged, the sender answered) / ignored (not for the core) / handled

    @property
    def req_id(self) -> str | None:
        headers = self.frame.get("headers") if isinstance(self.frame, dict) else None
        rid = headers.get("req_id") if isinstance(headers, dict) else None
        return rid if isinstance(rid, str) else None


def _with(frame: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {**frame, **top}


CALLBACKS = [
    # the frame
    Row("not JSON", '{"cmd": "aibot_msg_callback", "headers": ', "dropped"),
    Row("not UTF-8 JSON text", '{"cmd": "aibot_msg_callback", "body": "\\ud800"}', "dropped"),
    Row("a JSON list", json.dumps([callback("m-list")]), "dropped"),
    Row("a JSON string", json.dumps("aibot_msg_callback"), "dropped"),
    Row("a JSON number", "42", "dropped"),
    Row("a JSON null", "null", "dropped"),
    Row("cmd a number", _with(callback("m-cmd"), cmd=7), "ignored"),
    Row("cmd a list", _with(callback("m-cmdl"), cmd=["aibot_msg_callback"]), "ignored"),
    # headers
    Row("headers a string", _with(callback("m-h1"), headers="cb_m-h1"), "dropped"),
    Row("headers a list", _with(callback("m-h2"), headers=["cb_m-h2"]), "dropped"),
    Row("headers missing", {"cmd": "aibot_msg_callback", "body": body("m-h3")}, "dropped"),
    Row("req_id a number", _with(callback("m-h4"), headers={"req_id": 4}), "dropped"),
    Row("req_id an object", _with(callback("m-h5"), headers={"req_id": {"id": "x"}}), "dropped"),
    Row("req_id empty", _with(callback("m-h6"), headers={"req_id": ""}), "dropped"),
    # body
    Row("body a list", _with(callback("m-b1"), body=[body("m-b1")]), "dropped"),
    Row("body a string", _with(callback("m-b2"), body="hi"), "dropped"),
    Row("body a number", _with(callback("m-b3"), body=3), "dropped"),
    Row("body missing", {"cmd": "aibot_msg_callback", "headers": {"req_id": "cb_m-b4"}}, "dropped"),
    Row("msgid missing", callback("m-b5", msgid=None), "dropped"),
    Row("msgid an object", callback("m-b6", msgid={"id": 1}), "dropped"),
    Row("msgid a boolean", callback("m-b7", msgid=True), "dropped"),
    # who sent it, where
    Row("from a string", callback("m-f1", **{"from": SUPERVISOR}), "dropped"),
    Row("from a list", callback("m-f2", **{"from": [{"userid": SUPERVISOR}]}), "dropped"),
    Row("from missing", callback("m-f3", **{"from": None}), "dropped"),
    Row("from.userid a number", callback("m-f4", **{"from": {"userid": 12}}), "dropped"),
    Row("from.userid empty", callback("m-f5", **{"from": {"userid": ""}}), "dropped"),
    Row("chattype a number", callback("m-c1", chattype=2), "dropped"),
    Row("chatid missing in a group", callback("m-c2", chatid=None), "dropped"),
    Row("chatid a list", callback("m-c3", chatid=[ROOM]), "dropped"),
    Row("chatid a number", callback("m-c4", chatid=5), "dropped"),
    # what kind of message
    Row("msgtype missing", callback("m-t1", msgtype=None), "told"),
    Row("msgtype a number", callback("m-t2", msgtype=1), "told"),
    Row("msgtype a list", callback("m-t3", msgtype=["text"]), "told"),
    Row("msgtype unknown", callback("m-t4", msgtype="hologram", hologram={"x": 1}), "ignored"),
    # its content
    Row("text a string", callback("m-x1", text="hi"), "told"),
    Row("text a list", callback("m-x2", text=[{"content": HELP}]), "told"),
    Row("text missing", callback("m-x3", text=None), "told"),
    Row("text.content a number", callback("m-x4", text={"content": 5}), "told"),
    Row("text.content a list", callback("m-x5", text={"content": [HELP]}), "told"),
    Row("text.content missing", callback("m-x6", text={}), "told"),
    Row("voice a string", callback("m-v1", msgtype="voice", voice="#帮助"), "told"),
    Row("voice.content an object", callback("m-v2", msgtype="voice", voice={"content": {}}), "told"),
    Row("mixed a list", callback("m-m1", msgtype="mixed", mixed=[{"msgtype": "text", "text": {"content": HELP}}]),
        "told"),
    Row("mixed a string", callback("m-m2", msgtype="mixed", mixed="hi"), "told"),
    Row("mixed.msg_item an object", callback("m-m3", msgtype="mixed", mixed={"msg_item": {"msgtype": "text"}}),
        "told"),
    Row("mixed.msg_item missing", callback("m-m4", msgtype="mixed", mixed={}), "told"),
    Row("mixed item a string", callback("m-m5", msgtype="mixed", mixed={"msg_item": ["hi", image()]}), "told"),
    Row("mixed item a number", callback("m-m6", msgtype="mixed", mixed={"msg_item": [7]}), "told"),
    Row("mixed item null", callback("m-m7", msgtype="mixed", mixed={"msg_item": [None]}), "told"),
    Row("mixed item msgtype a number", callback("m-m8", msgtype="mixed", mixed={"msg_item": [{"msgtype": 1}]}),
        "told"),
    Row("mixed item text a string",
        callback("m-m9", msgtype="mixed", mixed={"msg_item": [{"msgtype": "text", "text": "hi"}]}), "told"),
    Row("mixed item image a string",
        callback("m-m10", msgtype="mixed", mixed={"msg_item": [{"msgtype": "image", "image": "https://x"}]}), "told"),
    Row("image a string", callback("m-i1", msgtype="image", image="https://example.invalid/1"), "told"),
    Row("image a list", callback("m-i2", msgtype="image", image=[image()["image"]]), "told"),
    Row("image.url a number", callback("m-i3", msgtype="image", image={"url": 1, "aeskey": "k"}), "told"),
    Row("image.url missing", callback("m-i4", msgtype="image", image={"aeskey": "k"}), "told"),
    Row("image.aeskey a list", callback("m-i5", msgtype="image", image={"url": "https://x", "aeskey": ["k"]}),
        "told"),
    Row("file a number", callback("m-i6", msgtype="file", file=3), "told"),
    Row("file.filename a number", callback("m-i7", msgtype="file", file={"url": "https://x", "filename": 9}), "told"),
    # what is tolerated: read with our own clock
    Row("create_time a word", callback("m-k1", create_time="yesterday", text={"content": f"{HELP} k1"}), "handled"),
    Row("create_time past any calendar", callback("m-k2", create_time=1e300, text={"content": f"{HELP} k2"}),
        "handled"),
    Row("create_time an object", callback("m-k3", create_time={"s": 1}, text={"content": f"{HELP} k3"}), "handled"),
]

EVENTS = [
    Row("event body a string", event("disconnected_event"), "ignored"),
    Row("event body a list", event([{"event": {"eventtype": "enter_chat"}}]), "ignored"),
    Row("event body a number", event(1), "ignored"),
    Row("event body missing", {"cmd": "aibot_event_callback", "headers": {"req_id": "ev_y"}}, "ignored"),
    Row("event headers a string", {"cmd": "aibot_event_callback", "headers": "h", "body": {}}, "ignored"),
    Row("event.event a string", event({"msgtype": "event", "event": "enter_chat"}), "ignored"),
    Row("event.event a list", event({"msgtype": "event", "event": [{"eventtype": "enter_chat"}]}), "ignored"),
    Row("eventtype a number", event({"msgtype": "event", "event": {"eventtype": 3}}), "ignored"),
    Row("eventtype a list", event({"msgtype": "event", "event": {"eventtype": ["disconnected_event"]}}), "ignored"),
    Row("eventtype an object in the body", event({"eventtype": {"x": "disconnected_event"}}), "ignored"),
    Row("an event WeCom may add", event({"msgtype": "event", "event": {"eventtype": "enter_chat"}}), "ignored"),
    Row("a tap without event_key", tap("ev_t1", {"card_type": "button_interaction", "task_id": "t_1"}), "dropped"),
    Row("a tap whose event_key is a number", tap("ev_t2", {"event_key": 7, "task_id": "t_1"}), "dropped"),
    Row("a tap without from", {**tap("ev_t3", {"event_key": "c_x", "task_id": "t_1"}),
                                "body": {"msgid": "t3", "msgtype": "event", "event": {
                                    "eventtype": "template_card_event"}}}, "dropped"),
    Row("enter_chat without msgid", {"cmd": "aibot_event_callback", "headers": {"req_id": "ev_e1"}, "body": {
        "chattype": "single", "from": {"userid": SUPERVISOR}, "msgtype": "event",
        "event": {"eventtype": "enter_chat"}}}, "dropped"),
    Row("an ack whose req_id is a list", {"headers": {"req_id": ["x"]}, "errcode": 0}, "ignored"),
    Row("an ack whose headers are a string", {"headers": "x", "errcode": 0}, "ignored"),
]


async def _answered(world: World, req_id: str, containing: str = "") -> None:
    await eventually(lambda: any(s.req_id == req_id and containing in s.content for s in world.said()), timeout=5)


async def _row_then_a_message(world: World, row: Row, caplog: pytest.LogCaptureFixture) -> None:
    caplog.clear()
    world.standin.push_raw(row.frame)
    # right behind it, on the wire before it is read (its own words: the core takes one text once a second)
    msgid = world.standin.text(SUPERVISOR, f"{HELP} {row.name}", chatid=ROOM)
    try:
        await _answered(world, f"cb_{msgid}")
        if row.expect == "told":
            await _answered(world, row.req_id or "?", SORRY)
        elif row.expect == "handled":
            await _answered(world, row.req_id or "?")
    except TimeoutError:
        said = "\n".join(f"{s.cmd} {s.req_id} {s.content[:60]!r}" for s in world.said()[-4:])
        raise AssertionError(f"{row.name}: {row.expect} expected; said last:\n{said}\nlog:\n{caplog.text}") from None
    answered = {s.req_id for s in world.said()}
    if row.expect in ("dropped", "ignored"):
        assert row.req_id not in answered, row.name
    ours = [r for r in caplog.records if r.name == "dudao.wecom"]
    if row.expect in ("dropped", "told"):
        said = [r.getMessage() for r in ours if r.levelno >= logging.WARNING and "dropped" in r.getMessage()]
        assert said, f"{row.name}: no log line for it:\n{caplog.text}"
        if row.req_id:
            assert any(f"req_id {row.req_id}" in line for line in said), f"{row.name}: {said}"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], f"{row.name}:\n{caplog.text}"


@pytest.mark.parametrize("table", [CALLBACKS, EVENTS], ids=["callbacks", "events"])
async def test_every_malformed_frame_is_survived_and_the_next_message_handled(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, table: list[Row]) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wecom")
    async with wecom_world(tmp_path, wecom_conversation_per_minute=1000, outbox_per_minute=1000) as world:
        world.standin.per_minute = 1000  # two replies a row in one room: more than WeCom (30) or we (40) send a minute
        for row in table:
            await _row_then_a_message(world, row, caplog)
        assert world.standin.subscribes == 1  # one connection throughout: nothing was survived by reconnecting
        assert world.transport.callbacks.worker is not None and not world.transport.callbacks.worker.done()
        told = [s for s in world.said() if SORRY in s.content]
        assert len(told) == sum(row.expect == "told" for row in table)
        assert all(s.cmd == "respond" and s.conversation == ROOM for s in told)


async def test_an_unreadable_message_is_answered_once_however_often_it_comes(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with wecom_world(tmp_path) as world:
        bad = callback("m-again", text="hi")
        world.standin.push_raw(bad)
        world.standin.push_raw({**bad, "headers": {"req_id": "cb_m-again-2"}})  # redelivered, a new req_id
        msgid = world.standin.text(SUPERVISOR, HELP, chatid=ROOM)
        await _answered(world, f"cb_{msgid}")
        await _answered(world, "cb_m-again", SORRY)
        assert len([s for s in world.said() if SORRY in s.content]) == 1


async def test_the_excerpt_in_the_log_blanks_keys_and_is_short(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wecom")
    async with wecom_world(tmp_path) as world:
        key = "SECRET-AES-KEY-" + "z" * 28
        world.standin.push_raw(callback("m-key", msgtype="image", image={"url": 1, "aeskey": key},
                                        padding="p" * 10_000))
        msgid = world.standin.text(SUPERVISOR, HELP, chatid=ROOM)
        await _answered(world, f"cb_{msgid}")
        (line,) = [r.getMessage() for r in caplog.records if "m-key" in r.getMessage() and "dropped" in r.getMessage()]
        assert key not in caplog.text and "body.image.url is a number" in line and len(line) < 600


@pytest.mark.parametrize("compression", ["deflate", None])
async def test_a_frame_over_the_limit_is_logged_as_such_and_the_next_message_comes_after_the_reconnect(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, compression: str | None) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wecom")
    async with wecom_world(tmp_path) as world:
        if compression != world.standin.compression:  # WeCom restarts, offering (or not) compression
            await world.standin.stop()
            world.standin.compression = compression
            await world.standin.start()
            await eventually(lambda: world.standin.subscribes == 2 and world.transport.connected, timeout=10)
            caplog.clear()
        subscribes = world.standin.subscribes
        limit = frames.MAX_FRAME_BYTES
        big = callback("m-big", text={"content": "#帮助 " + "很" * (limit // 3)})
        raw = json.dumps(big, ensure_ascii=False)
        world.standin.push_raw(raw)
        await eventually(lambda: not world.transport.connected)
        msgid = world.standin.text(SUPERVISOR, HELP, chatid=ROOM)  # WeCom holds it while the bot reconnects
        await _answered(world, f"cb_{msgid}", "")
        assert world.standin.subscribes == subscribes + 1
        (line,) = [r for r in caplog.records if "over the limit" in r.getMessage()]
        assert line.levelno == logging.WARNING and f"over the limit of {limit} bytes" in line.getMessage()
        if compression is None:
            assert f"a frame of {len(raw.encode())} bytes" in line.getMessage()
        else:
            assert "of unknown size (compressed)" in line.getMessage()
        assert "WeCom closed the connection" not in caplog.text
        assert not any(s.req_id == "cb_m-big" for s in world.said())


async def test_a_frame_we_send_over_wecoms_limit_is_named_when_wecom_closes_for_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The stand-in reads frames up to websockets' default 1 MiB, as a server would that set no limit of its own:
    a reply larger than that makes it close the connection with 1009, and the log says which side's limit it was."""
    caplog.set_level(logging.INFO, logger="dudao.wecom")
    async with wecom_world(tmp_path) as world:
        world.standin.text(SUPERVISOR, HELP, chatid=ROOM)  # the room has spoken: the bot may send there
        await eventually(lambda: world.said())
        with pytest.raises(TransportError):
            await world.transport.send(Outbound(room=ROOM, to=None, text="长" * (1 << 19), key="big:1"))
        await eventually(lambda: world.standin.subscribes == 2 and world.transport.connected, timeout=10)
        assert "code 1009" in caplog.text and "a frame we sent was over WeCom's limit" in caplog.text
        assert "over the limit of" not in caplog.text  # not mistaken for a frame WeCom sent us
