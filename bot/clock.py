"""An injected clock, so time-dependent behaviour is tested by moving the clock, never by sleeping."""
from __future__ import annotations

from datetime import UTC, datetime
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
