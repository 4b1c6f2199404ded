"""The outbox pace keeps per-conversation windows (WeCom: 30 a minute and 1000 an hour to one conversation)."""
from __future__ import annotations

from bot.outbox.delivery import RateLimits
from bot.outbox.pacing import Pace


def test_room_per_minute_waits_for_the_oldest_send_of_that_room_only() -> None:
    pace = Pace(RateLimits(room_per_minute=3))
    for t in (0.0, 1.0, 2.0):
        assert pace.wait_for("A", t) == 0
        pace.sent("A", t)
    assert pace.wait_for("A", 10.0) == 50.0  # the send at 0 leaves the window at 60
    assert pace.wait_for("B", 10.0) == 0  # another conversation is not held
    assert pace.wait_for("A", 60.5) == 0


def test_room_per_hour_counts_a_rolling_hour() -> None:
    pace = Pace(RateLimits(room_per_minute=30, room_per_hour=5))
    for i in range(5):
        pace.sent("A", i * 100.0)
    assert pace.wait_for("A", 500.0) == 3100.0  # the first of the five leaves the hour at 3600
    assert pace.wait_for("A", 3600.5) == 0


def test_no_room_limits_keeps_no_history() -> None:
    pace = Pace(RateLimits(per_room_interval=1.0))
    pace.sent("A", 0.0)
    assert pace.room_windows == {} and pace.wait_for("A", 0.5) == 0.5
