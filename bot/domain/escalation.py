"""When the rectification ladder's steps fall due: date arithmetic on the working-day calendar, nothing else.

A finding is due by the end of its `due_date` (county time). A ladder step `after: N` falls due at the
reminder time on `step_day(due_date, N)`: the (N+1)-th working day after `due_date`, i.e. once N full
working days have passed overdue (`after: 0` is the first working day after the deadline). The due-today
reminder falls on `due_date` itself when that is a working day, else on the working day before it.

The "latest due date" functions invert those: every due date up to the answer has reached the step by
`day`, none after it — so a query can select the findings due for a step with one range condition.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import WorkCalendar

ONE_DAY = timedelta(days=1)


def step_day(due: date, after: int, calendar: WorkCalendar) -> date:
    """The working day a ladder step `after: N` falls due for a finding due by the end of `due`."""
    return calendar.add_workdays(due, after + 1)


def latest_due_reaching_step(day: date, after: int, calendar: WorkCalendar) -> date:
    """The latest due date whose step `after` falls on or before `day`.

    step_day(d, N) <= day  ⇔  (d, day] holds at least N+1 working days  ⇔  d is before the (N+1)-th
    working day counted back from `day` (inclusive).
    """
    return calendar.add_workdays(day + ONE_DAY, -(after + 1)) - ONE_DAY


def due_reminder_day(due: date, calendar: WorkCalendar) -> date:
    """The day of the due-today reminder: `due` itself if a working day, else the working day before."""
    return due if calendar.is_workday(due) else calendar.add_workdays(due, -1)


def latest_due_reminded_by(day: date, calendar: WorkCalendar) -> date:
    """The latest due date whose due-today reminder day is on or before `day`."""
    return calendar.add_workdays(day, 1) - ONE_DAY


def reminded_through(now: datetime, tz: ZoneInfo, reminder_time: time) -> date:
    """The last county-local day whose reminder time has passed at `now` (today, or yesterday before it)."""
    local = now.astimezone(tz)
    return local.date() if local.time() >= reminder_time else local.date() - ONE_DAY


def at_reminder_time(day: date, tz: ZoneInfo, reminder_time: time) -> datetime:
    """`day` at the reminder time, county time (an aware datetime)."""
    return datetime.combine(day, reminder_time, tz)
