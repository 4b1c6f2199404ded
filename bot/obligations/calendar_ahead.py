"""Does the county's calendar reach far enough? When no term covers some day of the coming LOOK_AHEAD days, the
start-of-term checks, 开学前 and 本学期 would go wrong without a word: the office room is told once
(reminders/calendar_gap.py) and `dudao doctor` says so — both with the line to add to the county file.

A term covers its span as bot.parsing.period_spans.term_period reads it: from its start to the day before the next
term starts, at most TERM_MONTHS months (the summer and winter holidays between two terms of the calendar count as
covered: they belong to the term before).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.parsing.period_spans import Term, term_period

LOOK_AHEAD = timedelta(days=60)
_NAME = re.compile(r"^(?P<y>\d{4})年(?P<s>春|秋)季学期$")
SPRING_START = (2, 20)  # a guess at the next 春季学期's start, for the line to add (the county's own date rules)
AUTUMN_START = (9, 1)


@dataclass(frozen=True)
class CalendarGap:
    """The first day of the coming LOOK_AHEAD days no term covers, the term before it (None: none), and the term
    to add: its name and a proposed start."""

    first: date
    after: str | None
    name: str
    starts: date

    @property
    def key(self) -> str:
        """Said once per gap: the term before it names it (adding a term moves the gap, or closes it)."""
        return f"calendar_gap:{self.after or '-'}"

    @property
    def line(self) -> str:
        """The line to add under calendar.terms of a YAML county file."""
        return f"- {{name: {self.name}, starts: {self.starts.isoformat()}, check_window: [-7, 14]}}"


def calendar_gap(terms: Iterable[Term], today: date) -> CalendarGap | None:
    """The first uncovered day in [today, today + LOOK_AHEAD], or None when the calendar reaches that far."""
    ordered = sorted(terms, key=lambda t: t.starts)
    spans = [(t, term_period(t, ordered)) for t in ordered]
    day, end = today, today + LOOK_AHEAD
    while day <= end:
        covering = next((p for _, p in spans if p.first <= day <= p.last), None)
        if covering is None:
            before = [t for t, p in spans if p.last < day]
            after = before[-1] if before else None
            name, starts = next_term(after.name if after else None, day)
            return CalendarGap(first=day, after=after.name if after else None, name=name, starts=starts)
        day = covering.last + timedelta(days=1)
    return None


def next_term(previous: str | None, day: date) -> tuple[str, date]:
    """The term after `previous` (by its name, 2027年春季学期 → 2027年秋季学期), else the term around `day`."""
    if previous and (match := _NAME.match(previous)):
        year = int(match["y"])
        if match["s"] == "春":
            return f"{year}年秋季学期", date(year, *AUTUMN_START)
        return f"{year + 1}年春季学期", date(year + 1, *SPRING_START)
    if 3 <= day.month <= 8:
        return f"{day.year}年秋季学期", date(day.year, *AUTUMN_START)
    year = day.year + 1 if day.month >= 9 else day.year
    return f"{year}年春季学期", date(year, *SPRING_START)
