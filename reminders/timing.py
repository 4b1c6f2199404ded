"""When the bot may speak on its own: working days only, never in quiet hours; when reminders due on a day go out."""
from __future__ import annotations

from datetime import date, datetime

from bot.domain.local_time import local_instant
from bot.domain.roster import Roster


def in_quiet_hours(now: datetime, roster: Roster) -> bool:
    start, end = roster.policy.quiet_hours
    local = now.astimezone(roster.tz).time()
    return (local >= start or local < end) if start > end else (start <= local < end)


def may_speak(now: datetime, roster: Roster) -> bool:
    """Bot-initiated messages go out only on Chinese working days, outside quiet hours."""
    today = now.astimezone(roster.tz).date()
    return roster.calendar.is_workday(today) and not in_quiet_hours(now, roster)


def reminder_instant(day: date, roster: Roster) -> datetime:
    """Reminders due on `day` go out at policy.reminder_time that day."""
    return local_instant(day, roster.policy.reminder_time, roster)
