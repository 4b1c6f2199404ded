"""A standby (bot/storage/standby.py), on both databases: it says who holds the database and since when, waits
without taking anything, is listed by `instances` (what `dudao status` shows), and takes the lock within a poll once
the holder lets go; a holder that comes and goes is said again."""
from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime, timedelta

from bot.storage import instance, standby
from bot.storage.engine import Database
from tests.support.waiting import eventually

POLL = 0.05


async def test_a_standby_waits_is_listed_and_takes_the_lock_once_the_holder_lets_go(db_url: str) -> None:
    holder_db, standby_db = Database(db_url), Database(db_url)
    began = datetime.now(UTC)
    first = await instance.acquire(holder_db)
    said: list[instance.AnotherInstance] = []
    waiting = asyncio.create_task(standby.stand_by(standby_db, poll=POLL, waiting=said.append))
    try:
        await eventually(lambda: said, timeout=5)
        me = f"pid {os.getpid()} on {socket.gethostname()}"
        assert me in said[0].holder and said[0].since is not None
        assert began - timedelta(seconds=2) <= said[0].since <= datetime.now(UTC)

        async def listed() -> bool:
            seen = await standby.instances(standby_db)
            return seen.active is not None and len(seen.standbys) == 1

        await eventually(listed, timeout=5)  # the standby shows itself (PostgreSQL: its connection) a moment later
        seen = await standby.instances(standby_db)
        assert seen.active is not None and me in seen.active.who and seen.active.since == said[0].since
        assert me in seen.standbys[0].who and seen.standbys[0].since is not None
        await asyncio.sleep(5 * POLL)
        assert not waiting.done()  # held: it stands by

        await first.release()
        lock = await asyncio.wait_for(waiting, 5)
        try:
            assert lock.held
            seen = await standby.instances(holder_db)
            assert seen.active is not None and seen.standbys == []  # it is the active one now, no longer a standby
            assert seen.active.since is not None and seen.active.since >= said[0].since
            again = None
            try:
                again = await instance.acquire(holder_db)
            except instance.AnotherInstance as refused:
                assert refused.since == seen.active.since
            assert again is None
        finally:
            await lock.release()
        seen = await standby.instances(holder_db)
        assert seen.active is None and seen.standbys == []
    finally:
        waiting.cancel()
        await first.release()
        await holder_db.dispose()
        await standby_db.dispose()


async def test_a_free_database_is_taken_at_once_without_a_word(db_url: str) -> None:
    db = Database(db_url)
    said: list[instance.AnotherInstance] = []
    try:
        lock = await asyncio.wait_for(standby.stand_by(db, poll=POLL, waiting=said.append), 5)
        assert lock.held and said == []
        await lock.release()
    finally:
        await db.dispose()


async def test_a_cancelled_standby_leaves_no_mark(db_url: str) -> None:
    holder_db, standby_db = Database(db_url), Database(db_url)
    first = await instance.acquire(holder_db)
    said: list[instance.AnotherInstance] = []
    waiting = asyncio.create_task(standby.stand_by(standby_db, poll=POLL, waiting=said.append))
    try:
        await eventually(lambda: said, timeout=5)

        async def standbys() -> int:
            return len((await standby.instances(holder_db)).standbys)

        await eventually(standbys, timeout=5)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await eventually(lambda: _none(standbys), timeout=5)
    finally:
        await first.release()
        await holder_db.dispose()
        await standby_db.dispose()


async def _none(count) -> bool:  # noqa: ANN001 — an async count
    return await count() == 0
