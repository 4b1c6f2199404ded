"""The Wechaty transport through the real python-wechaty client against a local puppet stand-in,
with a recording app in place of the core (the real core is in test_wechaty_e2e.py)."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.messages import Inbound, Outbound
from bot.settings import Settings
from bot.transports.contract import TransportError
from bot.transports.wechaty import Timing, WechatyConfigError, WechatyTransport
from bot.transports.wechaty.gateway import free_port
from tests.support.waiting import eventually
from tests.support.wechaty_standin import WIRE_ATTACHMENT, PuppetStandIn

ROOM, A, B, TOKEN = "room-1@chatroom", "wxid_a", "wxid_b", "secret-token-0042"
FAST = Timing(backoff_initial=0.02, backoff_max=0.1, connect_timeout=1.0, ding_interval=0.2,
              dead_after=0.6, first_event_within=1.0, send_timeout=2.0, stop_timeout=1.0, close_timeout=0.2,
              handle_retry_delay=0.01)


def wechaty_settings(endpoint: str, token: str | None = TOKEN) -> Settings:
    return Settings(_env_file=None, wechaty_puppet_service_endpoint=endpoint,
                    wechaty_puppet_service_token=token, wechaty_room_interval_seconds=0.0,
                    wechaty_between_rooms_seconds=0.0)


class RecordingApp:
    """The bot's side of the transport contract (bot.transports.contract.Inlet), recording what it is handed."""

    def __init__(self, last_handled: datetime | None = None) -> None:
        self.inbound: list[Inbound] = []
        self.last_handled = last_handled
        self.fail_next = 0
        self.wakes = 0
        self.batches: list[int] = []

    async def handle(self, inbound: Inbound) -> bool:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("simulated database hiccup")
        self.inbound.append(inbound)
        return True

    async def handle_many(self, inbounds: list[Inbound]) -> list[bool]:
        self.batches.append(len(inbounds))
        return [await self.handle(inbound) for inbound in inbounds]

    async def last_handled_at(self) -> datetime | None:
        return self.last_handled

    def wake_outbox(self) -> None:
        self.wakes += 1


@pytest.fixture
async def standin():
    s = PuppetStandIn()
    s.add_contact(A, "甲")
    s.add_contact(B, "乙")
    s.add_room(ROOM, "第一群", [A, B])
    await s.start()
    yield s
    await s.stop()


async def start(standin: PuppetStandIn, app: RecordingApp | None = None):
    app = app or RecordingApp()
    transport = WechatyTransport(wechaty_settings(standin.endpoint), timing=FAST)
    task = asyncio.create_task(transport.run(app))
    await eventually(lambda: transport.connected)
    return transport, app, task


@pytest.fixture
async def running(standin: PuppetStandIn):
    transport, app, task = await start(standin)
    yield transport, app
    await transport.stop()
    await asyncio.wait_for(task, 3)


async def test_room_text_with_mention_becomes_inbound(standin, running) -> None:
    _, app = running
    sent_at = int(time.time()) + 0.25
    standin.text(A, "@督导助手\u2005#问题 城口中学 消防通道", room=ROOM, mentions=("wxid_bot",),
                 message_id="m-1", timestamp=sent_at)
    await eventually(lambda: app.inbound)
    got = app.inbound[0]
    assert (got.room, got.sender, got.message_id, got.sender_name) == (ROOM, A, "m-1", "甲")
    assert got.text == "@督导助手 #问题 城口中学 消防通道" and got.mentions_bot
    assert got.at == datetime.fromtimestamp(sent_at, UTC)


async def test_private_text_and_unmentioned_room_text(standin, running) -> None:
    _, app = running
    standin.text(B, "#帮助")
    standin.text(A, "大家好", room=ROOM, mentions=(B,))
    await eventually(lambda: len(app.inbound) == 2)
    private, chat = app.inbound
    assert (private.room, private.sender, private.text, private.mentions_bot) == (None, B, "#帮助", False)
    assert (chat.room, chat.mentions_bot) == (ROOM, False)


async def test_a_sender_the_gateway_cannot_describe_is_still_heard(standin, running) -> None:
    _, app = running
    standin.text("wxid_stranger", "#帮助", room=ROOM)
    await eventually(lambda: app.inbound)
    assert (app.inbound[0].sender, app.inbound[0].sender_name) == ("wxid_stranger", None)


async def test_images_and_files_arrive_with_their_bytes(standin, running) -> None:
    _, app = running
    photo, pdf = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, b"%PDF-1.4 report"
    standin.image(A, photo, "scene.png", room=ROOM)
    standin.image(A, pdf, "整改报告.pdf", room=ROOM, wire_type=WIRE_ATTACHMENT)
    await eventually(lambda: len(app.inbound) == 2)
    (image,), (document,) = (m.files for m in app.inbound)
    assert (image.name, image.data, image.mime) == ("scene.png", photo, "image/png")
    assert (document.name, document.data, document.mime) == ("整改报告.pdf", pdf, "application/pdf")
    assert all(m.text == "" for m in app.inbound)


async def test_image_given_as_url_is_fetched(standin, running) -> None:
    _, app = running
    body = b"jpeg bytes from the gateway's file server"

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        standin.image(A, f"http://127.0.0.1:{port}/p.jpg", "p.jpg", room=ROOM)
        await eventually(lambda: app.inbound)
    assert app.inbound[0].files[0].data == body


async def test_own_messages_are_ignored(standin, running) -> None:
    transport, app = running
    standin.echo_sent = True
    await transport.send(Outbound(room=ROOM, to=None, text="收到", key="k"))
    standin.text(A, "after", room=ROOM)
    await eventually(lambda: app.inbound)  # the echo came before "after" on the stream: read (and dropped) first
    assert [m.text for m in app.inbound] == ["after"]


async def test_messages_are_handled_in_order_and_retried(standin, running) -> None:
    _, app = running
    app.fail_next = 1
    for i in range(6):
        standin.text(A, f"#{i}", room=ROOM)
    await eventually(lambda: len(app.inbound) == 6)
    assert [m.text for m in app.inbound] == [f"#{i}" for i in range(6)]


async def test_messages_that_arrive_together_are_handed_in_together(standin, running) -> None:
    _, app = running
    for i in range(20):
        standin.text(A, f"#{i}", room=ROOM)
    await eventually(lambda: len(app.inbound) == 20)
    assert [m.text for m in app.inbound] == [f"#{i}" for i in range(20)]
    assert sum(app.batches) == 20 and max(app.batches) > 1  # a backlog is one hand-over (group commit), not 20


async def test_only_history_far_older_than_the_last_handled_message_is_skipped(standin) -> None:
    """The floor never decides alone that a message was handled: from a margin before the last handled one,
    messages go to the core, whose dedupe by key decides (gateways stamp to the second)."""
    last = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    transport, app, task = await start(standin, RecordingApp(last_handled=last))
    try:
        standin.text(A, "history of yesterday", room=ROOM, timestamp=last.timestamp() - 86400)
        standin.text(A, "just before the floor", room=ROOM,
                     timestamp=(last - FAST.replay_margin).timestamp() - 1)
        standin.text(A, "a minute before the last one", room=ROOM, timestamp=last.timestamp() - 60)
        standin.text(A, "the same second as the last one", room=ROOM, timestamp=last.timestamp())
        standin.text(A, "sent while we were away", room=ROOM, timestamp=last.timestamp() + 60)
        standin.text(A, "new", room=ROOM)
        await eventually(lambda: len(app.inbound) == 4)
        assert [m.text for m in app.inbound] == ["a minute before the last one", "the same second as the last one",
                                                 "sent while we were away", "new"]
    finally:
        await transport.stop()
        await task


async def test_the_id_scope_is_the_account_the_gateway_is_logged_in_as(standin, running) -> None:
    """The same on every connection: a message redelivered after a reconnect is known by its id."""
    transport, app = running
    standin.text(A, "first", room=ROOM)
    await eventually(lambda: len(app.inbound) == 1)
    await standin.stop()
    await eventually(lambda: not transport.connected)
    await standin.start()
    standin.text(A, "second", room=ROOM)
    await eventually(lambda: len(app.inbound) == 2)
    assert [m.id_scope for m in app.inbound] == ["wechaty:wxid_bot"] * 2


async def test_empty_ledger_ignores_history_before_the_connection(standin) -> None:
    standin.text(A, "last week", room=ROOM, timestamp=datetime.now().timestamp() - 7 * 86400)
    standin.text(A, "just now", room=ROOM, timestamp=datetime.now().timestamp() - 30)
    transport, app, task = await start(standin)
    try:
        await eventually(lambda: app.inbound)  # "last week" came first on the stream: read (and dropped) before
        assert [m.text for m in app.inbound] == ["just now"]
    finally:
        await transport.stop()
        await task


async def test_room_reply_mentions_people_by_name_and_id(standin, running) -> None:
    transport, _ = running
    await transport.send(Outbound(room=ROOM, to=None, text="请整改", mentions=(A, "wxid_unknown"),
                                  mention_names=("甲的名册名", "丙"), key="k1"))
    (sent,) = standin.sent_texts
    assert (sent.conversation_id, sent.mention_ids) == (ROOM, (A, "wxid_unknown"))
    assert sent.text == "@甲\u2005@丙\u2005请整改"


async def test_private_reply_and_files(standin, running, tmp_path: Path) -> None:
    transport, _ = running
    report = tmp_path / "台账.xlsx"
    report.write_bytes(b"PK\x03\x04 ledger")
    out = Outbound(room=None, to=B, text="台账见附件", mentions=(A,), files=(str(report),), key="k2")
    await transport.send(out)
    assert [(t.conversation_id, t.text, t.mention_ids) for t in standin.sent_texts] == [(B, "台账见附件", ())]
    files = [(f.conversation_id, f.name, f.data) for f in standin.sent_files]
    assert files == [(B, "台账.xlsx", report.read_bytes())]


async def test_a_retry_resumes_after_the_parts_already_sent(standin, running, tmp_path: Path) -> None:
    transport, _ = running
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"jpeg")
    out = Outbound(room=ROOM, to=None, text="证据", files=(str(photo),), key="k3")
    standin.fail_file_sends = 1  # the text goes out, then the photo fails
    with pytest.raises(TransportError) as error:
        await transport.send(out)
    assert not error.value.permanent
    await transport.send(out)
    assert [t.text for t in standin.sent_texts] == ["证据"] and len(standin.sent_files) == 1


async def test_missing_file_is_a_permanent_failure(running) -> None:
    transport, _ = running
    with pytest.raises(TransportError) as error:
        await transport.send(Outbound(room=ROOM, to=None, text="", files=("/nonexistent/x.jpg",), key="k4"))
    assert error.value.permanent


async def test_not_connected_is_a_retryable_failure(standin) -> None:
    transport = WechatyTransport(wechaty_settings(standin.endpoint), timing=FAST)
    assert not transport.connected
    with pytest.raises(TransportError) as error:
        await transport.send(Outbound(room=ROOM, to=None, text="x", key="k5"))
    assert not error.value.permanent


def test_rate_limits_come_from_settings() -> None:
    settings = Settings(_env_file=None, wechaty_puppet_service_endpoint="127.0.0.1:1",
                        wechaty_puppet_service_token="t-waits")
    limits = WechatyTransport(settings).limits
    assert (limits.per_room_interval, limits.between_rooms_interval, limits.per_minute) == (1.0, 3.0, 40)


@pytest.mark.parametrize("endpoint, token", [(None, "t"), ("", "t"), ("127.0.0.1:1", None),
                                             ("127.0.0.1:1", " "), ("no-port", "t"), ("h:port", "t")])
def test_refuses_to_start_without_endpoint_and_token(endpoint, token) -> None:
    with pytest.raises(WechatyConfigError):
        WechatyTransport(Settings(_env_file=None, wechaty_puppet_service_endpoint=endpoint,
                                  wechaty_puppet_service_token=token))


async def test_reconnects_when_the_gateway_comes_back(standin, running) -> None:
    transport, app = running
    await standin.stop()
    await eventually(lambda: not transport.connected)
    with pytest.raises(TransportError):
        await transport.send(Outbound(room=ROOM, to=None, text="x", key="k6"))
    await standin.start()
    await eventually(lambda: transport.connected)
    standin.text(A, "back", room=ROOM)
    await eventually(lambda: app.inbound)
    assert app.inbound[0].text == "back"


async def test_waits_for_a_gateway_that_is_not_up_yet(caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    standin = PuppetStandIn()
    standin.port = free_port()
    transport, app = WechatyTransport(wechaty_settings(standin.endpoint), timing=FAST), RecordingApp()
    task = asyncio.create_task(transport.run(app))
    try:
        await eventually(lambda: caplog.text.count("reconnecting") >= 3)
        await standin.start()
        await eventually(lambda: transport.connected)
    finally:
        await transport.stop()
        await asyncio.wait_for(task, 3)
        await standin.stop()
    assert asyncio.get_running_loop().is_running()


async def test_a_hung_gateway_is_detected_and_stop_is_prompt(caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    held: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    endpoint = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    transport = WechatyTransport(wechaty_settings(endpoint), timing=FAST)
    task = asyncio.create_task(transport.run(RecordingApp()))
    try:
        await eventually(lambda: "the gateway does not answer" in caplog.text and "reconnecting" in caplog.text, timeout=5)
        assert not transport.connected
    finally:
        started = asyncio.get_running_loop().time()
        await transport.stop()
        await asyncio.wait_for(task, 3)
        assert asyncio.get_running_loop().time() - started < 2.5
        for writer in held:
            writer.close()
        server.close()


async def test_token_is_never_logged(standin, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    transport, _, task = await start(standin)
    await standin.stop()
    await eventually(lambda: not transport.connected)
    await transport.stop()
    await task
    assert standin.endpoint in caplog.text
    assert TOKEN not in caplog.text



async def test_without_wechatys_private_names_it_connects_through_puppet_service_start(standin, monkeypatch) -> None:
    """The public path of bot/private_names.py's 'wechaty-start' and 'wechaty-pools': PuppetService.start() (Stop
    before Start), nothing forgotten; messages still arrive and replies still go out."""
    from bot.transports.wechaty import compat

    monkeypatch.setattr(compat, "available", lambda key: key not in ("wechaty-start", "wechaty-pools"))
    transport, app, task = await start(standin)
    try:
        standin.text(A, "hello", room=ROOM)
        await eventually(lambda: app.inbound)
        assert app.inbound[0].text == "hello"
        assert [name for name, _ in standin.calls if name in ("Stop", "Start")][:2] == ["Stop", "Start"]
    finally:
        await transport.stop()
        await asyncio.wait_for(task, 3)
