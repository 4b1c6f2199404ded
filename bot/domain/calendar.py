"""Chinese working days: statutory holidays and 调休 make-up days, plus a county's own extras.

The statutory calendar comes from the `chinese_calendar` package, which knows a fixed range of
years. For any other year the calendar falls back to "Monday to Friday, plus the county lists"
and logs one warning per year per process, so an outdated package degrades instead of crashing.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import chinese_calendar

logger = logging.getLogger("dudao.calendar")

# Years for which the fallback warning was already logged (process-wide, on purpose).
_warned_years: set[int] = set()

_ONE_DAY = timedelta(days=1)


def _statutory_workday(d: date) -> bool:
    """The package's answer, or weekdays-only for a year it does not know (warned once)."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        if d.year not in _warned_years:
            _warned_years.add(d.year)
            logger.warning(
                "chinese_calendar has no holiday data for %d; treating Monday-Friday as working "
                "days (add the year's holidays to calendar.extra_holidays / extra_workdays, "
                "or upgrade chinesecalendar)",
                d.year,
            )
        return d.weekday() < 5


class WorkCalendar:
    """Answers "is this a working day?" and counts working days.

    extra_holidays are never working days and extra_workdays always are (county decisions,
    e.g. a local holiday, or next year's official calendar before the package knows it).
    A date may not be in both lists.
    """

    def __init__(
        self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)
        both = self._extra_holidays & self._extra_workdays
        if both:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates both extra holidays and extra workdays: {days}")
        self._cache: dict[date, bool] = {}

    @property
    def extra_holidays(self) -> frozenset[date]:
        return self._extra_holidays

    @property
    def extra_workdays(self) -> frozenset[date]:
        return self._extra_workdays

    def is_workday(self, d: date) -> bool:
        if isinstance(d, datetime):
            d = d.date()
        cached = self._cache.get(d)
        if cached is None:
            if d in self._extra_holidays:
                cached = False
            elif d in self._extra_workdays:
                cached = True
            else:
                cached = _statutory_workday(d)
            self._cache[d] = cached
        return cached

    def add_workdays(self, d: date, n: int) -> date:
        """The nth working day after d (n > 0), before d (n < 0), or d itself (n == 0).

        d itself never counts, whether or not it is a working day.
        """
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_workday(d):
                remaining -= 1
        return d

    def next_workday(self, d: date, include_self: bool = True) -> date:
        """The first working day on or after d (strictly after d if include_self is False)."""
        if include_self and self.is_workday(d):
            return d
        return self.add_workdays(d, 1)

    def workdays_between(self, a: date, b: date) -> int:
        """The number of working days in (a, b]: after a, up to and including b; 0 if b <= a."""
        count = 0
        d = a
        while d < b:
            d += _ONE_DAY
            if self.is_workday(d):
                count += 1
        return count

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(extra_holidays={len(self._extra_holidays)}, "
            f"extra_workdays={len(self._extra_workdays)})"
        )
