"""Periods as the office writes them, for the 通报, the 考核, the exports and the weekly digest — one reader shared
by chat, CLI and desk: a month (本月, 上月, 2024-03, 2024年3月, 9月), an ISO week (本周, 上周, 第38周, 2026-W38), a
range of days (9月1日-9月30日, 2025-09-01~2025-09-30), a range of months (2024-03~2024-06), a term (by name, 本学期,
上学期) or a year (2025, 今年, 去年). The forms are read in bot.parsing.period_words; the spans are built in
bot.parsing.period_spans. A period that has not begun yet is refused: there is nothing to count.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.parsing.normalize import normalize
from bot.parsing.period_spans import (
    Kind,
    Period,
    PeriodError,
    Term,
    month_period,
    previous_full_week,
    week_period,
    year_period,
)
from bot.parsing.period_words import read

__all__ = ["Kind", "Period", "PeriodError", "month_period", "parse_period", "previous_full_week", "week_period",
           "year_period"]


def parse_period(text: str, today: date, terms: Iterable[Term] = (), *, months_only: bool = False) -> Period:
    """The period `text` names (`terms`: the county's calendar.terms, each with .name and .starts). Raises
    PeriodError; `months_only` refuses anything but one month (the 通报 is monthly)."""
    ordered = sorted(terms, key=lambda t: t.starts)
    try:
        found = read(normalize(text).strip(), today, ordered)
    except PeriodError as err:
        raise PeriodError(err.text, err.why, today) from None
    if months_only and not found.is_month:
        raise PeriodError(text, "not_month", today)
    if found.first > today:
        raise PeriodError(text, "future", today)
    return found
