"""Keep the roster's history as the county sync changes it: end the spans that no longer hold and start the new
ones, at the load's instant, in the load's transaction (read back by bot/storage/roster_history.py).

The open spans are reconciled with the roster as written (active schools in their districts, the supervisor
links): what still holds is untouched, so a reload of the same file writes nothing, and a history ever out of step
with the roster is mended at the next load."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update

from bot.storage import models as m
from bot.storage.session import Session

_IN_CHUNK = 5_000  # ids a statement, well within SQLite's limit on bound parameters


async def record_history(session: Session, at: datetime) -> None:
    """End and start spans at `at` so the open ones are the roster now in the session (flushed first).

    Should `at` be earlier than a span already open (a clock set back), the change is dated at that span's start
    instead, so that no span ever ends before it starts."""
    await session.flush()
    for span in (m.SchoolDistrictSpan, m.SupervisionSpan):
        latest = await session.scalar(select(func.max(span.starts_at)).where(span.ends_at.is_(None)))
        at = max(at, latest) if latest is not None else at
    await _reconcile_districts(session, at)
    await _reconcile_supervision(session, at)


async def _reconcile_districts(session: Session, at: datetime) -> None:
    span = m.SchoolDistrictSpan
    active = select(m.School.id, m.School.district_id).where(m.School.active)
    wanted = {school_id: district_id for school_id, district_id in await session.execute(active)}
    still: set[int] = set()
    ended: list[int] = []
    for span_id, school_id, district_id in await session.execute(
            select(span.id, span.school_id, span.district_id).where(span.ends_at.is_(None))):
        if wanted.get(school_id) == district_id:
            still.add(school_id)
        else:
            ended.append(span_id)
    await _end(session, span, ended, at)
    started = [dict(school_id=sid, district_id=did, starts_at=at) for sid, did in sorted(wanted.items())
               if sid not in still]
    if started:
        await session.execute(insert(span), started)


async def _reconcile_supervision(session: Session, at: datetime) -> None:
    span = m.SupervisionSpan
    links = select(m.SupervisorSchool.person_id, m.SupervisorSchool.school_id)
    wanted = {(person_id, school_id) for person_id, school_id in await session.execute(links)}
    still: set[tuple[int, int]] = set()
    ended: list[int] = []
    for span_id, person_id, school_id in await session.execute(
            select(span.id, span.person_id, span.school_id).where(span.ends_at.is_(None))):
        if (person_id, school_id) in wanted:
            still.add((person_id, school_id))
        else:
            ended.append(span_id)
    await _end(session, span, ended, at)
    started = [dict(person_id=pid, school_id=sid, starts_at=at) for pid, sid in sorted(wanted - still)]
    if started:
        await session.execute(insert(span), started)


async def _end(session: Session, span: type[m.SchoolDistrictSpan] | type[m.SupervisionSpan],
               ids: Sequence[int], at: datetime) -> None:
    for i in range(0, len(ids), _IN_CHUNK):
        await session.execute(update(span).where(span.id.in_(ids[i:i + _IN_CHUNK])).values(ends_at=at)
                              .execution_options(synchronize_session=False))
