"""Reading a period as the office writes it (normalised text in, a Period out or PeriodError(text, "format")).

Months: 本月 上月 2024-03 2024年3月 2024.3 202403 9月(份) · weeks (ISO, Monday–Sunday): 本周 上周 第38周 2026年第38周
2026-W38 · days: 9月1日-9月30日 2025年9月1日~2025年9月30日 2025-09-01~2025-09-30 9.1-9.30 · ranges of months:
2024-03~2024-06 2024年3月至6月 · terms: by name, 本学期 (学期) 上学期 · years: 2025 2025年 今年 去年.
What names no year (9月, 第38周, 9月1日-…) is the most recent such period that has begun.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from bot.parsing.normalize import normalize
from bot.parsing.period_spans import (
    YEARS,
    Period,
    PeriodError,
    days_period,
    month_period,
    months_period,
    previous_full_week,
    previous_month,
    term_period,
    week_period,
    weeks_in,
    year_period,
)

_MONTH = r"(?P<y{n}>\d{{4}})\s*(?:年|[-./])\s*(?P<m{n}>\d{{1,2}})\s*(?:月份?)?"
_ONE_MONTH = re.compile(rf"^{_MONTH.format(n=1)}$")
_COMPACT = re.compile(r"^(?P<y1>\d{4})(?P<m1>\d{2})$")  # 202403
_BARE_MONTH = re.compile(r"^(?P<m>\d{1,2})\s*月份?$")  # 9月, 9月份
_YEAR = re.compile(r"^(?P<y>\d{4})\s*(?:年度?|年全年)?$")
_TO = r"\s*(?:~|〜|至|到|—+|–)\s*"
_RANGE = re.compile(rf"^{_MONTH.format(n=1)}{_TO}(?:{_MONTH.format(n=2)}|(?P<m3>\d{{1,2}})\s*月?)$")
_WEEK = re.compile(r"^(?:(?P<y>\d{4})\s*年\s*)?第\s*(?P<w>\d{1,2})\s*周$|^(?P<iy>\d{4})\s*-?\s*[Ww]\s*(?P<iw>\d{1,2})$")
_DAY = r"(?:(?P<y{n}>\d{{4}})\s*(?:年|[-./])\s*)?(?P<m{n}>\d{{1,2}})\s*(?:月|[-./])\s*(?P<d{n}>\d{{1,2}})\s*[日号]?"
_DAYS = re.compile(rf"^{_DAY.format(n=1)}\s*(?:~|〜|至|到|-|—+|–)\s*(?:{_DAY.format(n=2)}|(?P<d3>\d{{1,2}})\s*[日号])$")
_LOOK_BACK = 8  # years searched for the most recent 2月29日

_RELATIVE: dict[str, Callable[[date], Period]] = {
    **dict.fromkeys(("本月", "这个月", "当月"), lambda d: month_period(d.replace(day=1))),
    **dict.fromkeys(("上月", "上个月"), lambda d: month_period(previous_month(d))),
    **dict.fromkeys(("本周", "这周", "这一周", "本星期"), week_period),
    **dict.fromkeys(("上周", "上一周", "上个星期"), previous_full_week),
    **dict.fromkeys(("今年", "本年"), lambda d: year_period(d.year)),
    **dict.fromkeys(("去年", "上一年"), lambda d: year_period(d.year - 1)),
}
_THIS_TERM = frozenset({"本学期", "这学期", "这个学期", "学期", "当前学期"})  # a bare 学期 is this one
_LAST_TERM = frozenset({"上学期", "上个学期", "上一学期"})

Reader = Callable[[str, date, list], Period | None]


def read(text: str, today: date, terms: list) -> Period:
    """The period `text` (normalised) names; `terms` sorted by start. Raises PeriodError."""
    for reader in READERS:
        if (found := reader(text, today, terms)) is not None:
            return found
    raise PeriodError(text, "format")


def _relative(text: str, today: date, terms: list) -> Period | None:
    return _RELATIVE[text](today) if text in _RELATIVE else None


def _named_term(text: str, today: date, terms: list) -> Period | None:
    return next((term_period(t, terms) for t in terms if normalize(t.name) == text), None)


def _relative_term(text: str, today: date, terms: list) -> Period | None:
    """本学期: the term containing today; 上学期: the latest term that is over."""
    if text not in _THIS_TERM | _LAST_TERM:
        return None
    begun = [term_period(t, terms) for t in terms if t.starts <= today]
    wanted = [p for p in begun if (p.is_current(today) if text in _THIS_TERM else p.is_over(today))]
    if not wanted:
        raise PeriodError(text, "no_term")
    return wanted[-1]


def _month(text: str, today: date, terms: list) -> Period | None:
    if match := (_ONE_MONTH.match(text) or _COMPACT.match(text)):
        return month_period(_month_start(text, match["y1"], match["m1"]))
    if match := _BARE_MONTH.match(text):
        start = _month_start(text, str(today.year), match["m"])
        return month_period(start if start <= today else start.replace(year=start.year - 1))
    return None


def _year(text: str, today: date, terms: list) -> Period | None:
    if not (match := _YEAR.match(text)):
        return None
    if (year := int(match["y"])) not in YEARS:
        raise PeriodError(text, "format")
    return year_period(year)


def _week(text: str, today: date, terms: list) -> Period | None:
    """第N周 is the current ISO year's week N, or last year's when that has not begun; with a year, that year's."""
    if not (match := _WEEK.match(text)):
        return None
    written, number = match["y"] or match["iy"], int(match["w"] or match["iw"])
    years = [int(written)] if written else [today.isocalendar().year, today.isocalendar().year - 1]
    for year in years:
        if year in YEARS and 1 <= number <= weeks_in(year):
            monday = date.fromisocalendar(year, number, 1)
            if written or monday <= today:
                return week_period(monday)
    raise PeriodError(text, "format")


def _month_range(text: str, today: date, terms: list) -> Period | None:
    if not (match := _RANGE.match(text)):
        return None
    first = _month_start(text, match["y1"], match["m1"])
    last = _month_start(text, match["y2"] or match["y1"], match["m2"] or match["m3"])
    if last < first:
        raise PeriodError(text, "order")
    return months_period(first, last)


def _days(text: str, today: date, terms: list) -> Period | None:
    """A range of days; a start without a year is the most recent such day begun, an end without one is in the
    start's year."""
    if not (match := _DAYS.match(text)):
        return None
    m1, d1 = int(match["m1"]), int(match["d1"])
    m2, d2 = int(match["m2"] or m1), int(match["d2"] or match["d3"])
    first: date | None
    if year := match["y1"] or match["y2"]:
        first = _day(text, int(year), m1, d1)
    else:
        begun = (_valid(y, m1, d1) for y in range(today.year, today.year - _LOOK_BACK, -1))
        first = next((d for d in begun if d is not None and d <= today), None)
        if first is None:
            raise PeriodError(text, "format")
    last = _day(text, int(match["y2"] or first.year), m2, d2)
    if last < first:
        raise PeriodError(text, "order")
    return days_period(first, last)


def _month_start(text: str, year: str, month: str) -> date:
    y, m = int(year), int(month)
    if y not in YEARS or not 1 <= m <= 12:
        raise PeriodError(text, "format")
    return date(y, m, 1)


def _day(text: str, year: int, month: int, day: int) -> date:
    if year not in YEARS or (found := _valid(year, month, day)) is None:
        raise PeriodError(text, "format")
    return found


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


READERS: tuple[Reader, ...] = (_relative, _named_term, _relative_term, _month, _year, _week, _month_range, _days)
