"""Appeals waiting too long (申诉待决定): the office is reminded of the appeals waiting for its decision longer than
policy.appeal_within working days.

An appeal made on day D is overdue for a decision at policy.reminder_time on the (N+1)-th working day after D, like
a report awaiting verification (reminders/verify.py): the same working-day calendar, holidays and 调休 included.
Each working day at the reminder time one message to the office room lists every appeal then waiting that long,
oldest first (key `appeal:<local date>`: once a day, however many sweeps; nothing waiting that long, nothing said).
The office people are @-mentioned; with no office room each hears it privately. A decided appeal drops off the
next day's list.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import true

from bot.contract import Context, Notice
from bot.domain.escalation import ONE_DAY, latest_due_reaching_step, reminded_through
from bot.reports.requests import pending_appeals
from reminders.due_findings import LIST_MAX, short
from reminders.notify import already_sent
from reminders.steps import addressed, office_room

KIND = "appeal"


async def appeal_rule(ctx: Context) -> list[Notice]:
    roster = ctx.roster
    through = reminded_through(ctx.now, roster.tz, roster.policy.reminder_time)
    if through != ctx.today:  # before today's reminder time: today's list is not due yet
        return []
    key, room = f"{KIND}:{ctx.today.isoformat()}", office_room(roster)
    if room is not None and await already_sent(ctx.session, key):  # today's list is out: no need to read again
        return []
    within = roster.policy.appeal_within.n
    last_day = latest_due_reaching_step(through, within, roster.calendar)  # appeals made on or before it
    waiting = await pending_appeals(ctx.session, true(), made_before=datetime.combine(
        last_day + ONE_DAY, datetime.min.time(), roster.tz))
    if not waiting:
        return []
    items = []
    for appeal in waiting[:LIST_MAX]:
        school = roster.schools.get(appeal["school_id"])
        items.append(dict(ref=appeal["ref"], school=school.display if school else "",
                          description=short(appeal["description"]), reason=short(appeal["reason"]),
                          made=appeal["at"].astimezone(roster.tz).date()))
    values = dict(days=within, items=items, total=len(waiting), more=max(0, len(waiting) - LIST_MAX))
    return addressed(key, KIND, "reminders/appeals.j2", values, room, roster.office_people)
