"""The database away (bot/intake.py, bot/spool.py): a message is handled or kept, never lost and never handled
twice. The outage is the driver's own error, raised by the database connection while a switch is on (a full
disk as SQLite reports it, a connection lost as asyncpg's DBAPI reports it)."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.messages import Inbound, InboundFile
from bot.spool import Spool
from bot.storage import models as m
from tests.support.harness import Harness

SYXX, ZHOU, LIU = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"
DISTRICT1 = "room-d1@chatroom"
BUSY = "系统繁忙"


class Outage:
    """While `on`, every statement fails as `error` says; `after_commit`: the next commit goes through and is
    then reported failed (the connection lost while the server committed)."""

    def __init__(self, h: Harness) -> None:
        self.on = False
        self.error: Exception = sqlite3.OperationalError("database or disk is full")
        self.fail_after_commit = False
        for engine in h.app.db.sync_engines:
            event.listen(engine, "before_cursor_execute", self._before)
            event.listen(engine, "commit", self._commit)

    def _before(self, *_: object) -> None:
        if self.on:
            raise self.error

    def _commit(self, conn: object) -> None:
        if self.fail_after_commit:
            self.fail_after_commit = False
            conn.connection.dbapi_connection.commit()  # the server commits…
            raise ConnectionResetError("connection lost at the commit")  # …and the caller hears it failed


@pytest.fixture
def outage(harness: Harness) -> Iterator[Outage]:
    yield Outage(harness)


async def _say(h: Harness, room: str | None, sender: str, text: str, msg_id: str) -> bool:
    return await h.app.handle(Inbound(room=room, sender=sender, text=text, at=h.clock.now(), message_id=msg_id))


async def _findings(h: Harness) -> list[str]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Finding.description).order_by(m.Finding.number)))


async def test_messages_during_an_outage_are_kept_and_handled_once_in_order_when_it_is_back(
        harness: Harness, outage: Outage, county_db_url: str) -> None:
    h = harness
    if county_db_url.startswith("postgresql"):
        outage.error = ConnectionResetError("connection lost")
    outage.on = True
    for i in range(4):
        assert await _say(h, SYXX, ZHOU, f"#问题 实验小学 隐患{i}", f"away-{i}")  # kept: the platform may forget it
    assert await _say(h, DISTRICT1, ZHOU, "#问题 实验小学 隐患4", "away-4")
    busy = [s for s in h.transport.sent if BUSY in s.text]
    assert sorted(s.out.room for s in busy) == [DISTRICT1, SYXX]  # one per conversation, not one per message
    assert h.app.intake.waiting == 5 and h.app.intake.away is not None
    assert len(Spool(h.app.settings.spool_path).load()) == 5  # on disk, fsynced

    outage.on = False
    assert await h.app.intake.retry() == 5
    await h.app.outbox.drain()
    assert await _findings(h) == [f"隐患{i}" for i in range(5)]
    texts = [s.text for s in h.transport.sent if BUSY not in s.text]
    assert all("抱歉" not in t for t in texts)  # no apology for an outage
    assert sum("已登记问题" in t for t in texts) == 5
    assert h.app.intake.waiting == 0 and h.app.intake.away is None
    assert h.app.settings.spool_path.read_bytes() == b""  # nothing waits: emptied


async def test_a_message_behind_kept_ones_waits_its_turn(harness: Harness, outage: Outage) -> None:
    h = harness
    outage.on = True
    await _say(h, SYXX, ZHOU, "#问题 实验小学 扶手松动", "first")
    outage.on = False
    # the database is back, but the first still waits (its backoff): the second goes behind it, not before
    await _say(h, SYXX, ZHOU, "#问题 实验小学 灭火器过期", "second")
    assert h.app.intake.waiting == 2
    await h.app.intake.retry()
    assert await _findings(h) == ["扶手松动", "灭火器过期"]


async def test_what_waits_in_the_spool_is_handled_after_a_restart_and_only_once(
        harness: Harness, outage: Outage) -> None:
    h = harness
    outage.on = True
    photo = InboundFile("a.png", b"\x89PNG fake", "image/png")
    await _say(h, SYXX, ZHOU, "#问题 实验小学 扶手松动", "r1")
    await h.app.handle(Inbound(room=SYXX, sender=LIU, text="", at=h.clock.now(), message_id="r2", files=(photo,)))
    # a crash: this bot is gone; another starts on the same database and spool
    outage.on = False
    again = Harness.on(h.app.settings, h.clock, h.app.db)
    assert again.app.intake.load() == 2
    kept = Spool(h.app.settings.spool_path)
    assert [i.files for _, i in kept.load()][1] == (photo,)  # the photo's bytes kept too
    await again.app.intake.retry()
    await again.app.intake.retry()
    assert await _findings(h) == ["扶手松动"]
    # and the first bot's memory, handed in too (as if it had not crashed), changes nothing
    await h.app.intake.retry()
    assert await _findings(h) == ["扶手松动"]
    async with h.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.Finding)) == 1


async def test_a_commit_that_went_through_though_it_was_reported_failed_is_settled_by_the_message_key(
        harness: Harness, outage: Outage) -> None:
    h = harness
    outage.fail_after_commit = True
    assert await _say(h, SYXX, ZHOU, "#问题 实验小学 扶手松动", "lost-commit")  # kept: its outcome unknown
    assert h.app.intake.waiting == 1
    async with h.app.db.reading() as s:  # committed, with its replies claimed but never handed to the sender
        assert set(await s.scalars(select(m.OutboxMessage.status))) == {"sending"}
    await h.app.intake.retry()  # a duplicate now: nothing handled twice; the replies go out
    await h.app.outbox.drain()
    assert await _findings(h) == ["扶手松动"]
    registered = [s for s in h.transport.sent if "已登记问题" in s.text]
    assert len(registered) == 1 and all("抱歉" not in s.text for s in h.transport.sent)
    async with h.app.db.reading() as s:
        assert "sending" not in set(await s.scalars(select(m.OutboxMessage.status)))


async def test_when_even_the_spool_cannot_be_written_the_message_waits_in_memory_and_the_log_says_so(
        harness: Harness, outage: Outage, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    h.app.intake.spool = Spool(blocker / "inbound.spool")  # its folder is a file: every write fails
    outage.on = True
    assert await _say(h, SYXX, ZHOU, "#问题 实验小学 扶手松动", "mem-1")
    assert "a crash now would lose it" in caplog.text
    assert h.app.intake.waiting == 1
    outage.on = False
    await h.app.intake.retry()
    assert await _findings(h) == ["扶手松动"]


def test_the_spool_skips_a_torn_last_line_and_keeps_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.spool")
    at = datetime(2026, 3, 11, 1, 30, tzinfo=UTC)
    for i in range(3):
        spool.add(Inbound(room=SYXX, sender=ZHOU, text=f"第{i}条 =1+1 <b>", at=at, message_id=f"m{i}"))
    spool.done(2)
    with open(spool.path, "ab") as f:
        f.write(json.dumps({"add": 9, "message": {"room": None}}).encode()[:15])  # a crash mid-write
    again = Spool(spool.path)
    assert [(n, i.text) for n, i in again.load()] == [(1, "第0条 =1+1 <b>"), (3, "第2条 =1+1 <b>")]
    again.done(1)
    again.done(3)
    assert spool.path.read_bytes() == b""
