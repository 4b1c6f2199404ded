"""SQL helpers of the desk's filters and the weekly digest's look-ahead: the 三色督办 red condition and the findings
falling due in a span. The office's figures themselves are bot.reports.as_of's (one definition each).

Grouped by `school_id + 0`, not the column: SQLite (without ANALYZE) would walk the whole school_id index to spare
itself a sort, reading a million rows (2 s) where the status or date index finds the few thousand (0.1 s).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select

from bot.domain.colour import colour
from bot.domain.roster import Roster
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.storage.session import Session

F = m.Finding
ACTIVE = F.status.in_(ledger.ACTIVE)
SCHOOL = (F.school_id + 0).label("school")  # see the module's docstring


async def red_condition(session: Session, roster: Roster, now: datetime) -> ColumnElement[bool]:
    """A SQL condition true for the active findings coloured red (红色督办) at `now` (none while 申诉中)."""
    rows = await session.execute(select(F.status, F.due_date, func.min(F.deadline_at)).where(ACTIVE)
                                 .group_by(F.status, F.due_date))
    red: dict[str, list[date]] = defaultdict(list)
    for status, due, deadline_at in rows.all():
        if colour(status, deadline_at, due, now, roster, appealing=False) == "red":  # the appeal: below
            red[status].append(due)
    if not red:
        return false()
    return and_(F.appealed_at.is_(None),
                or_(*(and_(F.status == status, F.due_date.in_(days)) for status, days in red.items())))


async def due(session: Session, roster: Roster, first: date, last: date) -> dict[int, int]:
    """Per school: active findings due on a day in [first, last] (by deadline: the status index serves it)."""
    lo, hi = ledger.deadline_instant(first, roster.tz), ledger.deadline_instant(last, roster.tz)
    q = select(SCHOOL, func.count()).where(ACTIVE, F.deadline_at >= lo, F.deadline_at <= hi).group_by(SCHOOL)
    return dict((await session.execute(q)).all())


def in_roster(per_school: dict, roster: Roster) -> dict:
    return {sid: v for sid, v in per_school.items() if sid in roster.schools}
