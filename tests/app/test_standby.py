"""A standby (bot/storage/standby.py), on both databases: it says who holds the database and since when, waits
without taking anything, is listed by `instances` (what `dudao status` shows), and takes the lock within a poll once
the holder lets go; a hung holder (its lock not confirmed for a while) is ended, one that confirms it never is."""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

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


async def _hung_holder(url: str, kind: str = "new") -> tuple[Callable[[], Awaitable[None]], Callable[[], bool]]:
    """A holder that took the lock and then does nothing (no check confirms it): another process on SQLite (a
    flock, then sleep), a connection on PostgreSQL. Returns how to clean up and whether it is still there."""
    if url.startswith("postgresql"):
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        conn = await engine.connect()
        assert await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": instance.ADVISORY_KEY})
        if kind != "old":  # it says it checks every 0.05 s (as a running bot's watcher does), and then never does
            await conn.execute(text("SELECT set_config('application_name', 'dudao pid 1 on elsewhere checks 0.05s', "
                                    "false)"))
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))

        async def gone() -> None:
            with contextlib.suppress(Exception):
                await conn.close()
            await engine.dispose()

        def alive() -> bool:
            return not conn.closed and pid is not None

        return gone, alive
    database = make_url(url).database
    assert database
    child = subprocess.Popen([sys.executable, "-c", HOLD, database + ".lock", kind], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"

    async def killed() -> None:
        if child.poll() is None:
            child.kill()
        child.wait(10)

    return killed, lambda: child.poll() is None


# a holder that takes the lock as a bot does (its signature: `pid … on …`, and `since …` unless argv[2] is "old",
# as an older bot wrote it) and then hangs
HOLD = ("import fcntl, os, socket, sys, time\nfd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nos.ftruncate(fd, 0)\n"
        "os.pwrite(fd, (f'pid {os.getpid()} on {socket.gethostname()}' + "
        "('' if sys.argv[2] == 'old' else '\\nsince 2026-01-01T00:00:00+00:00\\nchecks 0.05')).encode(), 0)\n"
        "print('held', flush=True)\ntime.sleep(120)\n")


async def test_a_hung_holder_is_ended_and_the_standby_takes_over(db_url: str) -> None:
    db = Database(db_url)
    await db.dispose()  # nothing but the lock is needed here
    cleanup, alive = await _hung_holder(db_url)
    said: list[instance.AnotherInstance] = []
    try:
        await asyncio.sleep(1.2)  # the holder silent for longer than 20 of its checks
        lock = await asyncio.wait_for(standby.stand_by(db, poll=POLL, hung_checks=20, hung=said.append), 10)
        try:
            assert lock.held and len(said) == 1 and (said[0].silent_for or 0) > 1.0 and said[0].checks == 0.05
            if db_url.startswith("postgresql"):  # its backend terminated: the lock's connection is gone
                assert said[0].backend is not None
            else:
                await eventually(lambda: not alive(), timeout=5)  # the hung process killed
        finally:
            await lock.release()
    finally:
        await cleanup()
        await db.dispose()


async def test_a_holder_that_confirms_its_lock_is_never_ended(db_url: str) -> None:
    holder_db, standby_db = Database(db_url), Database(db_url)
    first = await instance.acquire(holder_db, check_seconds=0.1)
    first.watch()
    said: list[instance.AnotherInstance] = []
    waiting = asyncio.create_task(standby.stand_by(standby_db, poll=POLL, hung_checks=6, hung=said.append))
    try:
        await asyncio.sleep(2)  # the real passage of time under test: well past 6 checks (0.6 s)
        assert not waiting.done() and said == [] and first.held and not first.lost.is_set()
    finally:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await first.release()
        await holder_db.dispose()
        await standby_db.dispose()


async def test_the_lock_connection_asks_the_server_for_keepalives(pg_database: str | None) -> None:
    """A holder whose machine dies (a power cut) lets go of the lock when its connection answers no keepalive: the
    server is asked for them on the lock's connection (instance.KEEPALIVE), not its two-hour default."""
    if not pg_database or "127.0.0.1" not in pg_database and "localhost" not in pg_database:
        pytest.skip("TEST_DATABASE_URL over TCP not set: keepalives are a TCP matter")
    db = Database(pg_database)
    lock = await instance.acquire(db)
    try:
        holding = lock._holding
        assert isinstance(holding, instance._Advisory)
        shown = [await holding.connection.scalar(text(f"SHOW {name}")) for name in instance.KEEPALIVE]
        assert shown == list(instance.KEEPALIVE.values())
    finally:
        await lock.release()
        await db.dispose()


async def test_a_holder_that_announced_no_checks_is_never_taken_for_hung(db_url: str) -> None:
    """A holder that does not confirm its lock at intervals it announced — an older bot, or `dudao restore` / `db
    copy` holding the database for a while — is never ended, however long it stays silent: the standby waits."""
    db = Database(db_url)
    await db.dispose()
    cleanup, alive = await _hung_holder(db_url, "old")
    said: list[instance.AnotherInstance] = []
    waiting = asyncio.create_task(standby.stand_by(db, poll=POLL, hung_checks=1, hung=said.append))
    try:
        await asyncio.sleep(1.5)  # the real passage of time under test: long silent
        assert alive() and not waiting.done() and said == []
        await cleanup()  # it lets go: the standby takes over
        lock = await asyncio.wait_for(waiting, 5)
        await lock.release()
    finally:
        waiting.cancel()
        await cleanup()
        await db.dispose()
