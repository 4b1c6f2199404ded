"""Who is on leave (请假) on a given day."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models as m


async def people_on_leave(session: AsyncSession, day: date) -> set[int]:
    """Ids of people whose leave covers `day`."""
    rows = await session.scalars(select(m.Leave.person_id).where(m.Leave.starts <= day, m.Leave.ends >= day))
    return set(rows)
