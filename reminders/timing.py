"""When the bot may speak on its own: working days only, never in quiet hours; local times to UTC instants."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.domain.roster import Roster


def local_instant(day: date, at: time, roster: Roster) -> datetime:
    """`day` at `at` county time, as a UTC instant."""
    return datetime.combine(day, at, roster.tz).astimezone(UTC)


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
