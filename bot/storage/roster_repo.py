"""Read the roster snapshot from the database."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.county.schema import CalendarConf, Policy
from bot.domain.calendar import WorkCalendar
from bot.domain.roster import DistrictInfo, PersonInfo, RoomInfo, Roster, SchoolInfo
from bot.storage import models as m


class NoCountyLoaded(Exception):
    """The database has no county yet: run `dudao county load FILE`."""


async def county_version(session: AsyncSession) -> int | None:
    return await session.scalar(select(m.County.version).where(m.County.id == 1))


async def load_roster(session: AsyncSession) -> Roster:
    county = await session.get(m.County, 1)
    if county is None:
        raise NoCountyLoaded("no county loaded")
    policy = Policy.model_validate(county.policy)
    cal = CalendarConf.model_validate(county.calendar)
    roster = Roster(
        version=county.version, county=county.name, policy=policy, tz=ZoneInfo(policy.timezone),
        calendar=WorkCalendar(cal.extra_holidays, cal.extra_workdays), terms=tuple(cal.terms),
    )
    for s in await session.scalars(select(m.School).where(m.School.active)):
        roster.schools[s.id] = SchoolInfo(s.id, s.name, tuple(s.short_names or ()), s.district_id, s.type)
    leads = dict((await session.execute(select(m.DistrictLead.district_id, m.DistrictLead.person_id))).all())
    for d in await session.scalars(select(m.District).where(m.District.active)):
        roster.districts[d.id] = DistrictInfo(d.id, d.name, leads.get(d.id))
    supervised: dict[int, set[int]] = {}
    for pid, sid in (await session.execute(select(m.SupervisorSchool.person_id, m.SupervisorSchool.school_id))).all():
        supervised.setdefault(pid, set()).add(sid)
    for p in await session.scalars(select(m.Person)):
        info = PersonInfo(p.id, p.key, p.name, p.role, p.chat_id, p.school_id,
                          frozenset(supervised.get(p.id, ())), p.active)
        roster.people[p.id] = info
        if p.chat_id and p.active:
            roster.by_chat_id[p.chat_id] = info
    for r in await session.scalars(select(m.Room).where(m.Room.active)):
        roster.rooms[r.chat_id] = RoomInfo(r.id, r.chat_id, r.name, r.scope, r.district_id, r.school_id)
    return roster


async def bump_version(session: AsyncSession) -> None:
    county = await session.get(m.County, 1)
    if county is not None:
        county.version += 1
