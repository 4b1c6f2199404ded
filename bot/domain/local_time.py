"""County-local times as UTC instants: the one conversion the reminder schedules and the reports share."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.domain.roster import Roster


def local_instant(day: date, at: time, roster: Roster) -> datetime:
    """`day` at `at` county time, as a UTC instant."""
    return datetime.combine(day, at, roster.tz).astimezone(UTC)
