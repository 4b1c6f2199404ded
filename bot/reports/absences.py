"""Who is on leave (请假) on a given day, and until when."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.storage import models as m
from bot.storage.session import Session


async def people_on_leave(session: Session, day: date) -> set[int]:
    """Ids of people whose leave covers `day`."""
    rows = await session.scalars(select(m.Leave.person_id).where(m.Leave.starts <= day, m.Leave.ends >= day))
    return set(rows)


async def leave_ends(session: Session, day: date, recorded_before: datetime | None = None) -> dict[int, date]:
    """Person id → the last day of the leave that covers `day` (only leave recorded before `recorded_before`
    when given: a report as of a past moment does not see leave entered later)."""
    q = select(m.Leave.person_id, m.Leave.ends).where(m.Leave.starts <= day, m.Leave.ends >= day)
    rows = await session.execute(q if recorded_before is None else q.where(m.Leave.at < recorded_before))
    ends: dict[int, date] = {}
    for person_id, end in rows.all():
        ends[person_id] = max(end, ends.get(person_id, end))
    return ends
