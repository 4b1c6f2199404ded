"""Write a validated county into the database: update in place, deactivate what was removed, keep history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.county.schema import CountyData
from bot.storage import models as m


@dataclass
class SyncReport:
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1


async def sync_county(session: AsyncSession, data: CountyData, *, source: str, now: datetime) -> SyncReport:
    report = SyncReport()
    await _sync_county_row(session, data, source, now)
    districts = await _sync_districts(session, data, report)
    schools = await _sync_schools(session, data, districts, report)
    people = await _sync_people(session, data, schools, report)
    await _sync_leads(session, data, districts, people)
    await _sync_rooms(session, data, districts, schools, report)
    await session.flush()
    return report


async def _sync_county_row(session: AsyncSession, data: CountyData, source: str, now: datetime) -> None:
    policy = data.policy.model_dump(mode="json")
    calendar = data.calendar.model_dump(mode="json")
    row = await session.get(m.County, 1)
    if row is None:
        session.add(m.County(id=1, name=data.county, policy=policy, calendar=calendar, version=1,
                             loaded_at=now, source=source))
        return
    row.name, row.policy, row.calendar = data.county, policy, calendar
    row.loaded_at, row.source, row.version = now, source, row.version + 1


async def _sync_districts(session: AsyncSession, data: CountyData, report: SyncReport) -> dict[str, m.District]:
    existing = {d.name: d for d in await session.scalars(select(m.District))}
    for d in data.districts:
        row = existing.get(d.name)
        if row is None:
            row = existing[d.name] = m.District(name=d.name, active=True)
            session.add(row)
            report.count(report.added, "districts")
        row.active = True
    _deactivate_missing(existing, {d.name for d in data.districts}, report, "districts")
    await session.flush()
    return existing


async def _sync_schools(session: AsyncSession, data: CountyData, districts: dict[str, m.District],
                        report: SyncReport) -> dict[str, m.School]:
    existing = {s.name: s for s in await session.scalars(select(m.School))}
    wanted = {s.name for s in data.schools}
    for s in data.schools:
        row = existing.get(s.name)
        values = dict(short_names=list(s.short), district_id=districts[s.district].id, type=s.type, active=True)
        if row is None:
            row = existing[s.name] = m.School(name=s.name, **values)
            session.add(row)
            report.count(report.added, "schools")
            continue
        if any(getattr(row, k) != v for k, v in values.items()):
            report.count(report.updated, "schools")
        for k, v in values.items():
            setattr(row, k, v)
    _deactivate_missing(existing, wanted, report, "schools")
    await session.flush()
    return existing


async def _sync_people(session: AsyncSession, data: CountyData, schools: dict[str, m.School],
                       report: SyncReport) -> dict[str, m.Person]:
    existing = {p.key: p for p in await session.scalars(select(m.Person))}
    wanted = {p.id: p for p in data.people}
    # Release chat ids that move to another person first, so the unique index never sees two holders.
    file_ids = {p.chat_id for p in data.people if p.chat_id}
    for key, row in existing.items():
        entry = wanted.get(key)
        if row.chat_id and (entry is None or (entry.chat_id and entry.chat_id != row.chat_id)
                            or (entry.chat_id is None and row.chat_id in file_ids)):
            row.chat_id = None
    await session.flush()
    for p in data.people:
        row = existing.get(p.id)
        school_id = schools[p.school].id if p.school else None
        if row is None:
            row = existing[p.id] = m.Person(key=p.id, name=p.name, role=p.role, chat_id=p.chat_id,
                                            school_id=school_id, active=True)
            session.add(row)
            report.count(report.added, "people")
        else:
            if (row.name, row.role, row.school_id, row.active) != (p.name, p.role, school_id, True):
                report.count(report.updated, "people")
            row.name, row.role, row.school_id, row.active = p.name, p.role, school_id, True
            if p.chat_id:  # a chat id bound with #绑定 stays when the file leaves it empty
                row.chat_id = p.chat_id
    _deactivate_missing(existing, set(wanted), report, "people")
    await session.flush()
    await session.execute(delete(m.SupervisorSchool))
    for p in data.people:
        for school in p.schools:
            session.add(m.SupervisorSchool(person_id=existing[p.id].id, school_id=schools[school].id))
    return existing


async def _sync_leads(session: AsyncSession, data: CountyData, districts: dict[str, m.District],
                      people: dict[str, m.Person]) -> None:
    await session.execute(delete(m.DistrictLead))
    for d in data.districts:
        if d.lead:
            session.add(m.DistrictLead(district_id=districts[d.name].id, person_id=people[d.lead].id))


async def _sync_rooms(session: AsyncSession, data: CountyData, districts: dict[str, m.District],
                      schools: dict[str, m.School], report: SyncReport) -> None:
    existing = {r.chat_id: r for r in await session.scalars(select(m.Room))}
    for r in data.rooms:
        row = existing.get(r.chat_id)
        if row is None:
            row = existing[r.chat_id] = m.Room(chat_id=r.chat_id)
            session.add(row)
            report.count(report.added, "rooms")
        row.name, row.scope, row.source, row.active = r.name, r.scope, "file", True
        row.district_id = districts[r.district].id if r.district else None
        row.school_id = schools[r.school].id if r.school else None
    file_rooms = {chat_id: row for chat_id, row in existing.items() if row.source == "file"}  # #本群 rooms stay
    _deactivate_missing(file_rooms, {r.chat_id for r in data.rooms}, report, "rooms")


def _deactivate_missing(existing: dict[str, Any], wanted: set[str], report: SyncReport, kind: str) -> None:
    """Rows the file no longer names are deactivated, never deleted: their history stays."""
    for key, row in existing.items():
        if row.active and key not in wanted:
            row.active = False
            report.count(report.deactivated, kind)
