"""Periods as the office writes them, for the 通报, the 考核 and the exports: a month (2024-03, 2024年3月, 2024.3,
本月, 上月), a year (2024, 2024年), a range of months (2024-03~2024-06, 2024年3月至6月) or a term named in the county
file's calendar (2024年春季学期).

A term runs from its start to the day before the next term starts, and at most TERM_MONTHS months (the county file
names terms, not their ends). A period that has not begun yet is refused: there is nothing to count.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.parsing.normalize import normalize

TERM_MONTHS = 6
YEARS = range(2000, 2100)  # anything else is a typo, not a period (and keeps the date arithmetic in range)
_MONTH = r"(?P<y{n}>\d{{4}})\s*(?:年|[-./])\s*(?P<m{n}>\d{{1,2}})\s*月?"
_ONE_MONTH = re.compile(rf"^{_MONTH.format(n=1)}$")
_COMPACT = re.compile(r"^(?P<y1>\d{4})(?P<m1>\d{2})$")  # 202403
_YEAR = re.compile(r"^(?P<y>\d{4})\s*(?:年度?|年全年)?$")
_RANGE = re.compile(rf"^{_MONTH.format(n=1)}\s*(?:~|～|至|到|—+|–)\s*(?:{_MONTH.format(n=2)}|(?P<m3>\d{{1,2}})\s*月?)$")
_RELATIVE = {"本月": 0, "这个月": 0, "当月": 0, "上月": -1, "上个月": -1}


class PeriodError(ValueError):
    """Text that names no period we can count. `why`: format (unreadable), future (not begun), order (a range
    ending before it starts), not_month (a month was needed)."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"{why}: {text!r}")
        self.text, self.why = text, why

    def values(self, terms: Iterable[object] = ()) -> dict:
        """Plain values for templates/errors/period_bad.j2."""
        shown = self.text if len(self.text) <= 20 else self.text[:20] + "…"
        return dict(text=shown, why=self.why, terms=[t.name for t in terms][:2])


@dataclass(frozen=True)
class Period:
    """A span of county days, both ends included."""

    first: date
    last: date
    label: str  # 2024年3月 / 2024年 / 2024年3月至6月 / 2024年春季学期
    slug: str  # for file names and links: 2024-03 / 2024 / 2024-03~2024-06 / 2024年春季学期

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and _month_end(self.first) == self.last

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
            day = _next_month(day)
        return out


def month_period(month_start: date) -> Period:
    return Period(month_start, _month_end(month_start), f"{month_start.year}年{month_start.month}月",
                  f"{month_start.year}-{month_start.month:02d}")


def parse_period(text: str, today: date, terms: Iterable[object] = (), *, months_only: bool = False) -> Period:
    """The period `text` names (`terms`: the county's calendar.terms, each with .name and .starts). Raises
    PeriodError; `months_only` refuses anything but one month (the 通报 is monthly)."""
    terms = sorted(terms, key=lambda t: t.starts)
    found = _read(normalize(text).strip(), today, terms)
    if months_only and not found.is_month:
        raise PeriodError(text, "not_month")
    if found.first > today:
        raise PeriodError(text, "future")
    return found


def _read(text: str, today: date, terms: list) -> Period:
    if text in _RELATIVE:
        start = today.replace(day=1)
        return month_period(_previous_month(start) if _RELATIVE[text] else start)
    for t in terms:
        if normalize(t.name) == text:
            return _term(t, terms)
    if match := (_ONE_MONTH.match(text) or _COMPACT.match(text)):
        return month_period(_month(text, match.group("y1"), match.group("m1")))
    if match := _YEAR.match(text):
        year = int(match.group("y"))
        if year not in YEARS:
            raise PeriodError(text, "format")
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year}年", str(year))
    if match := _RANGE.match(text):
        first = _month(text, match.group("y1"), match.group("m1"))
        last = _month(text, match.group("y2") or match.group("y1"), match.group("m2") or match.group("m3"))
        if last < first:
            raise PeriodError(text, "order")
        if last == first:
            return month_period(first)
        same_year = first.year == last.year
        label = f"{first.year}年{first.month}月至{'' if same_year else f'{last.year}年'}{last.month}月"
        return Period(first, _month_end(last), label,
                      f"{first.year}-{first.month:02d}~{last.year}-{last.month:02d}")
    raise PeriodError(text, "format")


def _month(text: str, year: str, month: str) -> date:
    y, m = int(year), int(month)
    if y not in YEARS or not 1 <= m <= 12:
        raise PeriodError(text, "format")
    return date(y, m, 1)


def _term(term: object, terms: list) -> Period:
    later = [t.starts for t in terms if t.starts > term.starts]
    cap = _add_months(term.starts, TERM_MONTHS) - timedelta(days=1)
    last = min([cap, *(d - timedelta(days=1) for d in later[:1])])
    return Period(term.starts, last, term.name, term.name)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_end(day: date) -> date:
    return _next_month(day) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(day.day, _month_end(first).day))
