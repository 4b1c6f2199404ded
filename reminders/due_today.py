"""The due-today reminder (到期提醒): to the principal, in the school's room, on the day a 待整改 finding is due.

It goes out at policy.reminder_time on `due_date` when that is a working day, else on the working day before
(a finding due on a Saturday is announced on Friday), once per finding and deadline (key
`due:<id>:<due date>`; an extension gets its own). A finding logged after that reminder time was already
told its deadline when it was logged, so it gets none; once the deadline has passed the ladder takes over.
"""
from __future__ import annotations

from bot.contract import Context, Notice
from bot.domain.escalation import at_reminder_time, latest_due_reminded_by, reminded_through
from bot.ledger.lifecycle import deadline_instant
from bot.reports.absences import people_on_leave
from reminders import due_findings as q
from reminders.audience import PRINCIPAL, Audience, audience_for, directory
from reminders.grouping import Pairs, notices_by_room

KIND = "due"


async def due_today_rule(ctx: Context) -> list[Notice]:
    found = await due_today(ctx)
    d, on_leave = directory(ctx.roster), await people_on_leave(ctx.session, ctx.today)

    def audience(pairs: Pairs) -> Audience:
        people = Audience()
        for school in q.schools_of(pairs):
            audience_for(d, (PRINCIPAL,), school, on_leave, into=people)
        return people

    return notices_by_room(ctx, d, found, scope="school", kind=KIND, template="reminders/due_today.j2",
                           key=lambda f: q.step_key(KIND, f.id, f.due_date), audience=audience, values={})


async def due_today(ctx: Context) -> list[q.Due]:
    """Open findings whose due-today reminder is due now and not yet recorded."""
    roster = ctx.roster
    through = reminded_through(ctx.now, roster.tz, roster.policy.reminder_time)
    if through != ctx.today:  # before today's reminder time: today's reminders are not due yet
        return []
    until = deadline_instant(latest_due_reminded_by(through, roster.calendar), roster.tz)
    told_at = at_reminder_time(through, roster.tz, roster.policy.reminder_time)
    found = await q.open_findings(ctx.session, KIND, deadline_after=ctx.now, deadline_until=until,
                                  created_before=told_at)
    return [f for f, _ in found]
