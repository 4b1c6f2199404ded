"""The instance lock while the bot runs (bot/storage/instance.py): a lost lock is noticed (a PostgreSQL backend
terminated, the advisory lock gone from pg_locks, a SQLite lock file removed or replaced), the process fences itself
(no transaction begins, nothing is sent, a message is kept in the spool and not recorded), takes the lock again
when it is free and resumes, or ends when another instance holds it; Bot.run then stops with TakenOver, and a stop
after an episode is a normal stop."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.messages import Inbound
from bot.storage import instance
from bot.storage import models as m
from bot.storage.engine import Database
from tests.support.harness import Harness, RecordingTransport
from tests.support.waiting import eventually

SYXX, ZHOU = "room-syxx@chatroom", "wxid_zhouyonghong"
FAST = 0.1  # seconds between checks in these tests


@pytest.fixture
async def pg_url(pg_database: str | None) -> str:
    if not pg_database:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    return pg_database


async def _admin(url: str, sql: str, **params: object) -> object:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql), params)
    finally:
        await engine.dispose()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """While this event is clear (the test clears it), the lock is not taken again."""
    gate, take = asyncio.Event(), instance._take
    gate.set()

    async def gated(db, ended):  # noqa: ANN001, ANN202
        await gate.wait()
        return await take(db, ended)

    monkeypatch.setattr(instance, "_take", gated)
    return gate


def _backend(lock: instance.InstanceLock) -> int:
    holding = lock._holding
    assert isinstance(holding, instance._Advisory)
    return holding.pid


async def _refused(db: Database) -> None:
    with pytest.raises(instance.Fenced):
        async with db.transaction():
            pass
    with pytest.raises(instance.Fenced):
        await db.unit(_nothing)


async def _nothing(_s: object) -> None:
    return None


async def _writes(db: Database) -> None:
    async with db.transaction():
        pass
    await db.unit(_nothing)


# PostgreSQL --------------------------------------------------------------------------------------------------------


async def test_a_terminated_lock_backend_is_noticed_at_once_and_the_lock_taken_again(pg_url: str) -> None:
    db = Database(pg_url)
    lock = await instance.acquire(db, check_seconds=30)  # the connection's end is noticed, not the timer
    changes: list[bool] = []
    lock.watch(on_change=lambda: changes.append(lock.held))
    try:
        first = _backend(lock)
        assert await _admin(pg_url, "SELECT pg_terminate_backend(:pid, 5000)", pid=first)
        await eventually(lambda: changes == [False, True], timeout=2)  # lost, and (nobody else has it) taken again
        assert lock.held and not lock.lost.is_set() and _backend(lock) != first
        await _writes(db)
    finally:
        await lock.release()
        await db.dispose()


async def test_the_checker_notices_a_dead_connection_and_a_lock_gone_from_pg_locks(pg_url: str) -> None:
    db = Database(pg_url)
    lock = await instance.acquire(db, check_seconds=FAST)
    changes: list[bool] = []
    lock.watch(on_change=lambda: changes.append(lock.held))
    try:
        holding = lock._holding
        assert isinstance(holding, instance._Advisory)
        holding.driver.remove_termination_listener(holding._closed)  # a silent end: only the periodic check sees it
        assert await _admin(pg_url, "SELECT pg_terminate_backend(:pid, 5000)", pid=holding.pid)
        await eventually(lambda: changes == [False, True], timeout=2)

        holding = lock._holding
        assert isinstance(holding, instance._Advisory)
        # the connection alive, the lock not held by it (pg_locks): lost as well
        await holding.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": instance.ADVISORY_KEY})
        await eventually(lambda: changes == [False, True, False, True], timeout=2)
        await _writes(db)
    finally:
        await lock.release()
        await db.dispose()


async def test_fenced_while_another_instance_takes_the_database_then_ended(pg_url: str, gate: asyncio.Event) -> None:
    db = Database(pg_url)
    lock = await instance.acquire(db, check_seconds=FAST)
    lock.watch()
    other = create_async_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        async with other.connect() as conn:
            gate.clear()  # the other takes the lock first
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": _backend(lock)})
            await asyncio.wait_for(lock.lost.wait(), 2)
            await _refused(db)
            assert await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": instance.ADVISORY_KEY})
            gate.set()
            assert not await asyncio.wait_for(lock.regained(), 5)
            assert lock.ended.is_set() and lock.taken_by and not lock.held
            await _refused(db)
    finally:
        await other.dispose()
        await lock.release()
        await db.dispose()


async def test_a_lock_stale_for_three_intervals_is_confirmed_before_a_write(pg_url: str) -> None:
    db = Database(pg_url)
    lock = await instance.acquire(db, check_seconds=FAST)
    lock.watch()
    try:
        assert lock._watcher is not None
        lock._watcher.cancel()  # the checker held up
        holding = lock._holding
        assert isinstance(holding, instance._Advisory)
        holding.driver.remove_termination_listener(holding._closed)
        await holding.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": instance.ADVISORY_KEY})
        await asyncio.sleep(3 * FAST)  # the real passage of time under test: the last confirmation grows old
        await _refused(db)  # the write itself asked, and found the lock gone
        assert lock.lost.is_set()
    finally:
        await lock.release()
        await db.dispose()


# SQLite ------------------------------------------------------------------------------------------------------------


async def test_a_removed_lock_file_fences_at_once_and_is_taken_again(sqlite_db: Database, tmp_path: Path) -> None:
    lock = await instance.acquire(sqlite_db, check_seconds=FAST)
    lock.watch()
    try:
        (tmp_path / "test.db.lock").unlink()
        await _refused(sqlite_db)  # every transaction looks at the file first: no timer to wait for
        assert await asyncio.wait_for(lock.regained(), 2)
        assert (tmp_path / "test.db.lock").exists()
        await _writes(sqlite_db)
    finally:
        await lock.release()


async def test_a_replaced_lock_file_held_by_another_ends_this_instance(sqlite_db: Database, sqlite_url: str,
                                                                       tmp_path: Path) -> None:
    lock = await instance.acquire(sqlite_db, check_seconds=FAST)
    lock.watch()
    second = Database(sqlite_url)
    try:
        (tmp_path / "test.db.lock").unlink()
        other = await instance.acquire(second)  # a new file at the path, locked by the other
        await asyncio.wait_for(lock.lost.wait(), 2)
        assert not await asyncio.wait_for(lock.regained(), 2)
        assert lock.ended.is_set() and lock.taken_by == f"pid {os.getpid()} on {os.uname().nodename}"
        await _refused(sqlite_db)
        await other.release()
    finally:
        await lock.release()
        await second.dispose()


async def test_the_periodic_check_notices_a_lost_sqlite_lock(sqlite_db: Database, tmp_path: Path) -> None:
    lock = await instance.acquire(sqlite_db, check_seconds=FAST)
    changes: list[bool] = []
    lock.watch(on_change=lambda: changes.append(lock.held))
    try:
        (tmp_path / "test.db.lock").unlink()
        await eventually(lambda: changes == [False, True], timeout=2)  # no transaction asked: the timer did
    finally:
        await lock.release()


# The bot: messages, the outbox ------------------------------------------------------------------------------------


async def _lose(lock: instance.InstanceLock) -> None:
    """Take the lock away (the lock file removed; the advisory lock let go) and wait until the bot noticed."""
    holding = lock._holding
    if isinstance(holding, instance._File):
        holding.path.unlink()
    else:
        assert isinstance(holding, instance._Advisory)
        await holding.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": instance.ADVISORY_KEY})
    await asyncio.wait_for(lock.lost.wait(), 2)


async def _count(h: Harness, model: type, *where: object) -> int:
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_message_while_fenced_is_kept_unrecorded_and_handled_once_after_the_lock_is_back(
        harness, gate: asyncio.Event) -> None:
    h = harness
    lock = h.app.lock = await instance.acquire(h.app.db, check_seconds=FAST)
    lock.watch(on_change=lambda: h.app._lock_changed(lock))  # as Bot.run wires it
    sender = asyncio.create_task(h.app.outbox.run(poll_seconds=0.05))
    try:
        await h.app.handle(Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=h.clock.now(),
                                   message_id="before"))
        await eventually(lambda: len(h.transport.sent) == 1)
        gate.clear()
        await _lose(lock)
        # kept (in the spool, as in a database outage: its sender hears 系统繁忙 once), recorded nowhere
        assert await h.app.handle(Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 窗户破损", at=h.clock.now(),
                                          message_id="fenced")) is True
        assert h.app.intake.waiting == 1 and h.app.intake.away == "fenced"  # it stays so until the gate opens
        assert await _count(h, m.HandledMessage, m.HandledMessage.key.like("%fenced%")) == 0
        assert await _count(h, m.Finding) == 1
        assert [s.text for s in h.transport.sent[1:]] == ["系统繁忙，您的消息已收到，稍后处理，无需重发。"]
        gate.set()
        await eventually(lambda: len(h.transport.sent) == 3, timeout=5)
        assert "窗户破损" in h.transport.sent[2].text and h.app.intake.waiting == 0
        assert await _count(h, m.Finding) == 2
        assert await _count(h, m.OutboxMessage, m.OutboxMessage.key.like("%#err")) == 0  # no apology
    finally:
        h.app.outbox.stop()
        await sender
        await lock.release()
        h.app.lock = None


async def test_nothing_is_sent_while_fenced_and_what_waited_goes_out_after(harness, gate: asyncio.Event) -> None:
    h = harness
    h.transport.connected = False
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")  # queued pending: the platform is away
    lock = await instance.acquire(h.app.db, check_seconds=FAST)
    lock.watch()
    try:
        gate.clear()
        await _lose(lock)
        h.transport.connected = True
        assert await h.app.drain_outbox() == 0 and h.transport.sent == []
        gate.set()
        assert await asyncio.wait_for(lock.regained(), 5)
        assert await h.app.drain_outbox() == 1 and len(h.transport.sent) == 1
    finally:
        await lock.release()


async def test_app_handle_raises_fenced_and_records_nothing(harness, gate: asyncio.Event) -> None:
    h = harness
    lock = await instance.acquire(h.app.db, check_seconds=FAST)
    lock.watch()
    try:
        gate.clear()
        await _lose(lock)
        inbounds = [Inbound(room=SYXX, sender=ZHOU, text=f"#问题 实验小学 隐患{i}", at=h.clock.now(),
                            message_id=f"f{i}") for i in range(3)]
        results = await asyncio.gather(*(h.app.app.handle(i) for i in inbounds), return_exceptions=True)
        assert all(isinstance(r, instance.Fenced) for r in results), results
        assert await _count(h, m.HandledMessage) == 0 and await _count(h, m.OutboxMessage) == 0
    finally:
        await lock.release()


# Bot.run -------------------------------------------------------------------------------------------------------


class UntilStopped(RecordingTransport):
    """A transport that receives nothing and runs until stopped (as SIGTERM stops a live one)."""

    def __init__(self, h: Harness) -> None:
        super().__init__(h.clock)
        self.stopped = asyncio.Event()

    async def run(self, inlet: object) -> None:
        await self.stopped.wait()

    async def stop(self) -> None:
        self.stopped.set()


def _running(h: Harness) -> tuple[UntilStopped, asyncio.Task[None]]:
    transport = UntilStopped(h)
    h.app.transport = transport
    h.app.outbox.transport = transport
    h.app.settings = h.app.settings.model_copy(update={"lock_check_seconds": FAST})
    return transport, asyncio.create_task(h.app.run())


async def _take_from_outside(url: str) -> Callable[[], Awaitable[None]]:
    """Another instance takes the database (the lock file anew; the advisory lock on a connection of its own);
    returns how to let it go."""
    if not url.startswith("postgresql"):
        database = make_url(url).database
        assert database
        taken = instance._flock(Path(database).with_name(Path(database).name + ".lock"))
        return taken.close
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    conn = await engine.connect()
    assert await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": instance.ADVISORY_KEY})

    async def let_go() -> None:
        await conn.close()
        await engine.dispose()

    return let_go


async def test_bot_run_stops_with_taken_over_when_another_instance_took_the_database(
        harness, county_db_url: str, gate: asyncio.Event) -> None:
    h = harness
    transport, run = _running(h)
    await eventually(lambda: h.app.lock is not None and h.app.lock._watcher is not None, timeout=10)
    lock = h.app.lock
    assert lock is not None
    gate.clear()
    await _lose(lock)
    let_go = await _take_from_outside(county_db_url)
    try:
        gate.set()
        with pytest.raises(instance.TakenOver) as taken:
            await asyncio.wait_for(run, 5)
        assert taken.value.holder and taken.value.kept == 0 and transport.stopped.is_set() and h.app.lock is None
        assert h.app.db.fence is None
    finally:
        await let_go()


async def test_a_stop_after_the_lock_was_lost_and_taken_again_is_a_normal_stop(harness, gate: asyncio.Event) -> None:
    h = harness
    transport, run = _running(h)
    await eventually(lambda: h.app.lock is not None and h.app.lock._watcher is not None, timeout=10)
    lock = h.app.lock
    assert lock is not None
    gate.clear()
    await _lose(lock)
    gate.set()
    assert await asyncio.wait_for(lock.regained(), 5)
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")

    async def reply_sent() -> bool:  # the reply to that message (a sweep may queue a reminder of its own meanwhile)
        async with h.app.db.reading() as s:
            return set(await s.scalars(select(m.OutboxMessage.status).where(
                m.OutboxMessage.key.like("id:t1:%")))) == {"sent"}

    # taken again, the bot handles and sends as before (the sender's pace decides when: wait for it, not the stop)
    await eventually(reply_sent, timeout=10)
    await transport.stop()
    assert await asyncio.wait_for(run, 5) is None
    assert await reply_sent()
