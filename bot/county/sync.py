"""Write a validated county into the database: update in place, deactivate what was removed, keep history
(the rows stay; which district a school was in and who held which school, when: bot/county/sync_history.py).

Only a section the file describes can deactivate rows: a file without rooms (no `rooms:` key, no 群 sheet)
leaves the rooms as they are, and the report says so (see CountyData.sections).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.county.schema import OFFICE_KEY, SECTIONS, CountyData
from bot.county.sync_campaigns import sync_campaigns
from bot.county.sync_history import record_history
from bot.county.sync_people import sync_people
from bot.county.sync_report import SchoolChange, SyncReport, deactivate_missing
from bot.storage import models as m
from bot.storage.roster_changes import note_roster_changed
from bot.storage.roster_history import HISTORY_START
from bot.storage.session import Session

__all__ = ["SchoolChange", "SyncReport", "sync_county"]


async def sync_county(session: Session, data: CountyData, *, source: str, now: datetime) -> SyncReport:
    """Write `data`, and the roster's history at `now` (bot/county/sync_history.py).

    The first load of an empty database dates its spans HISTORY_START ("as far back as we know"), not `now`: a
    demo or a replay loads the county and then plays messages dated earlier, which must find the roster as it
    was then; and a county's first file describes how things already stood, not a change made today."""
    report = SyncReport(county=data.county, untouched=[s for s in SECTIONS if s not in data.sections])
    first = await session.get(m.County, 1) is None
    await _sync_county_row(session, data, source, now)
    districts = await _sync_districts(session, data, report)
    schools = await _sync_schools(session, data, districts, report)
    people = await sync_people(session, data, schools, report)
    await _sync_leads(session, data, districts, people)
    await _sync_rooms(session, data, districts, schools, report)
    await sync_campaigns(session, data, districts, schools, people, report, now)
    await record_history(session, HISTORY_START if first else now)
    return report


async def _sync_county_row(session: Session, data: CountyData, source: str, now: datetime) -> None:
    policy = data.policy.model_dump(mode="json")
    if data.office:  # kept beside the policy (roster_repo takes it out again); absent: the default name
        policy[OFFICE_KEY] = data.office
    calendar = data.calendar.model_dump(mode="json")
    row = await session.get(m.County, 1)
    if row is None:
        session.add(m.County(id=1, name=data.county, policy=policy, calendar=calendar, version=1,
                             loaded_at=now, source=source))
        return
    row.name, row.policy, row.calendar = data.county, policy, calendar
    row.loaded_at, row.source, row.version = now, source, row.version + 1
    note_roster_changed(session)


async def _sync_districts(session: Session, data: CountyData, report: SyncReport) -> dict[str, m.District]:
    existing = {d.name: d for d in await session.scalars(select(m.District))}
    for d in data.districts:
        row = existing.get(d.name)
        if row is None:
            row = existing[d.name] = m.District(name=d.name, active=True)
            session.add(row)
            report.count(report.added, "districts")
        elif not row.active:
            report.count(report.updated, "districts")
        row.active = True
    if "districts" in data.sections:
        deactivate_missing(existing, {d.name for d in data.districts}, report, "districts")
    await session.flush()
    return existing


async def _sync_schools(session: Session, data: CountyData, districts: dict[str, m.District],
                        report: SyncReport) -> dict[str, m.School]:
    existing = {s.name: s for s in await session.scalars(select(m.School))}
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
    if "schools" in data.sections:
        deactivate_missing(existing, {s.name for s in data.schools}, report, "schools")
    await session.flush()
    return existing


async def _sync_leads(session: Session, data: CountyData, districts: dict[str, m.District],
                      people: dict[str, m.Person]) -> None:
    if "districts" not in data.sections:  # leads stay, except a person no longer active
        await session.flush()
        inactive = select(m.Person.id).where(m.Person.active.is_(False))
        await session.execute(delete(m.DistrictLead).where(m.DistrictLead.person_id.in_(inactive)))
        return
    await session.execute(delete(m.DistrictLead))
    for d in data.districts:
        if d.lead:
            session.add(m.DistrictLead(district_id=districts[d.name].id, person_id=people[d.lead].id))


async def _sync_rooms(session: Session, data: CountyData, districts: dict[str, m.District],
                      schools: dict[str, m.School], report: SyncReport) -> None:
    existing = {r.chat_id: r for r in await session.scalars(select(m.Room))}
    for r in data.rooms:
        values = dict(name=r.name, scope=r.scope, source="file", active=True, webhook_key=r.webhook_key,
                      district_id=districts[r.district].id if r.district else None,
                      school_id=schools[r.school].id if r.school else None)
        row = existing.get(r.chat_id)
        if row is None:
            row = existing[r.chat_id] = m.Room(chat_id=r.chat_id)
            session.add(row)
            report.count(report.added, "rooms")
        elif any(getattr(row, k) != v for k, v in values.items()):
            report.count(report.updated, "rooms")
        for k, v in values.items():
            setattr(row, k, v)
    if "rooms" in data.sections:
        file_rooms = {chat_id: row for chat_id, row in existing.items() if row.source == "file"}  # #本群 rooms stay
        deactivate_missing(file_rooms, {r.chat_id for r in data.rooms}, report, "rooms")
