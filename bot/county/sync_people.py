"""Write the file's people: update in place, deactivate who was removed, note whose schools changed."""
from __future__ import annotations

from sqlalchemy import delete, select

from bot.county.schema import CountyData, Person
from bot.county.sync_report import SchoolChange, SyncReport, deactivate_missing
from bot.storage import models as m
from bot.storage.session import Session


async def sync_people(session: Session, data: CountyData, schools: dict[str, m.School],
                      report: SyncReport) -> dict[str, m.Person]:
    """Every person by roster id; a file without a people section leaves them (and their schools) as they are."""
    existing = {p.key: p for p in await session.scalars(select(m.Person))}
    if "people" not in data.sections:
        return existing
    await _release_chat_ids(session, data, existing)
    before = await _schools_before(session, existing, {row.id: name for name, row in schools.items()})
    for p in data.people:
        _upsert(session, p, existing, schools, before, report)
    gone = deactivate_missing(existing, {p.id for p in data.people}, report, "people")
    report.deactivated_people += [row.name for row in gone]
    await session.flush()
    await session.execute(delete(m.SupervisorSchool))
    for p in data.people:
        for school in p.schools:
            session.add(m.SupervisorSchool(person_id=existing[p.id].id, school_id=schools[school].id))
    return existing


async def _release_chat_ids(session: Session, data: CountyData, existing: dict[str, m.Person]) -> None:
    """Release chat ids that move to another person first, so the unique index never sees two holders."""
    wanted = {p.id: p for p in data.people}
    file_ids = {p.chat_id for p in data.people if p.chat_id}
    for key, row in existing.items():
        entry = wanted.get(key)
        if row.chat_id and (entry is None or (entry.chat_id and entry.chat_id != row.chat_id)
                            or (entry.chat_id is None and row.chat_id in file_ids)):
            row.chat_id = None
    await session.flush()


async def _schools_before(session: Session, people: dict[str, m.Person],
                          names: dict[int, str]) -> dict[int, tuple[str, ...]]:
    """Person row id -> the school names they had: a principal's school, a supervisor's assigned schools."""
    before: dict[int, list[str]] = {}
    links = select(m.SupervisorSchool.person_id, m.SupervisorSchool.school_id).order_by(m.SupervisorSchool.school_id)
    for person_id, school_id in (await session.execute(links)).all():
        before.setdefault(person_id, []).append(names[school_id])
    for row in people.values():
        if row.school_id is not None:
            before.setdefault(row.id, []).insert(0, names[row.school_id])
    return {person_id: tuple(found) for person_id, found in before.items()}


def _upsert(session: Session, p: Person, existing: dict[str, m.Person], schools: dict[str, m.School],
            before: dict[int, tuple[str, ...]], report: SyncReport) -> None:
    row = existing.get(p.id)
    school_id = schools[p.school].id if p.school else None
    if row is None:
        existing[p.id] = m.Person(key=p.id, name=p.name, role=p.role, chat_id=p.chat_id, school_id=school_id,
                                  active=True)
        session.add(existing[p.id])
        report.count(report.added, "people")
        return
    old, new = before.get(row.id, ()), (p.school,) if p.school else tuple(p.schools)
    if set(old) != set(new):
        report.school_changes.append(SchoolChange(p.name, p.role, old, new))
    if (set(old) != set(new) or (row.name, row.role, row.active) != (p.name, p.role, True)
            or (p.chat_id and p.chat_id != row.chat_id)):
        report.count(report.updated, "people")
    row.name, row.role, row.school_id, row.active = p.name, p.role, school_id, True
    if p.chat_id:  # a chat id bound with #绑定 stays when the file leaves it empty
        row.chat_id = p.chat_id
