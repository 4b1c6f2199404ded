"""End to end: the real core (database, parser, handlers, outbox) behind the real python-wechaty
client, talking gRPC to a local puppet service stand-in. Nothing of ours is mocked."""
from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.bootstrap import Bot, build, load_county, open_database
from bot.clock import SystemClock
from bot.settings import Settings
from bot.storage import models as m
from bot.transports.wechaty import Timing, WechatyTransport
from tests.support.harness import until_idle
from tests.support.paths import REPO
from tests.support.photos import image_bytes
from tests.support.waiting import eventually
from tests.support.wechaty_standin import EVENT_MESSAGE, PuppetStandIn, SentText

COUNTY = REPO / "bot" / "data" / "demo-county.yaml"
ROOM, SUPERVISOR, PRINCIPAL = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"
FINDING = "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天"
FAST = Timing(backoff_initial=0.02, backoff_max=0.1, connect_timeout=1.0, ding_interval=0.2,
              dead_after=0.8, first_event_within=1.0, stop_timeout=2.0, close_timeout=0.2, handle_retry_delay=0.01)


@dataclass
class World:
    standin: PuppetStandIn
    app: Bot
    transport: WechatyTransport

    def replies(self, mentioning: str | None = None) -> list[SentText]:
        return [t for t in self.standin.sent_texts if mentioning is None or mentioning in t.mention_ids]


@pytest.fixture
async def world(tmp_path: Path):
    standin = PuppetStandIn()
    standin.add_contact(SUPERVISOR, "周永红")
    standin.add_contact(PRINCIPAL, "刘洋")
    standin.add_room(ROOM, "实验小学督导联络群", [SUPERVISOR, PRINCIPAL])
    await standin.start()
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
                        evidence_dir=tmp_path / "evidence", wechaty_puppet_service_endpoint=standin.endpoint,
                        wechaty_puppet_service_token="e2e-token", wechaty_room_interval_seconds=0.0,
                        wechaty_between_rooms_seconds=0.0, outbox_backoff_seconds=0.05)
    db = await open_database(settings.database_url)
    clock = SystemClock()
    await load_county(db, COUNTY, clock)
    transport = WechatyTransport(settings, clock, timing=FAST)
    app = build(settings, clock, db, transport)
    sender = asyncio.create_task(app.outbox.run(poll_seconds=0.05))
    runner = asyncio.create_task(transport.run(app))
    await eventually(lambda: transport.connected)
    yield World(standin, app, transport)
    await transport.stop()
    await asyncio.wait_for(runner, 5)
    app.outbox.stop()
    await asyncio.wait_for(sender, 5)
    await db.dispose()
    await standin.stop()


async def test_finding_in_a_room_mentions_the_principal(world: World) -> None:
    world.standin.text(SUPERVISOR, FINDING, room=ROOM)
    await eventually(lambda: world.replies(PRINCIPAL))
    (reply,) = world.replies()
    assert reply.conversation_id == ROOM and reply.mention_ids == (PRINCIPAL,)
    assert reply.text.startswith("@刘洋\u2005") and "已登记问题" in reply.text and "消防通道" in reply.text


async def test_rectification_photo_is_attached_as_evidence(world: World) -> None:
    world.standin.text(SUPERVISOR, FINDING, room=ROOM)
    await eventually(lambda: world.replies(PRINCIPAL))
    photo = image_bytes("jpg")  # a real JPEG: anything else is refused
    world.standin.text(PRINCIPAL, "#整改 Q1 已清理通道并张贴标识", room=ROOM)
    world.standin.image(PRINCIPAL, photo, "通道.jpg", room=ROOM)
    world.standin.text(SUPERVISOR, "#查询 Q1", room=ROOM)  # handled after the photo: a barrier
    await eventually(lambda: len(world.replies()) >= 3)
    async with world.app.db.reading() as s:
        evidence = list(await s.scalars(select(m.Evidence)))
    assert [(e.finding_id, e.sha256, e.sender_chat_id) for e in evidence] == [
        (1, hashlib.sha256(photo).hexdigest(), PRINCIPAL)]


async def test_a_photo_after_a_finding_is_its_problem_photo(world: World) -> None:
    """The finder's photo after his #问题, through the real client: the finding's 问题照片 (kept on the event that
    logged it), counted apart by #查询; privately too."""
    world.standin.text(SUPERVISOR, FINDING, room=ROOM)
    await eventually(lambda: world.replies(PRINCIPAL))
    photo = image_bytes("jpg", size=(64, 48), seed=5)
    world.standin.image(SUPERVISOR, photo, "现场.jpg", room=ROOM)
    world.standin.text(SUPERVISOR, "#问题 实验小学 食堂留样记录不全")  # privately, then a photo there
    await eventually(lambda: len(world.replies(PRINCIPAL)) >= 2)
    private = image_bytes("png", size=(64, 48), seed=6)
    world.standin.image(SUPERVISOR, private, "留样.png")
    world.standin.text(SUPERVISOR, "#查询 Q1", room=ROOM)  # handled after the photos: a barrier
    await eventually(lambda: any("问题照片" in t.text for t in world.replies()))
    query = next(t for t in world.replies() if "问题照片" in t.text)
    assert "问题照片：1 张" in query.text and "整改照片（佐证）：0 张" in query.text
    async with world.app.db.reading() as s:
        rows = (await s.execute(select(m.Evidence.sha256, m.Finding.number, m.FindingEvent.kind, m.Evidence.room_chat_id)
                                .join(m.Finding, m.Finding.id == m.Evidence.finding_id)
                                .join(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id)
                                .order_by(m.Evidence.id))).all()
    assert [tuple(r) for r in rows] == [(hashlib.sha256(photo).hexdigest(), 1, "created", ROOM),
                                        (hashlib.sha256(private).hexdigest(), 2, "created", None)]


async def test_a_duplicate_delivery_is_answered_once(world: World) -> None:
    message_id = world.standin.text(SUPERVISOR, FINDING, room=ROOM)
    world.standin.emit(EVENT_MESSAGE, {"messageId": message_id})  # the gateway delivers it again
    world.standin.text(SUPERVISOR, "#帮助", room=ROOM)  # a barrier: handled after the duplicate
    await eventually(lambda: len(world.replies()) >= 2)
    await until_idle(world.app)
    assert len(world.replies(PRINCIPAL)) == 1


async def test_gateway_going_away_and_coming_back_loses_no_reply(world: World) -> None:
    standin = world.standin
    standin.crash_on_send = True  # the gateway dies while the reply is being sent
    finding_at = time.time()
    finding = standin.text(SUPERVISOR, FINDING, room=ROOM, timestamp=finding_at)
    await eventually(lambda: not standin.running and not world.transport.connected)
    assert world.replies() == []
    # while it is down: a new message waits at the gateway, and the old one again, stamped anew by the gateway
    standin.text(PRINCIPAL, "#查询 Q1", room=ROOM)
    standin.messages[finding].timestamp = int((finding_at + 30) * 1000)
    standin.emit(EVENT_MESSAGE, {"messageId": finding})
    standin.text(SUPERVISOR, "#帮助", room=ROOM)  # a barrier: handled after the redelivery
    await standin.start()
    await eventually(lambda: len(world.replies()) >= 3)
    await until_idle(world.app)
    assert len(world.replies(PRINCIPAL)) == 1  # the finding's reply: delivered once, after the restart
    assert len(world.replies()) == 3  # plus the answers to #查询 and #帮助; the redelivery, known by its id, was ignored
    async with world.app.db.reading() as s:
        assert await s.scalar(select(m.Finding.id).where(m.Finding.id == 2)) is None


async def test_messages_of_the_last_handled_second_are_not_lost_across_a_reconnect(world: World) -> None:
    standin, second = world.standin, float(int(time.time()))  # gateways stamp messages to the second
    standin.text(SUPERVISOR, FINDING, room=ROOM, timestamp=second, message_id="m-1")
    await eventually(lambda: world.replies(PRINCIPAL))
    await standin.stop()
    await eventually(lambda: not world.transport.connected)
    # while it is down, all stamped with the same second as the last handled message:
    standin.text(PRINCIPAL, "#查询 Q1", room=ROOM, timestamp=second, message_id="m-2")  # new
    standin.emit(EVENT_MESSAGE, {"messageId": "m-1"})  # the handled one again, same id
    await standin.start()
    await eventually(lambda: len(world.replies()) >= 2)
    standin.text(SUPERVISOR, "#帮助", room=ROOM)  # a barrier: handled after the duplicates
    await eventually(lambda: len(world.replies()) >= 3)
    await until_idle(world.app)
    assert len(world.replies(PRINCIPAL)) == 1 and len(world.replies()) == 3
    assert "Q1" in world.replies()[1].text


async def test_the_same_words_twice_in_one_second_are_two_messages(world: World) -> None:
    standin, second = world.standin, float(int(time.time()))
    standin.text(SUPERVISOR, FINDING, room=ROOM)
    await eventually(lambda: world.replies(PRINCIPAL))
    for message_id in ("q-a", "q-b"):  # `#查询 Q1` twice: the gateway's ids tell them apart
        standin.text(PRINCIPAL, "#查询 Q1", room=ROOM, timestamp=second, message_id=message_id)
    await eventually(lambda: len(world.replies()) >= 3)
    await until_idle(world.app)  # the second message came last: nothing more is on its way in or out
    assert len(world.replies()) == 3


async def test_a_redelivery_after_the_bot_restarts_is_answered_once(world: World) -> None:
    """The bot stops and starts again on the same database (nothing in memory); the gateway delivers the handled
    message again, stamped 10 minutes later: its id names it, in the scope of the account the gateway is logged
    in as."""
    standin, sent_at = world.standin, time.time()
    finding = standin.text(SUPERVISOR, FINDING, room=ROOM, timestamp=sent_at)
    await eventually(lambda: world.replies(PRINCIPAL))
    await world.transport.stop()
    transport = WechatyTransport(world.app.settings, SystemClock(), timing=FAST)
    again = build(world.app.settings, SystemClock(), world.app.db, transport)
    sender = asyncio.create_task(again.outbox.run(poll_seconds=0.05))
    runner = asyncio.create_task(transport.run(again))
    try:
        await eventually(lambda: transport.connected)
        standin.messages[finding].timestamp = int((sent_at + 600) * 1000)
        standin.emit(EVENT_MESSAGE, {"messageId": finding})
        standin.text(SUPERVISOR, "#帮助", room=ROOM)  # a barrier: handled after the redelivery
        await eventually(lambda: len(world.replies()) >= 2)
        await until_idle(again, sender=sender)  # the barrier came last: nothing more is on its way in or out
        assert len(world.replies(PRINCIPAL)) == 1 and len(world.replies()) == 2
    finally:
        await transport.stop()
        await asyncio.wait_for(runner, 5)
        again.outbox.stop()
        await asyncio.wait_for(sender, 5)


async def test_an_overlong_message_is_asked_to_be_shortened_and_the_next_one_handled(world: World) -> None:
    big = "#问题 实验小学 " + "很" * (1024 * 1024)
    world.standin.text(SUPERVISOR, big, room=ROOM)
    world.standin.text(SUPERVISOR, FINDING, room=ROOM)
    await eventually(lambda: len(world.replies()) >= 2)
    first, second = world.replies()
    assert f"这条消息有 {len(big):,} 个字，超过了 2000 字的上限" in first.text and "已登记" in second.text
