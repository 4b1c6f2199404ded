"""Pacing: remember recent sends so the outbox keeps within a platform's RateLimits (monotonic seconds)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.outbox.delivery import RateLimits


@dataclass
class Pace:
    """Remembers recent sends to keep within RateLimits (monotonic seconds)."""

    limits: RateLimits
    last_room: str | None = None
    last_at: float = float("-inf")

    def __post_init__(self) -> None:
        self.per_room: dict[str, float] = {}
        self.window: deque[float] = deque()
        self.room_windows: dict[str, deque[float]] = {}

    def wait_for(self, dest: str, t: float) -> float:
        lim, waits = self.limits, [0.0]
        if lim.per_room_interval and dest in self.per_room:
            waits.append(self.per_room[dest] + lim.per_room_interval - t)
        if lim.between_rooms_interval and self.last_room not in (None, dest):
            waits.append(self.last_at + lim.between_rooms_interval - t)
        if lim.per_minute:
            while self.window and self.window[0] <= t - 60:
                self.window.popleft()
            if len(self.window) >= lim.per_minute:
                waits.append(self.window[0] + 60 - t)
        recent = self.room_windows.get(dest, deque())
        for limit, span in ((lim.room_per_minute, 60), (lim.room_per_hour, 3600)):
            inside = [s for s in recent if s > t - span]
            if limit and len(inside) >= limit:
                waits.append(inside[-limit] + span - t)
        return max(waits)

    def sent(self, dest: str, t: float) -> None:
        self.per_room[dest], self.last_room, self.last_at = t, dest, t
        self.window.append(t)
        if self.limits.room_per_minute or self.limits.room_per_hour:
            recent = self.room_windows.setdefault(dest, deque())
            recent.append(t)
            while recent and recent[0] <= t - 3600:
                recent.popleft()
