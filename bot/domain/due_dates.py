"""From a DeadlineSpec and today to the due date, on the county's calendar (working days, term starts).

A date that has already passed is never moved to next year in silence: a yearless date is this year's, or next
year's when that is less than half a year away (1月10日前 written in December); otherwise DeadlinePast.
"""
from __future__ import annotations

import calendar as _months
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Protocol

from bot.domain.calendar import WorkCalendar
from bot.domain.deadline_spec import WEEKDAYS, DeadlineError, DeadlinePast, DeadlineSpec

NEXT_YEAR_WITHIN = timedelta(days=183)


class HasStart(Protocol):
    starts: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, _months.monthrange(year, month)[1])


def _not_past(due: date, today: date, label: str) -> date:
    if due < today:
        raise DeadlinePast(label, due)
    return due


def _in_year(make: Callable[[int], date], year: int) -> date | None:
    try:
        return make(year)
    except ValueError:  # 2月29日 in a common year
        return None


def _yearless(today: date, label: str, make: Callable[[int], date]) -> date:
    """This year's date if still ahead, else next year's if near, else DeadlinePast (this year's date)."""
    this = _in_year(make, today.year)
    if this is not None and this >= today:
        return this
    nxt = _in_year(make, today.year + 1)
    if nxt is not None and nxt - today <= NEXT_YEAR_WITHIN:
        return nxt
    if this is None:
        raise DeadlineError(f"no {label} this year", f"今年没有“{label}”，请写明年份。")
    raise DeadlinePast(label, this)


def _date(spec: DeadlineSpec, today: date) -> date:
    label = spec.text or spec.date_label()
    if spec.year is not None:
        return _not_past(date(spec.year, spec.month, spec.day), today, label)
    return _yearless(today, label, lambda y: date(y, spec.month, spec.day))


def _day(spec: DeadlineSpec, today: date) -> date:
    label = spec.text or f"{spec.day}日"
    try:
        due = date(today.year, today.month, spec.day)
    except ValueError:
        raise DeadlineError(f"no {label} this month", f"本月没有“{label}”，请写明月份，如“{today.month % 12 + 1}月"
                            f"{spec.day}日前”。") from None
    return _not_past(due, today, label)


NEXT_TERM_WITHIN = timedelta(days=200)  # a term lasts at most 6 months: a start further off skips a term unknown


def _term_start(spec: DeadlineSpec, today: date, terms: Iterable[HasStart]) -> date:
    """The next term's start — only when the calendar knows the next term: a start more than half a year away is
    the one after it, and a date a year away would be a wrong deadline, so the sender is asked for a date."""
    starts = sorted(t.starts for t in terms if t.starts > today)
    if not starts or starts[0] - today > NEXT_TERM_WITHIN:
        example = today + timedelta(days=14)
        raise DeadlineError("no term start ahead in calendar.terms",
                            f"县里的校历中还没有下一学期的开学日期，“开学前”是哪一天？请写明日期再发一次，"
                            f"如“{example.month}月{example.day}日前”。")
    return starts[0]


def due_date(spec: DeadlineSpec, today: date, cal: WorkCalendar, terms: Iterable[HasStart] = ()) -> date:
    """The local date by whose end the deadline falls (`terms`: the county's calendar.terms, for 开学前).

    Raises DeadlinePast for a date already past, DeadlineError for one that cannot be.
    """
    kind = spec.kind
    if kind == "days":
        return today + timedelta(days=spec.n)
    if kind == "workdays":
        return cal.add_workdays(today, spec.n)
    if kind == "date":
        return _date(spec, today)
    if kind == "day":
        return _day(spec, today)
    monday = today - timedelta(days=today.weekday())
    if kind == "weekday":
        due = monday + timedelta(days=7 * spec.n + spec.day - 1)
        if due < today:  # 本周五前 sent on a Sunday: next week's Friday is what is likely meant
            raise DeadlinePast(spec.text or spec.canonical(), due, instead=f"下周{WEEKDAYS[spec.day - 1]}前",
                               instead_due=due + timedelta(days=7))
        return due
    if kind == "week_end":
        return monday + timedelta(days=7 * spec.n + 6)
    if kind == "month_end" and spec.month:
        return _yearless(today, spec.text or spec.canonical(), lambda y: _month_end(y, spec.month))
    if kind == "month_end":
        first = date(today.year, today.month, 1) + timedelta(days=32 * spec.n)
        return _month_end(first.year, first.month)
    return _term_start(spec, today, terms)
