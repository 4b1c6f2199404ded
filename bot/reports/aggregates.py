"""The aggregates behind the digests and the district summary: every count is a GROUP BY in SQL.

Nothing here loops over findings in Python: the ledger may hold a million. Each query reads one table through
its indexes and groups by school (at most one row per school); `by_district` then folds those rows into
districts with the roster, which also leaves out schools no longer in the county file. (Grouping by district in
SQL needs a join that SQLite plans school-first: seconds instead of milliseconds.) The only other Python loop is
over the distinct (status, due date) pairs of the active findings, to apply the 三色督办 colour function once
per pair.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.colour import colour
from bot.domain.roster import Roster
from bot.ledger import lifecycle as ledger
from bot.storage import models as m

F = m.Finding
ACTIVE = F.status.in_(ledger.ACTIVE)
# Group by school_id + 0, not the column: SQLite (without ANALYZE) would walk the whole school_id index to spare
# itself a sort, reading a million rows (2 s) where the status or date index finds the few thousand (0.1 s).
SCHOOL = (F.school_id + 0).label("school")
FLOW = ("new", "closed", "on_time")
STATE = ("active", "overdue", "red")


async def red_condition(session: AsyncSession, roster: Roster, now: datetime) -> ColumnElement[bool]:
    """A SQL condition true for the active findings coloured red (红色督办) at `now`."""
    rows = await session.execute(select(F.status, F.due_date, func.min(F.deadline_at)).where(ACTIVE)
                                 .group_by(F.status, F.due_date))
    red: dict[str, list[date]] = defaultdict(list)
    for status, due, deadline_at in rows.all():
        if colour(status, deadline_at, due, now, roster) == "red":
            red[status].append(due)
    if not red:
        return false()
    return or_(*(and_(F.status == status, F.due_date.in_(days)) for status, days in red.items()))


def _only(q, column, school_ids: Iterable[int] | None):  # noqa: ANN001, ANN202 — a Select narrowed to schools
    return q if school_ids is None else q.where(column.in_(list(school_ids)))


async def flow(session: AsyncSession, since: datetime, until: datetime,
               school_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """Per school, in [since, until): findings logged (new), closed (销号), and closed having been rectified in time."""
    out: dict[int, dict] = defaultdict(lambda: dict.fromkeys(FLOW, 0))
    new = select(SCHOOL, func.count()).where(F.created_at >= since, F.created_at < until,
                                             F.status != ledger.WITHDRAWN).group_by(SCHOOL)
    for sid, n in (await session.execute(_only(new, F.school_id, school_ids))).all():
        out[sid]["new"] = n
    in_time = case((func.coalesce(F.rectified_at, F.closed_at) < F.deadline_at, 1), else_=0)
    # `status || ''`: most findings are closed, so the status index would walk nearly all of them; the closed_at
    # range is the narrow one (SQLite picked the status index: 1.7 s at 1,000,000 findings, 0.02 s this way)
    closed = select(SCHOOL, func.count(), func.sum(in_time)).where(
        F.closed_at >= since, F.closed_at < until, F.status.concat("") == ledger.CLOSED).group_by(SCHOOL)
    for sid, n, on_time in (await session.execute(_only(closed, F.school_id, school_ids))).all():
        out[sid]["closed"], out[sid]["on_time"] = n, int(on_time or 0)
    return out


async def state(session: AsyncSession, now: datetime, red: ColumnElement[bool],
                school_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """Per school: active (未销号), overdue and red findings now."""
    q = (select(SCHOOL, func.count(), func.sum(case((F.deadline_at <= now, 1), else_=0)),
                func.sum(case((red, 1), else_=0))).where(ACTIVE).group_by(SCHOOL))
    rows = await session.execute(_only(q, F.school_id, school_ids))
    return {sid: dict(active=n, overdue=int(o or 0), red=int(r or 0)) for sid, n, o, r in rows.all()}


async def visits(session: AsyncSession, since: datetime, until: datetime,
                 school_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Per school: visits (到校) in [since, until)."""
    school = (m.Visit.school_id + 0).label("school")  # see SCHOOL
    q = select(school, func.count()).where(m.Visit.at >= since, m.Visit.at < until).group_by(school)
    return dict((await session.execute(_only(q, m.Visit.school_id, school_ids))).all())


async def due(session: AsyncSession, roster: Roster, first: date, last: date) -> dict[int, int]:
    """Per school: active findings due on a day in [first, last] (by deadline: the status index serves it)."""
    lo, hi = ledger.deadline_instant(first, roster.tz), ledger.deadline_instant(last, roster.tz)
    q = select(SCHOOL, func.count()).where(ACTIVE, F.deadline_at >= lo, F.deadline_at <= hi).group_by(SCHOOL)
    return dict((await session.execute(q)).all())


def by_district(per_school: dict[int, dict], roster: Roster, keys: Iterable[str]) -> dict[int, dict]:
    """Fold per-school counts into their districts (schools not in the roster left out)."""
    keys = tuple(keys)
    out: dict[int, dict] = defaultdict(lambda: dict.fromkeys(keys, 0))
    for sid, counts in per_school.items():
        school = roster.schools.get(sid)
        if school is not None:
            row = out[school.district_id]
            for k in keys:
                row[k] += counts[k]
    return out


def in_roster(per_school: dict, roster: Roster) -> dict:
    return {sid: v for sid, v in per_school.items() if sid in roster.schools}


async def activity(session: AsyncSession, since: datetime, until: datetime) -> dict[int, dict]:
    """Per person: visits (到校) and findings logged in [since, until)."""
    out: dict[int, dict] = defaultdict(lambda: dict(visits=0, findings=0))
    visitor, finder = (m.Visit.person_id + 0).label("person"), (F.finder_id + 0).label("person")  # see SCHOOL
    went = select(visitor, func.count()).where(m.Visit.at >= since, m.Visit.at < until)
    for pid, n in (await session.execute(went.group_by(visitor))).all():
        out[pid]["visits"] = n
    found = select(finder, func.count()).where(F.created_at >= since, F.created_at < until,
                                               F.status != ledger.WITHDRAWN)
    for pid, n in (await session.execute(found.group_by(finder))).all():
        out[pid]["findings"] = n
    return out


async def categories(session: AsyncSession, since: datetime, until: datetime) -> list[tuple[str, int]]:
    """New findings in [since, until) by category, most first."""
    q = (select(F.category, func.count()).where(F.created_at >= since, F.created_at < until,
                                                F.status != ledger.WITHDRAWN)
         .group_by(F.category).order_by(func.count().desc(), F.category))
    return [(c, n) for c, n in (await session.execute(q)).all()]


async def longest_overdue(session: AsyncSession, roster: Roster, now: datetime, limit: int
                          ) -> list[tuple[int, int, str, date]]:
    """The `limit` findings overdue longest (at schools in the roster): number, school id, description, due."""
    q = (select(F.number, F.school_id, F.description, F.due_date).where(ACTIVE, F.deadline_at <= now)
         .order_by(F.deadline_at, F.number).limit(limit + 50))
    rows = [tuple(r) for r in (await session.execute(q)).all() if r[1] in roster.schools]
    return rows[:limit]


async def rates(session: AsyncSession) -> dict:
    """整改率 across the ledger: closed of all findings but the withdrawn, in whole percent (None: no findings)."""
    counts = dict((await session.execute(select(F.status, func.count()).group_by(F.status))).all())
    due = sum(n for status, n in counts.items() if status != ledger.WITHDRAWN)
    return dict(rate=round(100 * counts.get(ledger.CLOSED, 0) / due) if due else None)
