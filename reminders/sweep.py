"""The sweep: one transaction that asks every rule what is due now and queues it, each notice once.

A rule is `async def rule(ctx: SweepContext) -> list[Notice]`: a function of the database and the clock.
It may call `notify.record_skipped` for steps the bot caught up past. The sweep runs only when the bot may
speak (a working day, outside quiet hours); what fell on a holiday is simply still due at the next sweep.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import Roster
from bot.render import Renderer
from reminders import notify
from reminders.timing import may_speak

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("dudao.reminders")


@dataclass
class SweepContext:
    session: AsyncSession
    roster: Roster
    now: datetime
    renderer: Renderer

    @property
    def today(self) -> date:
        return self.now.astimezone(self.roster.tz).date()


Rule = Callable[[SweepContext], Awaitable[list[notify.Notice]]]


def rules() -> list[Rule]:
    from reminders.rules import RULES

    return RULES


async def sweep(app: App, now: datetime | None = None) -> int:
    """Queue everything due at `now`; returns how many notices were queued."""
    now = now or app.clock.now()
    queued = 0
    async with app.exclusive():
        async with app.db.transaction() as s:
            roster, _ = await app.roster(s)
            if not may_speak(now, roster):
                return 0
            ctx = SweepContext(session=s, roster=roster, now=now, renderer=app.renderer)
            for rule in rules():
                queued += await notify.send_all(s, app.renderer, await rule(ctx), now)
    if queued:
        log.info("sweep at %s queued %d notices", now.isoformat(), queued)
        app.outbox.wake()
    return queued
