"""The live path: APScheduler's AsyncIOScheduler fires the same sweep (catch-up at start, then on its triggers)."""
from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

import reminders.scheduler as scheduler_module
from bot.storage import models as m
from tests.support.harness import Harness
from tests.support.paths import DEMO_COUNTY

SYXX, ZHOU = "room-syxx@chatroom", "wxid_zhouyonghong"


async def _ladder_keys(h: Harness) -> list[str]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.ReminderSent.key).where(m.ReminderSent.kind.startswith("ladder"))))


async def test_start_catches_up_then_triggers_fire(tmp_path: Path, monkeypatch) -> None:
    h = await Harness.create(f"sqlite+aiosqlite:///{tmp_path}/live.db", tmp_path, DEMO_COUNTY,
                             start=datetime.fromisoformat("2024-03-18T10:00:00+08:00"))
    try:
        await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期2天")  # due 3-20
        h.clock.advance_to(datetime.fromisoformat("2024-03-21T10:00:00+08:00"))
        fired = asyncio.Event()

        async def observed(now=None):
            result = await h.app.sweep(now)
            fired.set()
            return result

        monkeypatch.setattr(scheduler_module, "triggers", lambda roster: {"every": IntervalTrigger(seconds=0.2)})
        scheduler = scheduler_module.Scheduler(sweep=observed, roster=h.app.roster, clock=h.clock,
                                               drain=h.app.drain_outbox)
        await scheduler.start()  # the catch-up sweep runs before start returns
        assert fired.is_set() and await _ladder_keys(h) != []
        fired.clear()
        await asyncio.wait_for(fired.wait(), timeout=5)  # and APScheduler fires it again on its trigger
        await scheduler.shutdown()
        await h.app.outbox.drain()
        overdue = [s for s in h.transport.sent if s.out.in_reply_to is None and "逾期" in s.text]
        assert len(overdue) == 1 and overdue[0].out.room == SYXX  # fired twice, sent once
    finally:
        await h.close()
