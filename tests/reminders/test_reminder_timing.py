"""Quiet hours and working days: the sweep speaks only on working days, between 07:30 and 21:30 county time;
what fell due while it had to keep quiet goes out at the first sweep it may speak, once."""
from __future__ import annotations

from datetime import datetime

import pytest

from reminders.timing import in_quiet_hours, may_speak
from tests.support.reminders import CHEN, FXZX, about, assert_polite, initiated, make, unit_roster, when

__all__ = ["make"]


@pytest.mark.parametrize("at, quiet, speak", [
    ("2024-03-15T21:29:59+08:00", False, True),
    ("2024-03-15T21:30:00+08:00", True, False),
    ("2024-03-15T23:59:00+08:00", True, False),
    ("2024-03-15T03:00:00+08:00", True, False),
    ("2024-03-15T07:29:59+08:00", True, False),
    ("2024-03-15T07:30:00+08:00", False, True),
    ("2024-03-16T10:00:00+08:00", False, False),  # Saturday
    ("2024-04-04T10:00:00+08:00", False, False),  # Qingming
    ("2024-04-07T10:00:00+08:00", False, True),  # the Sunday make-up working day
    ("2024-03-15T13:30:00+00:00", True, False),  # 21:30 in the county, whatever zone the clock reports in
])
def test_may_speak(at: str, quiet: bool, speak: bool) -> None:
    roster = unit_roster()
    moment = datetime.fromisoformat(at)
    assert in_quiet_hours(moment, roster) is quiet and may_speak(moment, roster) is speak


async def test_due_steps_wait_out_the_night_and_the_weekend(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")  # due Thu 3-14; step 0 due Fri 3-15 09:00
    for at in ("2024-03-15T22:00:00+08:00", "2024-03-16T10:00:00+08:00", "2024-03-17T12:00:00+08:00",
               "2024-03-18T07:29:00+08:00"):
        h.clock.advance_to(datetime.fromisoformat(at))
        assert await h.app.sweep() == 0, at
    h.clock.advance_to(datetime.fromisoformat("2024-03-18T07:30:00+08:00"))
    assert await h.app.sweep() >= 1
    assert await h.app.sweep() == 0  # recorded: a second sweep finds nothing new
    await h.app.outbox.drain()
    assert [when(s) for s in about("Q1", initiated(h), "【逾期提醒】")] == ["2024-03-18 07:30"]


async def test_a_month_of_sweeps_never_speaks_at_night_or_on_a_day_off(make) -> None:
    h = await make("2024-03-25T10:00:00+08:00")
    for i, days in enumerate((1, 2, 3, 5, 8, 13)):
        await h.say(FXZX, CHEN, f"#问题 复兴中学 第{i + 1}项 限期{days}天")
    await h.at("2024-05-10T12:00:00+08:00")  # Qingming, and Labour Day: 5-01..05 off, 4-28 and 5-11 worked
    sent = initiated(h)
    assert len(about("Q6", sent)) == 4 and len(sent) > 20
    assert_polite(sent)
