"""Nothing lost, nothing twice: duplicate deliveries, the deterministic key, the outbox's retries and dead letters —
each with the sender unpaced (replay, the console) and paced as for a real platform (in the background, within
RateLimits, marks written lazily)."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import message_key
from bot.cli.bootstrap import build
from bot.messages import Inbound
from bot.storage import models as m
from tests.support.harness import PACED, Harness, until_idle

SYXX, OFFICE = "room-syxx@chatroom", "room-office@chatroom"
ZHOU = "wxid_zhouyonghong"
AT = datetime.fromisoformat("2024-03-11T09:30:00+08:00")


@pytest.fixture(params=["unpaced", "paced"])
async def harness(request: pytest.FixtureRequest, county_db_url: str, tmp_path: Path):
    h = await Harness.create(county_db_url, tmp_path, None, paced=request.param == "paced")
    yield h
    await h.close()


async def _count(h, model) -> int:
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_same_message_id_twice_is_handled_once(harness) -> None:
    first = await harness.say(SYXX, ZHOU, "#问题 实验小学 扶手松动", msg_id="m1")
    again = await harness.say(SYXX, ZHOU, "#问题 实验小学 扶手松动", msg_id="m1")
    assert len(first) == 1 and again == []
    assert await _count(harness, m.Finding) == 1


def test_key_without_platform_id_is_deterministic() -> None:
    a = Inbound(room=SYXX, sender=ZHOU, text="#清单", at=AT)
    b = Inbound(room=SYXX, sender=ZHOU, text="#清单", at=AT)
    c = Inbound(room=SYXX, sender=ZHOU, text="#清单", at=AT + timedelta(seconds=1))
    assert message_key(a) == message_key(b) != message_key(c)
    with_id = Inbound(room=SYXX, sender=ZHOU, text="x", at=AT, message_id="42")
    assert message_key(with_id) == message_key(with_id) and message_key(with_id).startswith("id:42:")


async def test_reply_survives_a_platform_failure_and_is_sent_once(harness) -> None:
    h = harness
    h.transport.fail_next = 2
    assert await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动") == []  # first attempt failed
    await h.at(h.clock.now() + timedelta(seconds=4))
    assert h.transport.sent == []  # backoff (5 s): not retried yet
    await h.at(h.clock.now() + timedelta(seconds=2))
    assert h.transport.sent == []  # second attempt failed too; next in 10 s
    await h.at(h.clock.now() + timedelta(seconds=11))
    assert len(h.transport.sent) == 1 and "Q1" in h.transport.sent[0].text
    await h.at(h.clock.now() + timedelta(minutes=5))
    await h.idle()
    assert len(h.transport.sent) == 1


async def test_dead_letter_after_max_attempts_tells_the_office(harness) -> None:
    h = harness
    h.transport.fail_next = h.app.settings.outbox_max_attempts
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    for _ in range(h.app.settings.outbox_max_attempts + 1):
        await h.at(h.clock.now() + timedelta(minutes=10))
    await h.idle()
    office = [s for s in h.transport.sent if s.out.room == OFFICE]
    assert len(office) == 1 and "发送失败" in office[0].text and "扶手松动" in office[0].text
    async with h.app.db.reading() as s:
        statuses = dict((await s.execute(select(m.OutboxMessage.key, m.OutboxMessage.status))).all())
    assert sorted(statuses.values()) == ["dead", "sent"]


async def test_disconnected_transport_holds_the_outbox_in_order(harness) -> None:
    h = harness
    h.transport.connected = False
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, ZHOU, "#问题 实验小学 灭火器过期")
    assert h.transport.sent == []
    h.transport.connected = True
    await h.app.outbox.drain()
    assert ["Q1" in s.text for s in h.transport.sent] == [True, False]
    assert "Q2" in h.transport.sent[1].text


async def test_restart_loses_nothing_and_sends_nothing_twice(harness) -> None:
    """Queue a reply while disconnected, 'crash', start a new app on the same database: it is sent once."""
    h = harness
    h.transport.connected = False
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动", msg_id="m1")
    second = build(h.app.settings, h.clock, h.app.db, h.transport, paced=h.paced)
    h.transport.connected = True
    await second.outbox.drain()
    assert await second.handle(Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=h.clock.now(),
                                       message_id="m1")) is False
    await second.outbox.flush_marks()  # the second bot has no timer running: what it sent is marked now
    await until_idle(second)
    await h.idle()
    assert len(h.transport.sent) == 1


async def test_internal_error_answers_with_an_apology_and_records_the_message(harness, monkeypatch) -> None:
    import handlers.statistics

    async def boom(cmd, ctx):
        raise RuntimeError("bug")

    from dataclasses import replace

    from handlers import COMMANDS
    from handlers.statistics import Stats

    monkeypatch.setitem(COMMANDS.by_type, Stats, replace(COMMANDS.by_type[Stats], handler=boom))
    reply = await harness.one(SYXX, ZHOU, "#统计", msg_id="x1")
    assert "抱歉" in reply.text
    assert await harness.say(SYXX, ZHOU, "#统计", msg_id="x1") == []
    assert handlers.statistics  # the real module is untouched


async def test_concurrent_drains_send_each_message_once(harness) -> None:
    import asyncio

    h = harness
    h.transport.connected = False
    for i in range(5):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 隐患{i}")
    h.transport.connected = True
    await asyncio.gather(*(h.app.outbox.drain() for _ in range(4)))
    await h.idle()
    assert len(h.transport.sent) == 5
    if h.paced:  # one room: each send waited its interval after the one before, whichever drain sent it
        times = [s.monotonic for s in h.transport.sent]
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= PACED.per_room_interval - 0.001


async def test_renumbered_redelivery_is_recognised_by_content(harness) -> None:
    """A transport whose ids may be renumbered (no id scope) delivers the same message under a new id."""
    h = harness
    at = h.clock.now()
    first = Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=at, message_id="session1-77")
    again = Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=at, message_id="session2-3")
    assert await h.app.handle(first) is True
    assert await h.app.handle(again) is False
    assert await _count(h, m.Finding) == 1


async def test_bot_initiated_messages_wait_out_quiet_hours_but_replies_do_not(harness) -> None:
    from bot.messages import Outbound
    from bot.outbox import enqueue

    h = harness
    h.transport.connected = False
    await h.at("2024-03-11T21:00:00+08:00")
    async with h.app.db.transaction() as s:
        await enqueue(s, Outbound(room=SYXX, to=None, text="提醒：Q1 今天到期", key="test:reminder"), now=h.clock.now())
    await h.at("2024-03-11T22:00:00+08:00")
    h.transport.connected = True  # the platform comes back at night
    reply = await h.one(SYXX, ZHOU, "#清单")
    await h.idle()  # the reminder is held back, not due
    assert "提醒" not in reply.text and [s.text for s in h.transport.sent if "提醒" in s.text] == []
    await h.at("2024-03-12T07:40:00+08:00")
    await h.idle()
    reminders = [s for s in h.transport.sent if "提醒" in s.text]
    assert len(reminders) == 1
    assert reminders[0].at == datetime.fromisoformat("2024-03-12T07:40:00+08:00")


async def test_reminders_queued_together_for_a_room_go_out_as_one_message(harness) -> None:
    from bot.messages import Outbound
    from bot.outbox import enqueue

    h = harness
    async with h.app.db.transaction() as s:
        for key, room, text in (("a", SYXX, "提醒一"), ("b", OFFICE, "通知"), ("c", SYXX, "提醒二")):
            await enqueue(s, Outbound(room=room, to=None, text=text, key=f"test:{key}"), now=h.clock.now())
    await h.idle()  # queued behind the sender's back: read from the table (unpaced: the first drain; paced: its timer)
    assert [(x.out.room, x.text) for x in h.transport.sent] == [(SYXX, "提醒一\n\n提醒二"), (OFFICE, "通知")]
    async with h.app.db.reading() as s:
        assert set(await s.scalars(select(m.OutboxMessage.status))) == {"sent"}
