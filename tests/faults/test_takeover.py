"""A standby takes over (issue 28, item 1), on both databases: the active `dudao run` is killed with SIGKILL while
commands stream in and its start's sweep sends reminders; the standby — waiting, not connected to the gateway —
takes the instance lock and the gateway connection within 15 s. Every command makes one finding, every reply and
reminder goes out (at most one repeated: the one the kill may have caught on its way), no reminder is queued twice,
and at no moment are two bots connected to the gateway (tests/support/takeover.py). A hung active bot (SIGSTOP) is
ended by the standby after 20 lock checks without a sign of life, and the standby takes over."""
from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.cli.bootstrap import read_roster
from bot.storage import models as m
from bot.storage.engine import Database
from reminders.timing import may_speak
from tests.support.faults import MARK
from tests.support.takeover import Child, World, takeover_time
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def _overdue(url: str) -> None:
    """Every open finding ten days overdue: the next start's sweep owes reminders."""
    db = Database(url)
    try:
        async with db.transaction() as s:
            await s.execute(update(m.Finding).values(deadline_at=datetime.now(UTC) - timedelta(days=10),
                                                     due_date=datetime.now(UTC).date() - timedelta(days=11)))
    finally:
        await db.dispose()


async def _may_speak(url: str) -> bool:
    db = Database(url)
    try:
        return may_speak(datetime.now(UTC), await read_roster(db))
    finally:
        await db.dispose()


async def _settled(url: str) -> bool:
    db = Database(url)
    try:
        async with db.reading() as s:
            return not await s.scalar(select(func.count()).select_from(m.OutboxMessage).where(
                m.OutboxMessage.status.in_(["pending", "sending"]), m.OutboxMessage.in_reply_to.is_not(None)))
    finally:
        await db.dispose()


async def test_the_standby_takes_over_when_the_active_bot_is_killed_mid_stream_and_mid_sweep(
        county_db_url: str, tmp_path: Path) -> None:
    world = await World.open(county_db_url, tmp_path)
    children: list[Child] = []
    try:
        a = await world.start("a")
        children.append(a)
        await eventually(lambda: world.standin.subscribers == 1, timeout=60, what="the first bot connected")
        world.send(8)
        await world.all_answered()
        assert await a.stop() == 0
        await _overdue(county_db_url)

        a = await world.start("a2")
        children.append(a)
        await eventually(lambda: world.standin.subscribers == 1, timeout=60, what="the active bot connected")
        b = await world.start("b")  # the standby: it says who holds the database, and waits
        children.append(b)
        await b.logged("另一个督导助手正在使用这个数据库")
        assert "本实例作为备用实例等待" in b.output()
        stop = asyncio.Event()
        streaming = asyncio.create_task(world.stream(10, stop))
        with contextlib.suppress(TimeoutError):  # mid-sweep: once its reminders begin to go out
            await eventually(lambda: world.reminders(), timeout=10)
        took = await takeover_time(world, a, b)  # SIGKILL of the active one
        assert took < 15, took
        await b.logged("已接管这个数据库")
        await asyncio.sleep(1)  # commands still streaming, now to the new active one
        stop.set()
        await streaming
        await world.all_answered()
        await eventually(lambda: _settled(county_db_url), timeout=30, what="every reply sent and marked")

        rows = await world.sql("SELECT description FROM findings")
        found = Counter(int(n) for (d,) in rows for n in MARK.findall(d))
        assert [i for i in range(world.sent_commands) if found[i] != 1] == [], found  # none lost, none twice
        replies = world.replies()
        keys = [k for (k,) in await world.sql("SELECT key FROM outbox WHERE in_reply_to IS NULL")]
        assert len(keys) == len(set(keys))  # no reminder queued twice
        reminders = Counter(world.reminders())
        if await _may_speak(county_db_url):  # (at night and on holidays the sweep's reminders wait for the morning)
            assert keys and reminders, "the sweep queued or sent no reminder"
        repeated = sum(n - 1 for n in replies.values()) + sum(n - 1 for n in reminders.values())
        assert repeated <= 1, (replies, reminders)  # one kill: at most the one on its way repeated
        assert world.most_subscribers == 1  # never two bots on the gateway at once
        assert await b.stop() == 0
        assert "Traceback" not in a.output() + b.output()
    finally:
        for child in children:
            child.kill()
        await world.close()


async def test_a_hung_active_bot_is_ended_and_the_standby_takes_over(county_db_url: str, tmp_path: Path) -> None:
    world = await World.open(county_db_url, tmp_path)
    world.lock_check_seconds = "0.3"  # hung after 20 checks: 6 s
    children: list[Child] = []
    try:
        a = await world.start("a")
        children.append(a)
        await eventually(lambda: world.standin.subscribers == 1, timeout=60, what="the first bot connected")
        world.send(4)
        await world.all_answered()
        b = await world.start("b")
        children.append(b)
        await b.logged("另一个督导助手正在使用这个数据库")
        a.process.send_signal(signal.SIGSTOP)  # hung: alive, holding its lock, doing nothing
        stopped = time.monotonic()
        world.send(4)
        await b.logged("秒没有响应", timeout=30)
        await b.logged("已接管这个数据库")
        await world.all_answered()
        assert time.monotonic() - stopped < 6 + 15
        if county_db_url.startswith("sqlite"):  # the same machine: the hung process was killed
            assert await asyncio.wait_for(a.process.wait(), 10) == -signal.SIGKILL
        else:  # its lock's backend was ended: woken, it finds the database another's and stops
            a.process.send_signal(signal.SIGCONT)
            assert await asyncio.wait_for(a.process.wait(), 30) == 1
            assert "接管了这个数据库" in a.output()
        world.send(2)
        await world.all_answered()
        await eventually(lambda: _settled(county_db_url), timeout=30, what="every reply sent and marked")
        rows = await world.sql("SELECT description FROM findings")
        found = Counter(int(n) for (d,) in rows for n in MARK.findall(d))
        assert [i for i in range(world.sent_commands) if found[i] != 1] == [], found
        assert sum(n - 1 for n in world.replies().values()) <= 1
        assert await b.stop() == 0
        assert "Traceback" not in a.output() + b.output()
    finally:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGCONT)
            child.kill()
        await world.close()
