"""An injected clock, so time-dependent behaviour is tested by moving the clock, never by sleeping."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told to; never backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, at: datetime) -> None:
        at = at.astimezone(UTC)
        if at < self._now:
            raise ValueError(f"time went backwards: {at.isoformat()} < {self._now.isoformat()}")
        self._now = at


@dataclass(frozen=True)
class ClockReading:
    """A platform's clock (a gateway's, WeCom's) and ours at the same moment."""

    remote: datetime
    local: datetime

    @property
    def ahead(self) -> timedelta:
        """How far our clock is ahead of the platform's (negative: behind)."""
        return self.local - self.remote


def http_date(value: str | None) -> datetime | None:
    """An HTTP Date header (`Sun, 06 Dec 2026 09:30:00 GMT`) as an aware UTC datetime; None if absent or unreadable."""
    if not value:
        return None
    with contextlib.suppress(TypeError, ValueError, IndexError):
        parsed = parsedate_to_datetime(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def rounded_seconds(delta: timedelta) -> int:
    """`delta` in whole seconds, as precisely as a clock difference of its size is worth telling: to the second under
    an hour, to the minute under a day, to the hour beyond (a Date header is to the second, and 23 h 59 min 59 s is a
    day)."""
    seconds = delta.total_seconds()
    unit = 1 if abs(seconds) < 3600 - 30 else 60 if abs(seconds) < 86400 - 1800 else 3600
    return round(seconds / unit) * unit


def describe_offset(ahead: timedelta) -> str:
    """'5 min 3 s ahead of' / '1 day 2 h behind' (for English logs)."""
    seconds = rounded_seconds(ahead)
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds_left = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else "", f"{seconds_left} s" if seconds_left else ""]
    return f"{' '.join(p for p in parts if p) or '0 s'} {'ahead of' if seconds >= 0 else 'behind'}"
