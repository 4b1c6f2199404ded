"""Group commit and the in-memory hand-over: messages waiting together are one transaction, each in its own
SAVEPOINT; one bad message rolls back alone; a duplicate inside a group is still a duplicate; replies reach the
sender only after the commit, and a stop gives back what was handed over and not sent."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import event, select

from bot.ledger import lifecycle
from bot.messages import Inbound
from bot.storage import models as m
from bot.storage.engine import Database
from tests.support.paths import DEMO_COUNTY

SYXX, ZHOU, LIU = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"


def _count_begins(db: Database) -> list[str]:
    """The statements from now on, with "BEGIN" for each transaction begun (on either backend)."""
    statements: list[str] = []
    for engine in db.sync_engines:
        event.listen(engine, "before_cursor_execute",
                     lambda *a: None if a[2].startswith("BEGIN") else statements.append(a[2]))
        event.listen(engine, "begin", lambda *a: statements.append("BEGIN"))
    return statements


async def _together(h, texts: list[tuple[str, str]]) -> list[bool]:
    now = h.clock.now()
    return list(await asyncio.gather(*(
        h.app.handle(Inbound(room=SYXX, sender=sender, text=text, at=now, message_id=f"g{i}"))
        for i, (sender, text) in enumerate(texts))))


async def test_messages_waiting_together_are_one_transaction(harness) -> None:
    h = harness
    statements = _count_begins(h.app.db)
    handled = await _together(h, [(ZHOU, f"#问题 实验小学 隐患{i}") for i in range(8)])
    begins = [s for s in statements if s == "BEGIN"]
    assert handled == [True] * 8
    assert len(begins) == 2  # the first message alone (it found nobody waiting), then the other seven together
    await h.app.drain_outbox()
    texts = [s.text for s in h.transport.sent]
    assert len(texts) == 8 and all(f"Q{n}" in " ".join(texts) for n in range(1, 9))
    async with h.app.db.reading() as s:
        numbers = sorted(await s.scalars(select(m.Finding.number)))
        statuses = set(await s.scalars(select(m.OutboxMessage.status)))
    assert numbers == list(range(1, 9)) and statuses == {"sent"}


async def test_a_failing_message_rolls_back_alone_and_is_apologised_for(harness, monkeypatch) -> None:
    h = harness
    record = lifecycle.record

    async def fails_for_boom(session, finding, kind, **kw):  # noqa: ANN001, ANN003 — the real signature
        if "爆管" in kw.get("raw_text", ""):
            raise RuntimeError("simulated bug after the finding was written")
        return await record(session, finding, kind, **kw)

    monkeypatch.setattr(lifecycle, "record", fails_for_boom)
    handled = await _together(h, [(ZHOU, "#问题 实验小学 隐患甲"), (ZHOU, "#问题 实验小学 隐患乙"),
                                  (ZHOU, "#问题 实验小学 爆管"), (LIU, "#验收 Q1 通过"), (ZHOU, "#问题 实验小学 隐患丙")])
    assert handled == [True] * 5
    await h.app.drain_outbox()
    async with h.app.db.reading() as s:
        descriptions = sorted(await s.scalars(select(m.Finding.description)))
        keys = set(await s.scalars(select(m.HandledMessage.key)))
    assert descriptions == ["隐患丙", "隐患乙", "隐患甲"]  # the failed one's finding rolled back with it
    texts = [s.text for s in h.transport.sent]
    assert len(texts) == 5
    assert sum("抱歉" in t for t in texts) >= 2  # the apology, and the principal's refused #验收
    assert {"p:g2", "p:g3"} <= keys  # both recorded: a redelivery is not handled again


async def test_a_row_rolled_back_with_its_savepoint_does_not_stand_in_for_the_next_one(harness) -> None:
    """A failed message's finding and event leave their objects in the session; the next INSERT may get the same id
    back, and must bring its own values, not the rolled-back ones."""
    h = harness
    roster = await h.app.app.current_roster()
    school_a, school_b = sorted(roster.schools)[:2]
    finder = roster.actor(ZHOU).person_id
    at = h.clock.now()

    async def create(s, school_id: int, description: str) -> m.Finding:  # noqa: ANN001 — a session
        return await lifecycle.create_finding(
            s, school_id=school_id, category="安全稳定", severity="一般", description=description,
            due=at.date(), tz=roster.tz, finder_id=finder, room_chat_id=SYXX, at=at, message_id=None,
            raw_text=description)

    async def body(s) -> tuple[tuple[int, int], m.Finding, m.FindingEvent]:  # noqa: ANN001
        try:
            async with s.begin_nested():
                first = await create(s, school_a, "先登记后失败")
                first_event = await lifecycle.record(s, first, "evidence", actor_id=None, at=at, message_id=None,
                                                     raw_text="甲")
                first_ids = (first.id, first_event.id)
                raise RuntimeError("the message failed")
        except RuntimeError:
            pass
        second = await create(s, school_b, "第二条")
        second_event = await lifecycle.record(s, second, "evidence", actor_id=None, at=at, message_id=None,
                                              raw_text="乙")
        assert (second.school_id, second.description, second_event.raw_text) == (school_b, "第二条", "乙")
        return first_ids, second, second_event

    first_ids, second, second_event = await h.app.db.unit(body)
    if h.app.db.dialect == "sqlite":  # SQLite gives the ids out again (PostgreSQL's sequences do not go back)
        assert (second.id, second_event.id) == first_ids
    assert (second.school_id, second.description, second_event.raw_text) == (school_b, "第二条", "乙")
    async with h.app.db.reading() as s:
        assert list(await s.execute(select(m.Finding.school_id, m.Finding.description))) == [(school_b, "第二条")]


async def test_the_same_message_twice_in_one_group_is_handled_once(harness) -> None:
    h = harness
    now = h.clock.now()
    same = Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=now, message_id="dup")
    first = Inbound(room=SYXX, sender=ZHOU, text="#查询 Q9", at=now, message_id="x")
    results = await asyncio.gather(h.app.handle(first), h.app.handle(same), h.app.handle(same))
    assert sorted(results[1:]) == [False, True]
    async with h.app.db.reading() as s:
        assert len(list(await s.scalars(select(m.Finding.id)))) == 1


async def test_replies_handed_over_are_not_read_back_and_are_marked_in_the_next_transaction(harness) -> None:
    h = harness
    h.app.outbox.lazy_marks = True
    await h.app.drain_outbox()  # the start's read of the table
    statements = _count_begins(h.app.db)
    for i in range(5):
        await h.app.handle(Inbound(room=SYXX, sender=ZHOU, text=f"#问题 实验小学 隐患{i}", at=h.clock.now(),
                                   message_id=f"s{i}"))
        await h.app.drain_outbox()
    assert len(h.transport.sent) == 5
    assert [s for s in statements if "FROM outbox" in s] == []  # nothing read back
    assert len([s for s in statements if s == "BEGIN"]) == 5  # one transaction a message, marks included
    await h.app.settle()
    async with h.app.db.reading() as s:
        assert set(await s.scalars(select(m.OutboxMessage.status))) == {"sent"}


async def test_a_stop_gives_back_what_was_handed_over_and_not_sent(harness) -> None:
    h = harness
    await h.app.handle(Inbound(room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=h.clock.now(),
                               message_id="a"))
    async with h.app.db.reading() as s:
        assert list(await s.scalars(select(m.OutboxMessage.status))) == ["sending"]  # claimed, in memory
    h.app.outbox.stop()
    await h.app.outbox.close()
    async with h.app.db.reading() as s:
        assert list(await s.scalars(select(m.OutboxMessage.status))) == ["pending"]  # the next start sends it
    assert h.transport.sent == []


async def test_a_county_loaded_by_another_process_is_noticed_at_the_next_sweep(harness, tmp_path) -> None:
    from bot.cli.bootstrap import load_county

    h = harness
    h.app.app.rosters.recheck_seconds = 3600  # only a sweep or our own changes look again
    assert await h.one(SYXX, ZHOU, "#问题 实验小学 隐患一")
    edited = tmp_path / "county.yaml"
    edited.write_text(DEMO_COUNTY.read_text(encoding="utf-8").replace("城口县实验小学", "城口县实验二小"),
                      encoding="utf-8")
    other = Database(h.app.db.url)  # another process: its own engine, its own commits
    try:
        await load_county(other, edited, h.clock)
    finally:
        await other.dispose()
    version = h.app.app.rosters.peek().version
    later = h.clock.now() + timedelta(minutes=1)
    assert "实验小学" in (await h.one(SYXX, ZHOU, "#查询 Q1", at=later)).text  # not yet looked at
    assert h.app.app.rosters.peek().version == version
    await h.app.sweep()
    assert h.app.app.rosters.peek().version == version + 1
    # the school of that name is gone from the county now (another school by another name took its place)
    assert "没有找到 Q1" in (await h.one(SYXX, ZHOU, "#查询 Q1", at=later + timedelta(minutes=1))).text
