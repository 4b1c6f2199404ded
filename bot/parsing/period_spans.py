"""The spans a period can be — a month, an ISO week, a term, a range of months, a year or a range of days — and the
error that says why a text names none. bot.parsing.period_words reads the text; bot.parsing.periods is the door.

A term runs from its start to the day before the next term starts, and at most TERM_MONTHS months (the county file
names terms, not their ends).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

TERM_MONTHS = 6
SHOWN = 30  # characters of the text an answer repeats (2025-09-01~2025-09-30 is 21)
YEARS = range(2000, 2100)  # anything else is a typo, not a period (and keeps the date arithmetic in range)
Kind = Literal["month", "week", "term", "range", "year", "days"]


class Term(Protocol):
    """A term of the county's calendar (bot.county.schema.Term): what a period needs of it."""

    @property
    def name(self) -> str: ...

    @property
    def starts(self) -> date: ...


class PeriodError(ValueError):
    """Text that names no period we can count. `why`: format (unreadable), future (not begun: its first day is after
    today), order (a range ending before it starts), not_month (a month was needed), no_term (本学期/上学期 when the
    county's calendar has no such term). `today` (when known) makes the examples in the answer current."""

    def __init__(self, text: str, why: str, today: date | None = None) -> None:
        super().__init__(f"{why}: {text!r}")
        self.text, self.why, self.today = text, why, today

    def values(self, terms: Iterable[Term] = ()) -> dict:
        """Plain values for templates/errors/period_bad.j2: the text as written (cut at SHOWN characters), the reason,
        up to two term names (the latest begun first) and an example of every form we read."""
        shown = self.text if len(self.text) <= SHOWN else self.text[:SHOWN] + "…"
        listed = list(terms)
        if self.today is not None:  # the terms nearest today first: an example that means something now
            today = self.today
            listed.sort(key=lambda t: (t.starts > today, abs((t.starts - today).days)))
        names = [t.name for t in listed]
        return dict(text=shown, why=self.why, terms=names[:2], examples=examples(self.today, terms=bool(names)))


def examples(today: date | None = None, *, terms: bool = True) -> list[str]:
    """One example of each form parse_period reads (本学期 only when the county names terms), taken from the month
    and the week before `today`'s."""
    month = previous_month((today or date(2025, 10, 15)).replace(day=1))
    week = previous_full_week(today or date(2025, 9, 22)).first.isocalendar().week
    end = month_end(month).day
    return ["本月", "上月", f"{month.year}年{month.month}月", f"{month.month}月", "本周", "上周", f"第{week}周",
            f"{month.month}月1日-{month.month}月{end}日", *(["本学期"] if terms else []), f"{month.year}年"]


@dataclass(frozen=True)
class Period:
    """A span of county days, both ends included."""

    first: date
    last: date
    label: str  # 2024年3月 / 2024年 / 2024年3月至6月 / 2024年春季学期 / 2026年第38周（9月14日—9月20日）
    slug: str  # for file names and links: 2024-03 / 2024 / 2024-03~2024-06 / 2024年春季学期 / 2026-W38
    kind: Kind

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and month_end(self.first) == self.last

    def is_current(self, today: date) -> bool:
        return self.first <= today <= self.last

    def is_over(self, today: date) -> bool:
        return self.last < today

    def bounds(self, tz: ZoneInfo, now: datetime | None = None) -> tuple[datetime, datetime]:
        """[its first local midnight, the local midnight after its last day) — cut at `now` when given."""
        start = datetime.combine(self.first, time(0), tz)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tz)
        return start, min(end, now) if now is not None else end

    def month_starts(self) -> list[date]:
        """The first day of every month the period touches."""
        out, day = [], self.first.replace(day=1)
        while day <= self.last:
            out.append(day)
            day = next_month(day)
        return out


def month_period(month_start: date) -> Period:
    return Period(month_start, month_end(month_start), f"{month_start.year}年{month_start.month}月",
                  f"{month_start.year}-{month_start.month:02d}", "month")


def months_period(first: date, last: date) -> Period:
    """From the month of `first` to the end of the month of `last` (one month is a month)."""
    if first == last:
        return month_period(first)
    label = f"{first.year}年{first.month}月至{'' if first.year == last.year else f'{last.year}年'}{last.month}月"
    return Period(first, month_end(last), label, f"{first.year}-{first.month:02d}~{last.year}-{last.month:02d}",
                  "range")


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), f"{year}年", str(year), "year")


def week_period(day: date) -> Period:
    """The ISO week (Monday–Sunday) containing `day`, named by its ISO year and number."""
    year, week, weekday = day.isocalendar()
    first = day - timedelta(days=weekday - 1)
    last = first + timedelta(days=6)
    label = f"{year}年第{week}周（{_day(first, year)}—{_day(last, year)}）"
    return Period(first, last, label, f"{year}-W{week:02d}", "week")


def previous_full_week(day: date) -> Period:
    """The ISO week before the one containing `day` (on a Monday: the week that ended yesterday)."""
    return week_period(day - timedelta(days=7))


def weeks_in(iso_year: int) -> int:
    return date(iso_year, 12, 28).isocalendar().week


def days_period(first: date, last: date) -> Period:
    """The days from `first` to `last`; a whole calendar month is that month."""
    if first.day == 1 and last == month_end(first):
        return month_period(first)
    slug = first.isoformat() if first == last else f"{first.isoformat()}~{last.isoformat()}"
    if first == last:
        return Period(first, last, _day(first, None), slug, "days")
    return Period(first, last, f"{_day(first, None)}至{_day(last, first.year)}", slug, "days")


def term_period(term: Term, terms: Iterable[Term]) -> Period:
    """`term` (with .name and .starts) up to the day before the next of `terms` starts, at most TERM_MONTHS."""
    later = sorted(t.starts for t in terms if t.starts > term.starts)
    cap = add_months(term.starts, TERM_MONTHS) - timedelta(days=1)
    last = min([cap, *(d - timedelta(days=1) for d in later[:1])])
    return Period(term.starts, last, term.name, term.name, "term")


def _day(day: date, year: int | None) -> str:
    """9月14日, with its year when it is not `year`."""
    return f"{'' if day.year == year else f'{day.year}年'}{day.month}月{day.day}日"


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(day.day, month_end(first).day))
