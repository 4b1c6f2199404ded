"""How many findings were overdue at the end of each of the last weeks (逾期趋势): open (待整改 or 待验收) and past the
deadline they had at that moment. Withdrawn findings are left out, as on the desk's other charts.

The count is one SQL query with a CASE column per week, over the findings that were still open at some point of
the span (the status index finds the open ones, the closed_at index those closed since). A deadline moved during
the span (#延期, or #修改 of the deadline) is the one exception: the current deadline_at does not say what the
deadline was at an earlier week's end, so those few findings are counted in Python from their events, each with
the deadline it had then.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import Roster
from bot.ledger import lifecycle as ledger
from bot.storage import models as m

F = m.Finding
E = m.FindingEvent
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
        end_instant = datetime.combine(ends + timedelta(days=1), time(0), roster.tz)
        out.append((starts, ends, min(end_instant, now)))
    return out


def _overdue_at(at: datetime, created: datetime, closed: datetime | None, deadline: datetime) -> bool:
    return created <= at and (closed is None or closed > at) and at >= deadline


async def overdue_by_week(session: AsyncSession, roster: Roster, now: datetime, school_ids: set[int] | None = None,
                          weeks: int = WEEKS) -> list[Week]:
    """For each of the last `weeks` weeks (oldest first), the findings overdue at its end — only at `school_ids`
    when given (None: every school)."""
    spans = week_ends(roster, now, weeks)
    first, last = spans[0][2], spans[-1][2]
    scope = [F.status != ledger.WITHDRAWN, F.created_at <= last,
             or_(F.status.in_(ledger.ACTIVE), F.closed_at > first)]
    if school_ids is not None:
        scope.append(F.school_id.in_(sorted(school_ids)))
    moved = await _moved_deadlines(session, scope, first)
    columns = [func.coalesce(func.sum(case((and_(F.created_at <= at, or_(F.closed_at.is_(None), F.closed_at > at),
                                                 F.deadline_at <= at), 1), else_=0)), 0)
               for _, _, at in spans]
    query = select(*columns).where(*scope)
    if moved:
        query = query.where(F.id.not_in(sorted(moved)))
    counts = list((await session.execute(query)).one())
    if moved:
        rows = (await session.execute(select(F.id, F.created_at, F.closed_at, F.deadline_at)
                                      .where(F.id.in_(sorted(moved))))).all()
        for finding_id, created, closed, deadline in rows:
            changes = moved[finding_id]
            for i, (_, _, at) in enumerate(spans):
                old = next((due for when, due in changes if when > at), None)  # the deadline it had at `at`
                then = ledger.deadline_instant(old, roster.tz) if old is not None else deadline
                counts[i] += _overdue_at(at, created, closed, then)
    return [Week(starts, ends, at, int(n)) for (starts, ends, at), n in zip(spans, counts, strict=True)]


async def _moved_deadlines(session: AsyncSession, scope: list, since: datetime) -> dict[int, list[tuple]]:
    """Finding id → [(when, the due date it had before)] of every deadline change after `since`, oldest first."""
    rows = await session.execute(select(E.finding_id, E.at, E.kind, E.data).join(F, F.id == E.finding_id)
                                 .where(E.kind.in_((ledger.EXTEND, ledger.CORRECT)), E.at > since, *scope)
                                 .order_by(E.at, E.id))
    moved: dict[int, list[tuple]] = {}
    for finding_id, at, kind, data in rows.all():
        data = data or {}
        if kind == ledger.CORRECT and data.get("field") != "due_date":
            continue
        try:
            old = date.fromisoformat(str(data.get("old")))
        except ValueError:
            continue  # an event without a readable old date says nothing about the deadline
        moved.setdefault(finding_id, []).append((at, old))
    return moved
