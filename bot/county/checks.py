"""Checks across the sections of a county file: every reference resolves, nothing is claimed twice.

Each problem is (location in the data, code, values) for templates/county/problem.j2; a duplicate's `other` is the
location of the first one, which the loader turns into its line or row.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.county.errors import Item, Loc
from bot.domain.campaign_words import ALL_WORDS, KINDERGARTEN_WORDS

if TYPE_CHECKING:
    from bot.county.schema import Campaign, CountyData, Person, Room

Problems = list[Item]


def _duplicates(section: str, field: str, values: Iterable[str | None], what: str) -> Problems:
    seen: dict[str, int] = {}
    found: Problems = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            found.append(((section, i, field), "duplicate",
                          {"what": what, "value": value, "other": (section, seen[value], field)}))
        else:
            seen[value] = i
    return found


def cross_check(data: CountyData) -> Problems:
    """Every problem found, each as (location in the data, code, values)."""
    return [
        *_duplicates("districts", "name", (d.name for d in data.districts), "责任区名称"),
        *_duplicates("schools", "name", (s.name for s in data.schools), "学校名称"),
        *_duplicates("people", "id", (p.id for p in data.people), "人员编号"),
        *_duplicates("people", "chat_id", (p.chat_id for p in data.people), "账号ID"),
        *_duplicates("rooms", "chat_id", (r.chat_id for r in data.rooms), "群ID"),
        *_check_schools(data),
        *_check_districts(data),
        *(item for i, p in enumerate(data.people) for item in _check_person(data, i, p)),
        *(item for i, r in enumerate(data.rooms) for item in _check_room(data, i, r)),
        *_duplicates("campaigns", "name", (c.name for c in data.campaigns), "专项督导名称"),
        *(item for i, c in enumerate(data.campaigns) for item in _check_campaign(data, i, c)),
    ]


def _check_schools(data: CountyData) -> Problems:
    districts = {d.name for d in data.districts}
    owner: dict[str, int] = {s.name: i for i, s in enumerate(data.schools)}
    found: Problems = []
    for i, school in enumerate(data.schools):
        if school.district not in districts:
            found.append((("schools", i, "district"), "unknown_district", {"value": school.district}))
        for j, short in enumerate(school.short):
            other = owner.setdefault(short, i)
            if data.schools[other].name != school.name:
                values: dict[str, Any] = {"value": short, "school": data.schools[other].name,
                                          "other": ("schools", other)}
                found.append((("schools", i, "short", j), "short_taken", values))
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
        at: Loc = ("districts", i, "lead")
        if "people" not in data.sections:
            found.append((at, "lead_unchecked", {"value": district.lead}))
        elif lead is None:
            found.append((at, "unknown_person", {"value": district.lead}))
        elif lead.role != "督学":
            found.append((at, "lead_not_supervisor", {"value": district.lead, "role": lead.role}))
    return found


def _check_person(data: CountyData, i: int, person: Person) -> Problems:
    schools = {s.name for s in data.schools}
    at: Loc = ("people", i)
    role = {"role": person.role}
    found: Problems = []
    if person.is_principal:
        if person.school is None:
            found.append(((*at, "school"), "principal_needs_school", role))
        if person.schools:
            found.append(((*at, "schools"), "principal_one_school", role))
    elif person.school is not None:
        found.append(((*at, "school"), "supervisor_schools" if person.role == "督学" else "no_school", role))
    if person.role == "督导室" and person.schools:
        found.append(((*at, "schools"), "office_no_schools", role))
    if person.school is not None and person.school not in schools:
        found.append(((*at, "school"), "unknown_school", {"value": person.school}))
    for j, name in enumerate(person.schools):
        if name not in schools:
            found.append(((*at, "schools", j), "unknown_school", {"value": name}))
        elif name in person.schools[:j]:
            found.append(((*at, "schools", j), "school_twice", {"value": name}))
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
            found.append(((*at, field), "room_needs", {"scope": room.scope, "field": field}))
        elif field not in wanted and value is not None and (room.scope, field) != ("school", "district"):
            found.append(((*at, field), "room_has_no", {"scope": room.scope, "field": field}))
    if room.district is not None and room.district not in districts:
        found.append(((*at, "district"), "unknown_district", {"value": room.district}))
    if room.school is not None and room.school not in school_district:
        found.append(((*at, "school"), "unknown_school", {"value": room.school}))
    elif room.school is not None and room.district not in (None, school_district[room.school]):
        values = {"school": room.school, "district": school_district[room.school], "given": room.district}
        found.append(((*at, "district"), "room_wrong_district", values))
    return found


def _check_campaign(data: CountyData, i: int, campaign: Campaign) -> Problems:
    """The scope names 全部 or 幼儿园 alone, or districts and schools of the file; checkers are 督学 or 督导室."""
    names = {d.name for d in data.districts} | {n for s in data.schools for n in (s.name, *s.short)}
    alone = len(campaign.scope) == 1 and campaign.scope[0] in (*ALL_WORDS, *KINDERGARTEN_WORDS)
    found: Problems = [(("campaigns", i, "scope", j), "campaign_scope_unknown", {"value": name})
                       for j, name in enumerate(campaign.scope) if not alone and name not in names]
    people = {p.id: p for p in data.people}
    for j, key in enumerate(campaign.checkers):
        person = people.get(key)
        if person is None:
            found.append((("campaigns", i, "checkers", j), "unknown_person", {"value": key}))
        elif person.role not in ("督学", "督导室"):
            values = {"value": key, "role": person.role}
            found.append((("campaigns", i, "checkers", j), "campaign_checker_role", values))
    return found
