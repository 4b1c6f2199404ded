"""Start-of-term checks (开学检查): the check windows of calendar.terms and which schools have been checked.

A term's window runs from `starts + check_window[0]` to `starts + check_window[1]` days, both days included.
A school is checked for a term when its current 开学检查 submission (period = the term's name) says 完成.
Findings logged at a school during the window count toward its check (they are its check's findings).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import Roster
from bot.storage import models as m

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


async def checks(session: AsyncSession, term: str) -> dict[int, dict]:
    """School id → {"done", "problems", "person_id", "at"} of its current check for `term`."""
    rows = await session.execute(select(m.Submission.school_id, m.Submission.data, m.Submission.person_id,
                                        m.Submission.at).where(
        m.Submission.kind == KIND, m.Submission.period == term, m.Submission.superseded_at.is_(None),
        m.Submission.school_id.is_not(None)))
    return {sid: dict(done=bool((data or {}).get("done", True)), problems=(data or {}).get("problems"),
                      person_id=pid, at=at) for sid, data, pid, at in rows.all()}


def window_bounds(window: TermWindow, roster: Roster) -> tuple[datetime, datetime]:
    start = datetime.combine(window.opens, time(0), roster.tz)
    return start, datetime.combine(window.closes + timedelta(days=1), time(0), roster.tz)


async def window_findings(session: AsyncSession, window: TermWindow, roster: Roster,
                          school_id: int | None = None) -> dict[int, list[int]]:
    """School id → the numbers of findings logged there during the window (withdrawn ones left out)."""
    start, end = window_bounds(window, roster)
    q = select(m.Finding.school_id, m.Finding.number).where(
        m.Finding.created_at >= start, m.Finding.created_at < end, m.Finding.status != "withdrawn")
    if school_id is not None:
        q = q.where(m.Finding.school_id == school_id)
    found: dict[int, list[int]] = defaultdict(list)
    for sid, number in (await session.execute(q.order_by(m.Finding.number))).all():
        found[sid].append(number)
    return found


async def window_finding_counts(session: AsyncSession, window: TermWindow, roster: Roster) -> dict[int, int]:
    """District id → how many findings were logged during the window (grouped by school, then folded)."""
    start, end = window_bounds(window, roster)
    school = (m.Finding.school_id + 0).label("school")  # see bot.reports.aggregates.SCHOOL
    rows = await session.execute(select(school, func.count()).where(
        m.Finding.created_at >= start, m.Finding.created_at < end, m.Finding.status != "withdrawn")
        .group_by(school))
    counts: dict[int, int] = defaultdict(int)
    for school_id, n in rows.all():
        if school_id in roster.schools:
            counts[roster.schools[school_id].district_id] += n
    return counts
