"""A unit of work run at once in the database thread (bot/storage/direct.py, Database.unit): it commits or rolls
back as a whole, runs off the event loop, finishes what it started when its caller is cancelled, waits for the
write lock without blocking the loop, and refuses a body that awaits anything but the session."""
from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.messages import Inbound
from bot.storage import models as m
from bot.storage.direct import DirectSession, Suspended, run_at_once
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database
from tests.support.harness import Harness
from tests.support.paths import DEMO_COUNTY


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


async def _counters(db: Database) -> dict[str, int]:
    async with db.reading() as s:
        return dict((await s.execute(select(m.Counter.name, m.Counter.value))).all())


def test_run_at_once_returns_the_value_and_refuses_a_real_wait() -> None:
    async def plain() -> int:
        return 7

    async def waits() -> None:
        await asyncio.sleep(0)

    assert run_at_once(plain()) == 7
    with pytest.raises(Suspended):
        run_at_once(waits())


async def test_a_unit_runs_in_the_database_thread_and_commits_or_rolls_back_whole(db: Database) -> None:
    threads: list[str] = []

    async def body(s: DirectSession) -> int:
        threads.append(threading.current_thread().name)
        s.add(m.Counter(name="a", value=1))
        await s.flush()
        return await s.scalar(select(m.Counter.value).where(m.Counter.name == "a"))

    committed: list[int] = []
    assert await db.unit(body, committed=committed.append) == 1
    assert threads[0].startswith("dudao-db") and threads[0] != threading.current_thread().name
    assert committed == [1]

    async def fails(s: DirectSession) -> None:
        s.add(m.Counter(name="b", value=2))
        await s.flush()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await db.unit(fails, committed=committed.append)
    assert committed == [1]
    assert await _counters(db) == {"a": 1}


async def _adds_then_waits(s: DirectSession) -> None:
    """A body that writes, then awaits something that really waits: refused, and what it wrote rolled back."""
    s.add(m.Counter(name="waited", value=1))
    await s.flush()
    await asyncio.sleep(0)


async def test_a_body_that_awaits_something_else_is_rolled_back_with_an_error(db: Database) -> None:
    with pytest.raises(Suspended):
        await db.unit(_adds_then_waits)
    assert await _counters(db) == {}


async def test_a_cancelled_caller_lets_the_unit_finish_and_be_handed_over(db: Database) -> None:
    committed: list[str] = []

    async def slow(s: DirectSession) -> str:
        s.add(m.Counter(name="slow", value=1))
        time.sleep(0.3)  # the database thread is busy; the event loop is not
        return "done"

    task = asyncio.create_task(db.unit(slow, committed=committed.append))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert committed == ["done"]
    assert await _counters(db) == {"slow": 1}


async def test_a_message_waits_for_the_write_lock_without_blocking_the_event_loop(sqlite_url: str,
                                                                                   tmp_path: Path) -> None:
    h = await Harness.create(sqlite_url, tmp_path, DEMO_COUNTY)
    try:
        ticks = 0
        held = asyncio.Event()

        async def writer() -> None:  # another transaction holds SQLite's write lock for a while
            async with h.app.db.transaction() as s:
                s.add(m.Counter(name="held", value=1))
                await s.flush()
                held.set()
                await asyncio.sleep(0.3)

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        writing = asyncio.create_task(writer())
        await held.wait()
        ticking = asyncio.create_task(ticker())
        handled = await h.app.app.handle(Inbound(room="room-syxx@chatroom", sender="wxid_zhouyonghong",
                                                 text="#问题 实验小学 扶手松动", at=datetime.now(UTC),
                                                 message_id="m1"))
        ticking.cancel()
        await writing
        assert handled
        assert ticks >= 10  # the loop kept running while the unit waited for the lock in its thread
        async with h.app.db.reading() as s:
            assert await s.scalar(select(m.Finding.description)) == "扶手松动"
    finally:
        await h.close()


async def test_without_a_direct_engine_a_unit_runs_in_one_greenlet_of_the_async_session() -> None:
    """PostgreSQL's path (and an in-memory SQLite's): the same DirectSession, on the event loop's thread, the same
    refusal of a real await."""
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        assert db.direct_engine is None
        await upgrade_database(db)

        async def body(s: DirectSession) -> str:
            s.add(m.Counter(name="m", value=3))
            await s.flush()
            return threading.current_thread().name

        assert await db.unit(body) == threading.current_thread().name

        with pytest.raises(Suspended):
            await db.unit(_adds_then_waits)
        assert await _counters(db) == {"m": 3}
    finally:
        await db.dispose()
