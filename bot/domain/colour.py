"""三色督办: the colour of an open finding, from its deadline and the rectification ladder.

- blue (蓝色): 待整改 and due within the next 2 working days, not yet overdue;
- yellow (黄色): 待整改 and overdue;
- red (红色): 待整改 and overdue past the ladder's last step — from the reminder time of the day that step
  falls due, when the office is told and the finding is named a 问责 candidate.
None otherwise, and None while an appeal waits (申诉中: the ladder pauses). Only 待整改 (open) findings are
coloured: the colours track the school's rectification, which is what the ladder chases; a 待验收 finding waits
on the supervisor (its own reminder, reminders/verify.py) and a closed or withdrawn one is done. A 待验收
finding is never 整改逾期 (bot.domain.figures): waiting too long it reads 验收超期, the supervisor's delay.
The labels (🔵蓝色督办 …) are in templates/common/colour.j2.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from bot.domain.escalation import at_reminder_time, step_day
from bot.domain.roster import Roster

Colour = Literal["blue", "yellow", "red"]
OPEN = "open"  # bot.ledger.OPEN (the domain does not import storage)
BLUE_WITHIN_WORKDAYS = 2


def colour(status: str, deadline_at: datetime, due_date: date, now: datetime,
           roster: Roster, *, appealing: bool) -> Colour | None:
    if status != OPEN or appealing:
        return None
    calendar, tz, policy = roster.calendar, roster.tz, roster.policy
    if now < deadline_at:
        today = now.astimezone(tz).date()
        return "blue" if due_date <= calendar.add_workdays(today, BLUE_WITHIN_WORKDAYS) else None
    ladder = policy.overdue_ladder
    last_step = step_day(due_date, ladder[-1].after, calendar) if ladder else None
    if last_step and now >= at_reminder_time(last_step, tz, policy.reminder_time):
        return "red"
    return "yellow"
