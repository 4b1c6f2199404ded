"""APScheduler fires the sweep at the policy's times; replay's virtual clock fires the very same triggers.

Triggers (county time): the daily reminder time, the weekly digest time and the monthly bulletin time.
Live: an AsyncIOScheduler runs them, and one sweep runs at start to catch up on what was missed while down
(each step is recorded when sent, so catching up sends a missed step once). Virtual: `run_until` walks the
same triggers' fire times up to a moment and runs the sweep at each, on the virtual clock.

The scheduler is given just what it needs (the bootstrap wires it): run a sweep, read the roster, move a virtual
clock, drain the outbox.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.clock import Clock, VirtualClock
from bot.domain.roster import Roster

log = logging.getLogger("dudao.scheduler")
_TICK = timedelta(microseconds=1)


def triggers(roster: Roster) -> dict[str, BaseTrigger]:
    p, tz = roster.policy, roster.tz
    weekly, bulletin = p.digest.weekly, p.digest.monthly_bulletin
    return {
        "reminders": CronTrigger(hour=p.reminder_time.hour, minute=p.reminder_time.minute, timezone=tz),
        "weekly_digest": CronTrigger(day_of_week=weekly.weekday - 1, hour=weekly.time.hour,
                                     minute=weekly.time.minute, timezone=tz),
        "monthly_bulletin": CronTrigger(day=str(bulletin.day), hour=bulletin.time.hour,
                                        minute=bulletin.time.minute, timezone=tz),
    }


def fire_times(trigger: BaseTrigger, after: datetime, until: datetime) -> list[datetime]:
    """Every fire time t with after < t <= until."""
    times, t = [], trigger.get_next_fire_time(None, after + _TICK)
    while t is not None and t <= until:
        times.append(t)
        t = trigger.get_next_fire_time(t, t + _TICK)
    return times


class Scheduler:
    def __init__(self, *, sweep: Callable[[datetime | None], Awaitable[int]], roster: Callable[[], Awaitable[Roster]],
                 clock: Clock, drain: Callable[[], Awaitable[int]]) -> None:
        self._sweep, self._roster, self._clock, self._drain = sweep, roster, clock, drain
        self._last: datetime | None = None
        self._next: datetime | None = None  # the next fire time after _last (virtual clock), per the last roster
        self._aps: AsyncIOScheduler | None = None

    async def run_until(self, until: datetime) -> None:
        """Virtual clock: run the sweep at every fire time up to `until`, in order, each at its own time."""
        start = self._last or self._clock.now()
        if self._next is not None and until < self._next:  # nothing fires before `until`: no need to ask
            self._last = max(until, start)
            return
        roster = await self._roster()
        every = triggers(roster).values()
        due = sorted({t for trig in every for t in fire_times(trig, start, until)})
        for t in due:
            assert isinstance(self._clock, VirtualClock)  # run_until is the virtual clock's (replay, tests)
            self._clock.advance_to(t)
            await self._sweep(t)
            await self._drain()
        self._last = max(until, start)
        upcoming = [trig.get_next_fire_time(None, self._last + _TICK) for trig in every]
        self._next = min((t for t in upcoming if t is not None), default=None)

    async def start(self) -> None:
        """Live: schedule the triggers and catch up once now."""
        roster = await self._roster()
        self._aps = AsyncIOScheduler(timezone=roster.tz)
        for name, trig in triggers(roster).items():
            self._aps.add_job(self._fire, trig, args=[name], id=name, coalesce=True, max_instances=1,
                              misfire_grace_time=6 * 3600)
        self._aps.start()
        await self._fire("startup catch-up")

    async def _fire(self, name: str) -> None:
        try:
            await self._sweep(None)
        except Exception:  # noqa: BLE001 — a failed sweep is retried at the next trigger
            log.exception("sweep (%s) failed", name)

    async def shutdown(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
