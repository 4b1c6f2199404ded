"""One sender of each message: rows are claimed before they are sent, a second bot on the same database refuses
to start, and a crash in the middle of a send is sent again and counted."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from bot.outbox.store import RESENT_AFTER_CRASH, counter
from bot.storage import instance
from bot.storage import models as m
from bot.storage.engine import Database
from tests.support.harness import Harness
from tests.support.waiting import eventually

SYXX, ZHOU = "room-syxx@chatroom", "wxid_zhouyonghong"


async def test_two_senders_on_one_database_send_each_message_once(harness) -> None:
    h = harness
    h.transport.connected = False
    for i in range(12):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 隐患{i}")
    other = Harness.on(h.app.settings, h.clock, h.app.db)  # a second bot, its own transport
    h.transport.connected = True
    await asyncio.gather(h.app.drain_outbox(), other.app.drain_outbox(), h.app.drain_outbox())
    texts = [s.text for s in h.transport.sent] + [s.text for s in other.transport.sent]
    assert len(texts) == 12 and len(set(texts)) == 12


async def test_a_second_bot_cannot_take_the_database(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        lock = await instance.acquire(first)
        with pytest.raises(instance.AnotherInstance) as refused:
            await instance.acquire(second)
        assert refused.value.holder
        await lock.release()
        again = await instance.acquire(second)  # free once the first lets go (a crash frees it too)
        await again.release()
    finally:
        await first.dispose()
        await second.dispose()


async def test_rows_left_sending_by_a_crash_go_out_again_and_are_counted(harness) -> None:
    h = harness
    h.transport.connected = False
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    async with h.app.db.transaction() as s:  # as if the process died between the claim and the platform's answer
        await s.execute(update(m.OutboxMessage).values(status="sending"))
    h.transport.connected = True
    assert await h.app.drain_outbox() == 0  # a claimed row is nobody else's
    assert await h.app.outbox.recover() == 1
    assert await h.app.drain_outbox() == 1
    async with h.app.db.reading() as s:
        assert await counter(s, RESENT_AFTER_CRASH) == 1
        assert set(await s.scalars(select(m.OutboxMessage.status))) == {"sent"}


async def test_stopping_with_a_paced_backlog_is_prompt_and_keeps_the_rest_queued(harness) -> None:
    from bot.outbox import OutboxSender, RateLimits

    h = harness
    h.transport.connected = False
    for i in range(4):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 隐患{i}")
    h.transport.connected = True
    paced = OutboxSender(h.app.db, h.transport, h.clock, h.app.app.renderer, limits=RateLimits(per_minute=1))
    sender = asyncio.create_task(paced.run(poll_seconds=0.05))

    async def waiting_for_its_minute() -> bool:
        """One went out and is marked sent, the rest are untouched: the sender marks before a pacing wait, while
        without one the next claim would mark the first and claim the second together."""
        async with h.app.db.reading() as s:
            statuses = sorted(await s.scalars(select(m.OutboxMessage.status)))
        return len(h.transport.sent) == 1 and statuses == ["pending"] * 3 + ["sent"]

    await eventually(waiting_for_its_minute, what="one message sent and the next waiting for its minute")
    paced.stop()
    await asyncio.wait_for(sender, 2)  # no TimeoutError, no minute-long wait
    assert len(h.transport.sent) == 1
    async with h.app.db.reading() as s:
        assert sorted(await s.scalars(select(m.OutboxMessage.status))) == ["pending"] * 3 + ["sent"]
