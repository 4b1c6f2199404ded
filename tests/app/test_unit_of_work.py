"""The unit of work (Database.unit, bot/storage/direct.py): it commits or rolls back as a whole with its hooks (which
run before and after a commit, never after a rollback), waits for the write lock without blocking the loop, writes
nothing when cancelled while it waits, and refuses a body that awaits anything but the session."""
from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.messages import Inbound
from bot.storage import models as m
from bot.storage.direct import Suspended, run_at_once
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database
from bot.storage.session import Session
from tests.support.harness import Harness
from tests.support.paths import DEMO_COUNTY
from tests.support.waiting import eventually


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
        await asyncio.sleep(0)  # the real suspension under test

    assert run_at_once(plain()) == 7
    with pytest.raises(Suspended):
        run_at_once(waits())


class Recorder:
    """A commit hook that writes a row before each commit and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def begin(self, session: Session) -> None:
        session.info["recorder"] = len(self.seen)
        self.seen.append("begin")

    async def before_commit(self, session: Session) -> None:
        self.seen.append("before")
        session.add(m.Counter(name=f"hook{session.info['recorder']}", value=1))

    def after_commit(self, session: Session) -> None:
        self.seen.append("after")


async def test_a_unit_commits_or_rolls_back_whole_with_its_hooks(db: Database) -> None:
    hook = db.hook(Recorder)
    assert db.hook(Recorder) is hook  # one a database

    async def body(s: Session) -> int:
        s.add(m.Counter(name="a", value=1))
        await s.flush()
        return await s.scalar(select(m.Counter.value).where(m.Counter.name == "a"))

    assert await db.unit(body) == 1
    assert hook.seen == ["begin", "before", "after"]

    async def fails(s: Session) -> None:
        s.add(m.Counter(name="b", value=2))
        await s.flush()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await db.unit(fails)
    assert hook.seen == ["begin", "before", "after", "begin"]  # no commit: nothing written before it, no after
    assert await _counters(db) == {"a": 1, "hook0": 1}

    async with db.transaction() as s:  # the plain transaction carries the same hooks
        s.add(m.Counter(name="c", value=3))
    assert hook.seen[-3:] == ["begin", "before", "after"]
    assert await _counters(db) == {"a": 1, "hook0": 1, "c": 3, "hook4": 1}


async def _adds_then_waits(s: Session) -> None:
    """A body that writes, then awaits something that really waits: refused, and what it wrote rolled back."""
    s.add(m.Counter(name="waited", value=1))
    await s.flush()
    await asyncio.sleep(0)  # the real suspension under test


async def test_a_body_that_awaits_something_else_is_rolled_back_with_an_error(db: Database) -> None:
    with pytest.raises(Suspended):
        await db.unit(_adds_then_waits)
    assert await _counters(db) == {}


async def test_a_unit_cancelled_while_it_waits_for_the_lock_is_all_or_nothing_and_hands_over_what_committed(
        db: Database) -> None:
    hook = db.hook(Recorder)
    held, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:  # another transaction holds SQLite's write lock
        async with db.sessions() as s, s.begin():
            s.add(m.Counter(name="held", value=1))
            await s.flush()
            held.set()
            await release.wait()

    async def body(s: Session) -> None:
        s.add(m.Counter(name="cancelled", value=1))

    writing = asyncio.create_task(writer())
    await held.wait()
    unit = asyncio.create_task(db.unit(body))
    await eventually(lambda: "begin" in hook.seen or unit.done())
    await asyncio.sleep(0.05)  # let it reach SQLite's lock wait (BEGIN IMMEDIATE) in aiosqlite's thread
    unit.cancel()
    release.set()  # its clean-up (the rollback) queues behind that wait
    with pytest.raises(asyncio.CancelledError):
        await unit
    await writing
    if db.direct_engine is not None:
        # A file SQLite: the unit runs in the database thread, which a cancellation cannot stop halfway; it
        # finishes, and what it committed is handed over (after_commit) before the cancellation goes on.
        assert hook.seen[-1] == "after"
        assert await _counters(db) == {"held": 1, "cancelled": 1, "hook0": 1}
    else:
        assert "after" not in hook.seen
        assert await _counters(db) == {"held": 1}


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
                await asyncio.sleep(0.3)  # another transaction holding the lock for a while: the stand-in's pace

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)  # the loop's heartbeat, counted

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


async def test_a_unit_runs_in_one_greenlet_of_the_async_session_on_the_event_loops_thread() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        await upgrade_database(db)

        async def body(s: Session) -> str:
            s.add(m.Counter(name="m", value=3))
            await s.flush()
            return threading.current_thread().name

        assert await db.unit(body) == threading.current_thread().name

        with pytest.raises(Suspended):
            await db.unit(_adds_then_waits)
        assert await _counters(db) == {"m": 3}
    finally:
        await db.dispose()
