"""WorkCalendar: statutory holidays, 调休 make-up days, county extras, unknown-year fallback."""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import calendar as calendar_module
from bot.domain.calendar import WorkCalendar

CAL = WorkCalendar()


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_national_day_and_mid_autumn_2023() -> None:
    assert not any(CAL.is_workday(d) for d in days(date(2023, 9, 29), date(2023, 10, 6)))
    assert CAL.is_workday(date(2023, 10, 7))  # Saturday make-up day
    assert CAL.is_workday(date(2023, 10, 8))  # Sunday make-up day
    assert CAL.is_workday(date(2023, 9, 28))
    assert CAL.add_workdays(date(2023, 9, 28), 1) == date(2023, 10, 7)
    assert CAL.add_workdays(date(2023, 9, 28), 3) == date(2023, 10, 9)
    assert CAL.workdays_between(date(2023, 9, 28), date(2023, 10, 9)) == 3


def test_spring_festival_2024() -> None:
    # 2024-02-10..17 off; 02-04 (Sun) and 02-18 (Sun) are make-up working days.
    assert not any(CAL.is_workday(d) for d in days(date(2024, 2, 10), date(2024, 2, 17)))
    assert CAL.is_workday(date(2024, 2, 4))
    assert CAL.is_workday(date(2024, 2, 18))
    assert CAL.add_workdays(date(2024, 2, 9), 1) == date(2024, 2, 18)
    assert CAL.next_workday(date(2024, 2, 12)) == date(2024, 2, 18)


def test_qingming_2024() -> None:
    assert not any(CAL.is_workday(d) for d in days(date(2024, 4, 4), date(2024, 4, 6)))
    assert CAL.is_workday(date(2024, 4, 7))  # Sunday make-up day
    assert CAL.add_workdays(date(2024, 4, 2), 2) == date(2024, 4, 7)
    assert CAL.add_workdays(date(2024, 4, 2), 1) == date(2024, 4, 3)


def test_labour_day_2024() -> None:
    assert not any(CAL.is_workday(d) for d in days(date(2024, 5, 1), date(2024, 5, 5)))
    assert CAL.is_workday(date(2024, 4, 28))  # Sunday make-up day
    assert CAL.is_workday(date(2024, 5, 11))  # Saturday make-up day
    assert CAL.add_workdays(date(2024, 4, 30), 1) == date(2024, 5, 6)
    # Tue 05-07 .. Sat 05-11 are five working days after Mon 05-06.
    assert CAL.add_workdays(date(2024, 5, 6), 5) == date(2024, 5, 11)
    # (04-26, 05-06]: 04-28 Sun make-up, 04-29, 04-30, then 05-01..05 off, 05-06.
    assert CAL.workdays_between(date(2024, 4, 26), date(2024, 5, 6)) == 4
    assert CAL.workdays_between(date(2024, 4, 26), date(2024, 5, 7)) == 5


def test_backwards_and_zero() -> None:
    assert CAL.add_workdays(date(2024, 4, 8), -1) == date(2024, 4, 7)
    assert CAL.add_workdays(date(2024, 4, 8), -2) == date(2024, 4, 3)
    assert CAL.add_workdays(date(2024, 5, 6), -1) == date(2024, 4, 30)
    assert CAL.add_workdays(date(2024, 4, 6), 0) == date(2024, 4, 6)


def test_next_workday() -> None:
    assert CAL.next_workday(date(2024, 4, 3)) == date(2024, 4, 3)
    assert CAL.next_workday(date(2024, 4, 3), include_self=False) == date(2024, 4, 7)
    assert CAL.next_workday(date(2024, 4, 4)) == date(2024, 4, 7)


def test_workdays_between_empty() -> None:
    assert CAL.workdays_between(date(2024, 4, 8), date(2024, 4, 8)) == 0
    assert CAL.workdays_between(date(2024, 4, 8), date(2024, 4, 1)) == 0
    assert CAL.workdays_between(date(2024, 4, 3), date(2024, 4, 6)) == 0


def test_extras_override() -> None:
    cal = WorkCalendar(
        extra_holidays=[date(2024, 4, 3), date(2024, 4, 7)],
        extra_workdays=[date(2024, 4, 6), date(2024, 4, 13)],
    )
    assert not cal.is_workday(date(2024, 4, 3))  # a normal Wednesday made a holiday
    assert not cal.is_workday(date(2024, 4, 7))  # a statutory make-up day cancelled
    assert cal.is_workday(date(2024, 4, 6))  # a statutory holiday made a working day
    assert cal.is_workday(date(2024, 4, 13))  # a Saturday made a working day
    assert cal.add_workdays(date(2024, 4, 2), 2) == date(2024, 4, 8)


def test_extras_conflict() -> None:
    with pytest.raises(ValueError, match="2024-04-03"):
        WorkCalendar(extra_holidays=[date(2024, 4, 3)], extra_workdays=[date(2024, 4, 3)])


def test_unknown_year_falls_back_and_warns_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_module, "_warned_years", set())
    cal = WorkCalendar(extra_holidays=[date(2031, 1, 1)], extra_workdays=[date(2031, 1, 4)])
    with caplog.at_level(logging.WARNING, logger="dudao.calendar"):
        assert not cal.is_workday(date(2031, 1, 1))  # extra holiday (a Wednesday)
        assert cal.is_workday(date(2031, 1, 2))  # Thursday
        assert cal.is_workday(date(2031, 1, 4))  # extra workday (a Saturday)
        assert not cal.is_workday(date(2031, 1, 5))  # Sunday
        assert cal.add_workdays(date(2031, 1, 3), 3) == date(2031, 1, 7)
        WorkCalendar().is_workday(date(2031, 6, 1))  # another calendar: still warned once
    records = [r for r in caplog.records if r.name == "dudao.calendar"]
    assert len(records) == 1
    assert "2031" in records[0].getMessage()


def test_fallback_warns_per_year(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_module, "_warned_years", set())
    with caplog.at_level(logging.WARNING, logger="dudao.calendar"):
        for d in days(date(2031, 12, 20), date(2032, 1, 10)):
            CAL.is_workday(d)
    assert len([r for r in caplog.records if r.name == "dudao.calendar"]) == 2


def test_thousands_of_calls_are_fast() -> None:
    cal = WorkCalendar()
    start, began = date(2024, 1, 1), time.monotonic()
    for i in range(5000):
        cal.add_workdays(start + timedelta(days=i % 300), 10)
    assert time.monotonic() - began < 10  # about 0.1 s with the per-date cache


def test_datetimes_are_dates() -> None:
    assert CAL.is_workday(datetime(2024, 4, 7, 15, 30))
    assert not CAL.is_workday(datetime(2024, 4, 4, 9, 0))


dates_known = st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 12, 1))


@settings(max_examples=300, deadline=None)
@given(d=dates_known, n=st.integers(min_value=1, max_value=40))
def test_add_workdays_properties(d: date, n: int) -> None:
    result = CAL.add_workdays(d, n)
    assert result > d
    assert CAL.is_workday(result)
    assert CAL.workdays_between(d, result) == n
    assert CAL.workdays_between(d, result - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(d=dates_known, n=st.integers(min_value=1, max_value=40))
def test_add_workdays_backwards_properties(d: date, n: int) -> None:
    result = CAL.add_workdays(d, -n)
    assert result < d
    assert CAL.is_workday(result)
    # (result, d] holds the n-1 working days in between, plus d itself if it is one.
    assert CAL.workdays_between(result, d) == n - 1 + int(CAL.is_workday(d))
    assert CAL.add_workdays(result, n) == CAL.next_workday(d)


@settings(max_examples=200, deadline=None)
@given(d=dates_known)
def test_next_workday_properties(d: date) -> None:
    nxt = CAL.next_workday(d)
    assert nxt >= d and CAL.is_workday(nxt)
    assert CAL.workdays_between(d, nxt) == (0 if nxt == d else 1)
    after = CAL.next_workday(d, include_self=False)
    assert after > d and CAL.workdays_between(d, after) == 1
