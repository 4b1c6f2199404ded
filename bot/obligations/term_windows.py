"""Start-of-term checks (开学检查): the check windows of calendar.terms, and which window a check sent today is for.

A term's window runs from `starts + check_window[0]` to `starts + check_window[1]` days, both days included.
Which schools have been checked, and the findings logged during a window, are read by bot.reports.term_checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.roster import Roster

KIND = "开学检查"
LATE_DAYS = 30  # a check may still be recorded this many days after its window closed (补报)


@dataclass(frozen=True)
class TermWindow:
    name: str
    starts: date
    opens: date
    closes: date  # the window's last day

    def covers(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def windows(roster: Roster) -> list[TermWindow]:
    found = [TermWindow(t.name, t.starts, t.starts + timedelta(days=t.check_window[0]),
                        t.starts + timedelta(days=t.check_window[1])) for t in roster.terms]
    return sorted(found, key=lambda w: w.starts)


def window_for_entry(roster: Roster, today: date) -> tuple[TermWindow | None, bool]:
    """The term a check sent today is for, and whether it is late: the open window, else one closed lately."""
    every = windows(roster)
    current = [w for w in every if w.covers(today)]
    if current:
        return current[-1], False
    recent = [w for w in every if w.closes < today <= w.closes + timedelta(days=LATE_DAYS)]
    return (recent[-1], True) if recent else (None, False)


def window_bounds(window: TermWindow, roster: Roster) -> tuple[datetime, datetime]:
    start = datetime.combine(window.opens, time(0), roster.tz)
    return start, datetime.combine(window.closes + timedelta(days=1), time(0), roster.tz)
