"""Start-of-term check progress (开学检查): which schools have been checked, and the findings logged in a window.

A school is checked for a term when its current 开学检查 submission (period = the term's name) says 完成.
Findings logged at a school during the window count toward its check (they are its check's findings).
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from bot.domain.roster import Roster
from bot.obligations.term_windows import KIND, TermWindow, window_bounds
from bot.storage import models as m
from bot.storage.session import Session


async def checks(session: Session, term: str) -> dict[int, dict]:
    """School id → {"done", "problems", "person_id", "at"} of its current check for `term`."""
    rows = await session.execute(select(m.Submission.school_id, m.Submission.data, m.Submission.person_id,
                                        m.Submission.at).where(
        m.Submission.kind == KIND, m.Submission.period == term, m.Submission.superseded_at.is_(None),
        m.Submission.school_id.is_not(None)))
    return {sid: dict(done=bool((data or {}).get("done", True)), problems=(data or {}).get("problems"),
                      person_id=pid, at=at) for sid, data, pid, at in rows.all()}


async def window_findings(session: Session, window: TermWindow, roster: Roster,
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


async def window_finding_counts(session: Session, window: TermWindow, roster: Roster) -> dict[int, int]:
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
