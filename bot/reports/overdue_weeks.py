"""How many findings were 整改逾期 at the end of each of the last weeks (逾期趋势): 待整改 at that moment and past the
deadline they had then (bot.domain.figures; a 待验收 finding is the supervisor's to verify, not the school's delay).

One read of the findings open at some week's end (bot.reports.as_of.live_at), each folded to its state at every
week's end.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain import figures
from bot.domain.roster import Roster
from bot.reports.as_of import live_at
from bot.storage.session import Session

WEEKS = 12


@dataclass(frozen=True)
class Week:
    starts: date  # Monday (county date)
    ends: date  # Sunday
    at: datetime  # the instant counted: the end of Sunday, or now for the week under way
    overdue: int


def week_ends(roster: Roster, now: datetime, weeks: int = WEEKS) -> list[tuple[date, date, datetime]]:
    """The last `weeks` weeks, oldest first: (Monday, Sunday, the instant counted)."""
    today = now.astimezone(roster.tz).date()
    monday = today - timedelta(days=today.weekday())
    out = []
    for back in range(weeks - 1, -1, -1):
        starts = monday - timedelta(weeks=back)
        ends = starts + timedelta(days=6)
        out.append((starts, ends, min(figures.day_end(ends, roster.tz), now)))
    return out


async def overdue_by_week(session: Session, roster: Roster, now: datetime, school_ids: set[int] | None = None,
                          weeks: int = WEEKS) -> list[Week]:
    """For each of the last `weeks` weeks (oldest first), the findings 整改逾期 at its end — only at `school_ids`
    when given (None: every school)."""
    spans = week_ends(roster, now, weeks)
    found = await live_at(session, roster, [at for _, _, at in spans], now, school_ids)
    return [Week(starts, ends, at, sum(figures.rectify_overdue(f.status, f.deadline_at, at, appealing=f.appealing)
                                       for f in found[at]))
            for starts, ends, at in spans]
