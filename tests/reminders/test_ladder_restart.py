"""Nothing twice, nothing lost: a sweep that fails half-way, a crash between the sweep and the send, two bots
on one database, and the catch-up after downtime (one message per finding: the highest step due)."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.storage import models as m
from reminders import rules
from tests.support.reminders import (
    CHEN,
    FXZX,
    LADDER,
    MINE,
    OFFICE,
    about,
    assert_polite,
    initiated,
    make,
    restart,
    when,
)

__all__ = ["make"]
# a finding due 3-14: due today, step 0, step 1, step 2
STEPS = ["2024-03-14 09:00", "2024-03-15 09:00", "2024-03-20 09:00", "2024-03-26 09:00"]


async def _ledger(h) -> list[tuple[str, bool]]:
    async with h.app.db.reading() as s:
        return list((await s.execute(select(m.ReminderSent.key, m.ReminderSent.skipped)
                                     .where(m.ReminderSent.kind.in_(("ladder", "due")))
                                     .order_by(m.ReminderSent.at, m.ReminderSent.key))).all())


async def test_a_sweep_that_fails_half_way_records_nothing_and_the_restarted_bot_sends_each_step_once(
        make, monkeypatch: pytest.MonkeyPatch) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")  # due Thu 3-14

    async def crash(ctx) -> list:
        if ctx.now >= datetime.fromisoformat("2024-03-14T09:00:00+08:00"):
            raise RuntimeError("the process died in the middle of the sweep")
        return []

    monkeypatch.setattr(rules, "RULES", [*rules.RULES, crash])  # after the due-today rule queued its notice
    with pytest.raises(RuntimeError):
        await h.at("2024-03-14T12:00:00+08:00")
    # rolled back: nothing recorded, nothing queued
    assert about("Q1", initiated(h)) == [] and await _ledger(h) == []
    monkeypatch.undo()
    h.clock.advance_to(datetime.fromisoformat("2024-03-14T12:00:00+08:00"))
    h2 = restart(h)
    await h2.app.sweep()  # the live scheduler's catch-up sweep at start
    await h2.app.outbox.drain()
    await h2.at("2024-04-15T12:00:00+08:00")
    sent = about("Q1", initiated(h, h2), MINE)
    assert [when(s) for s in sent] == ["2024-03-14 12:00"] + STEPS[1:]  # the missed one: at the restart
    assert_polite(sent)


async def test_a_crash_between_the_sweep_and_the_send_delivers_once_after_restart(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")
    h.transport.connected = False  # the sweep commits its notices to the outbox; nothing leaves: a crash
    await h.at("2024-03-15T12:00:00+08:00")
    assert h.transport.sent[1:] == [] and len(await _ledger(h)) == 2
    h2 = restart(h)
    await h2.app.sweep()  # the catch-up sweep at start finds both recorded: nothing new
    await h2.app.outbox.drain()  # the new bot's sender delivers what the old one had queued
    await h2.at("2024-04-15T12:00:00+08:00")
    sent = about("Q1", initiated(h, h2), MINE)
    assert [(when(s), s.text[:6]) for s in sent[:2]] == [("2024-03-15 12:00", "【到期提醒】"),
                                                         ("2024-03-15 12:00", "【逾期提醒】")]
    assert [when(s) for s in sent[2:]] == STEPS[2:]


async def test_two_bots_sweeping_one_database_at_once_send_each_step_once(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")
    h2 = restart(h)
    at = datetime.fromisoformat("2024-03-15T09:00:00+08:00")
    h.clock.advance_to(at)
    results = await asyncio.gather(h.app.sweep(at), h2.app.sweep(at), return_exceptions=True)
    await h.app.outbox.drain()
    await h2.app.outbox.drain()
    assert [r for r in results if isinstance(r, int) and r > 0]  # one of them queued the step
    assert len(about("Q1", initiated(h, h2), "【逾期提醒】")) == 1  # the other found it recorded, or lost the race


async def test_catch_up_after_ten_working_days_down_sends_only_the_highest_step(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")  # due 3-14: office step on 3-26
    await h.say(FXZX, CHEN, "#问题 复兴中学 留样记录不全 限期8天")  # due 3-19: district step on 3-25
    await h.say(FXZX, CHEN, "#问题 复兴中学 消防器材过期 限期13天")  # due 3-24 (Sun): step 0 on 3-25
    await h.at("2024-03-13T12:00:00+08:00")
    h.clock.advance_to(datetime.fromisoformat("2024-03-27T10:00:00+08:00"))  # down for 10 working days
    h2 = restart(h)
    await h2.app.sweep()  # the live scheduler's catch-up sweep at start
    await h2.app.outbox.drain()
    caught_up = initiated(h2)
    assert [when(s) for s in about("Q1", caught_up, LADDER)] == ["2024-03-27 10:00"]
    assert [(s.out.room, s.text[:6]) for s in about("Q1", caught_up, LADDER)] == [(OFFICE, "【问责提示】")]
    assert [s.text[:6] for s in about("Q2", caught_up, LADDER)] == ["【逾期督办】"]
    assert [s.text[:6] for s in about("Q3", caught_up, LADDER)] == ["【逾期提醒】"]
    assert about("Q1", caught_up, "【到期提醒】") == []  # its deadline passed while down: the ladder has it
    await h2.at("2024-04-15T12:00:00+08:00")
    later = [s for s in initiated(h2) if when(s) > "2024-03-27 10:00"]
    assert about("Q1", later, MINE) == []
    assert [when(s) for s in about("Q2", later, LADDER)] == ["2024-03-29 09:00"]  # its office step, on time
    skipped = [key for key, was_skipped in await _ledger(h2) if was_skipped]
    assert sorted(k.rsplit(":", 1)[1] for k in skipped if k.startswith("ladder:1:")) == ["0", "1"]
