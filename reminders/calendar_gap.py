"""The county's calendar running out (校历即将用完): when no term covers some day of the coming 60 days
(bot.obligations.calendar_ahead), the office room hears it once, at the reminder time, with the line to add to the
county file — before 开学检查, 开学前 and 本学期 go wrong without a word. Key `calendar_gap:<the term before the gap>`:
said once per gap, however many sweeps; a term added that closes the gap silences it, one that leaves a later gap
says the new one once. The office people are @-mentioned; with no office room each hears it privately."""
from __future__ import annotations

from bot.contract import Context, Notice
from bot.domain.escalation import reminded_through
from bot.obligations.calendar_ahead import LOOK_AHEAD, calendar_gap
from reminders.notify import already_sent
from reminders.steps import addressed, office_room

KIND = "calendar_gap"


async def calendar_gap_rule(ctx: Context) -> list[Notice]:
    roster = ctx.roster
    if reminded_through(ctx.now, roster.tz, roster.policy.reminder_time) != ctx.today:
        return []  # before today's reminder time
    gap = calendar_gap(roster.terms, ctx.today)
    if gap is None:
        return []
    room = office_room(roster)
    if room is not None and await already_sent(ctx.session, gap.key):
        return []
    values = dict(first=gap.first, after=gap.after, name=gap.name, starts=gap.starts, line=gap.line,
                  days=LOOK_AHEAD.days)
    return addressed(gap.key, KIND, "reminders/calendar_gap.j2", values, room, roster.office_people)
