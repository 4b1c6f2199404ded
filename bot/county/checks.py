"""Checks across the sections of a county file: every reference resolves, nothing is claimed twice."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.county.errors import Loc

if TYPE_CHECKING:
    from bot.county.schema import CountyData, Person, Room

Problems = list[tuple[Loc, str]]


def _q(value: object) -> str:
    return f"“{value}”"


def _duplicates(section: str, field: str, values: Iterable[str | None], what: str) -> Problems:
    seen: dict[str, int] = {}
    found: Problems = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            message = f"duplicate {what} {_q(value)} (also {section}[{seen[value]}])"
            found.append(((section, i, field), message))
        else:
            seen[value] = i
    return found


def cross_check(data: CountyData) -> Problems:
    """Every problem found, each as (location in the data, English message)."""
    return [
        *_duplicates("districts", "name", (d.name for d in data.districts), "district"),
        *_duplicates("schools", "name", (s.name for s in data.schools), "school name"),
        *_duplicates("people", "id", (p.id for p in data.people), "person id"),
        *_duplicates("people", "chat_id", (p.chat_id for p in data.people), "chat id"),
        *_duplicates("rooms", "chat_id", (r.chat_id for r in data.rooms), "room chat id"),
        *_check_schools(data),
        *_check_districts(data),
        *(item for i, p in enumerate(data.people) for item in _check_person(data, i, p)),
        *(item for i, r in enumerate(data.rooms) for item in _check_room(data, i, r)),
    ]


def _check_schools(data: CountyData) -> Problems:
    districts = {d.name for d in data.districts}
    owner: dict[str, str] = {s.name: s.name for s in data.schools}
    found: Problems = []
    for i, school in enumerate(data.schools):
        if school.district not in districts:
            found.append((("schools", i, "district"), f"unknown district {_q(school.district)}"))
        for j, short in enumerate(school.short):
            other = owner.setdefault(short, school.name)
            if other != school.name:
                message = f"short name {_q(short)} is also used by {_q(other)}"
                found.append((("schools", i, "short", j), message))
    return found


def _check_districts(data: CountyData) -> Problems:
    people: dict[str, Person] = {}
    for person in data.people:
        people.setdefault(person.id, person)
    found: Problems = []
    for i, district in enumerate(data.districts):
        if district.lead is None:
            continue
        lead = people.get(district.lead)
        if "people" not in data.sections:
            message = f"the lead {_q(district.lead)} cannot be checked: the file has no people section"
            found.append((("districts", i, "lead"), message))
        elif lead is None:
            found.append((("districts", i, "lead"), f"unknown person id {_q(district.lead)}"))
        elif lead.role != "督学":
            message = f"the district lead {_q(district.lead)} is a {lead.role}, not a 督学"
            found.append((("districts", i, "lead"), message))
    return found


def _check_person(data: CountyData, i: int, person: Person) -> Problems:
    schools = {s.name for s in data.schools}
    at: Loc = ("people", i)
    found: Problems = []
    if person.is_principal:
        if person.school is None:
            found.append(((*at, "school"), f"a {person.role} needs a school"))
        if person.schools:
            found.append(((*at, "schools"), f"a {person.role} has one school: use 'school'"))
    elif person.school is not None:
        hint = "use 'schools' for the schools a 督学 oversees" if person.role == "督学" else "not used"
        found.append(((*at, "school"), f"a {person.role} has no 'school' ({hint})"))
    if person.role == "督导室" and person.schools:
        found.append(((*at, "schools"), "a 督导室 member has no schools (the office sees all)"))
    if person.school is not None and person.school not in schools:
        found.append(((*at, "school"), f"unknown school {_q(person.school)}"))
    for j, name in enumerate(person.schools):
        if name not in schools:
            found.append(((*at, "schools", j), f"unknown school {_q(name)}"))
        elif name in person.schools[:j]:
            found.append(((*at, "schools", j), f"school {_q(name)} is listed twice"))
    return found


def _check_room(data: CountyData, i: int, room: Room) -> Problems:
    at: Loc = ("rooms", i)
    districts = {d.name for d in data.districts}
    school_district = {s.name: s.district for s in data.schools}
    found: Problems = []
    wanted = {"office": (), "district": ("district",), "school": ("school",)}[room.scope]
    for field in ("district", "school"):
        value = getattr(room, field)
        if field in wanted and value is None:
            found.append(((*at, field), f"a {room.scope} room needs a {field}"))
        elif field not in wanted and value is not None and (room.scope, field) != ("school", "district"):
            found.append(((*at, field), f"a {room.scope} room has no {field}"))
    if room.district is not None and room.district not in districts:
        found.append(((*at, "district"), f"unknown district {_q(room.district)}"))
    if room.school is not None and room.school not in school_district:
        found.append(((*at, "school"), f"unknown school {_q(room.school)}"))
    elif room.school is not None and room.district not in (None, school_district[room.school]):
        message = f"{_q(room.school)} is in {_q(school_district[room.school])}, not {_q(room.district)}"
        found.append(((*at, "district"), message))
    return found
