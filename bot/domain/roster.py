"""A read-only snapshot of the roster (schools, districts, people, rooms) and the county policy."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.calendar import WorkCalendar
from bot.domain.roles import OFFICE, PRINCIPAL_ROLES, Actor, titled

if TYPE_CHECKING:  # bot.county imports this module
    from bot.county.policy import Policy


def default_office(county: str) -> str:
    """The office's official name when the county file gives none: 城口县人民政府教育督导室."""
    return f"{county}人民政府教育督导室"


@dataclass(frozen=True)
class SchoolInfo:
    id: int
    name: str
    short_names: tuple[str, ...]
    district_id: int
    type: str | None = None

    @property
    def display(self) -> str:
        return self.short_names[0] if self.short_names else self.name


@dataclass(frozen=True)
class DistrictInfo:
    id: int
    name: str
    lead_id: int | None = None


@dataclass(frozen=True)
class PersonInfo:
    id: int
    key: str
    name: str
    role: str
    chat_id: str | None
    school_id: int | None = None
    supervised: frozenset[int] = frozenset()
    active: bool = True

    @property
    def titled(self) -> str:
        """Their name with their role: 周永红督学, 王芳校长, 督导室刘建国 (bot.domain.roles.titled)."""
        return titled(self.name, self.role)


@dataclass(frozen=True)
class RoomInfo:
    id: int
    chat_id: str
    name: str
    scope: str | None
    district_id: int | None = None
    school_id: int | None = None
    webhook_key: str | None = None  # WeCom group robot key, if the county file gives one


@dataclass
class Roster:
    """Everything a handler needs to know about who and where, rebuilt when the county version changes."""

    version: int
    county: str
    policy: Policy
    calendar: WorkCalendar
    tz: ZoneInfo
    terms: tuple = ()
    office: str | None = None  # the county file's `office:`, if it gives one
    schools: dict[int, SchoolInfo] = field(default_factory=dict)
    districts: dict[int, DistrictInfo] = field(default_factory=dict)
    people: dict[int, PersonInfo] = field(default_factory=dict)
    rooms: dict[str, RoomInfo] = field(default_factory=dict)
    by_chat_id: dict[str, PersonInfo] = field(default_factory=dict)
    # what is worked out once per snapshot by those who read it (e.g. the monthly duties): the snapshot never changes
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def office_name(self) -> str:
        """The office's one official name (the county file's `office:`, else 城口县人民政府教育督导室)."""
        return self.office or default_office(self.county)

    def actor(self, chat_id: str) -> Actor:
        person = self.by_chat_id.get(chat_id)
        if person is None or not person.active:
            return Actor(chat_id=chat_id)
        return self.actor_of(person, chat_id)

    def actor_of(self, person: PersonInfo, chat_id: str | None = None) -> Actor:
        """The person as one who acts (their role, schools, districts), whether or not they are bound to a chat
        account (the desk, the command line): `chat_id` then names them, `web:<key>` by default."""
        led = frozenset(d.id for d in self.districts.values() if d.lead_id == person.id)
        return Actor(
            chat_id=chat_id or person.chat_id or f"web:{person.key}", person_id=person.id, name=person.name,
            role=person.role, supervised=person.supervised, led_districts=led, school_id=person.school_id,
        )

    # Indexes, built once per snapshot (a county of 50,000 schools must not be scanned once per finding).
    # People and rooms in id order, so every list and "first room" is the same on SQLite and PostgreSQL.
    @cached_property
    def _active_people(self) -> list[PersonInfo]:
        return sorted((p for p in self.people.values() if p.active), key=lambda p: p.id)

    @cached_property
    def principals_by_school(self) -> dict[int, list[PersonInfo]]:
        found: dict[int, list[PersonInfo]] = {}
        for p in self._active_people:
            if p.school_id is not None and p.role in PRINCIPAL_ROLES:
                found.setdefault(p.school_id, []).append(p)
        return found

    @cached_property
    def supervisors_by_school(self) -> dict[int, list[PersonInfo]]:
        found: dict[int, list[PersonInfo]] = {}
        for p in self._active_people:
            for school_id in sorted(p.supervised):
                found.setdefault(school_id, []).append(p)
        return found

    @cached_property
    def _rooms_by_scope(self) -> tuple[dict[int, RoomInfo], dict[int, RoomInfo], RoomInfo | None]:
        schools: dict[int, RoomInfo] = {}
        districts: dict[int, RoomInfo] = {}
        office: RoomInfo | None = None
        for r in sorted(self.rooms.values(), key=lambda r: r.id):
            if r.scope == "school" and r.school_id is not None:
                schools.setdefault(r.school_id, r)
            elif r.scope == "district" and r.district_id is not None:
                districts.setdefault(r.district_id, r)
            elif r.scope == "office" and office is None:
                office = r
        return schools, districts, office

    def principals_of(self, school_id: int) -> list[PersonInfo]:
        return self.principals_by_school.get(school_id, [])

    def supervisors_of(self, school_id: int) -> list[PersonInfo]:
        return self.supervisors_by_school.get(school_id, [])

    def lead_of(self, district_id: int) -> PersonInfo | None:
        district = self.districts.get(district_id)
        lead = self.people.get(district.lead_id) if district and district.lead_id else None
        return lead if lead and lead.active else None

    @cached_property
    def office_people(self) -> list[PersonInfo]:
        return [p for p in self._active_people if p.role == OFFICE]

    def room_for_school(self, school_id: int) -> RoomInfo | None:
        return self._rooms_by_scope[0].get(school_id)

    def room_for_district(self, district_id: int | None) -> RoomInfo | None:
        return self._rooms_by_scope[1].get(district_id) if district_id is not None else None

    def office_room(self) -> RoomInfo | None:
        return self._rooms_by_scope[2]

    def visible_schools(self, actor: Actor) -> set[int]:
        if actor.is_office:
            return set(self.schools)
        if actor.is_principal:
            return {actor.school_id} if actor.school_id else set()
        led = {s.id for s in self.schools.values() if s.district_id in actor.led_districts}
        return set(actor.supervised) | led


@dataclass(frozen=True)
class RosterAt:
    """The roster as it stood at one instant (bot.storage.roster_history.roster_at): which district each school was
    in and which schools each supervisor held. Schools since deactivated are in it; schools not yet added are not."""

    at: datetime
    district_of: dict[int, int]  # school id -> district id at `at`
    schools: dict[int, SchoolInfo]  # school id -> the school, its district as at `at` (names as they are now)
    supervised: dict[int, frozenset[int]]  # person id -> the schools they held at `at`

    @cached_property
    def _supervisors(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for person_id in sorted(self.supervised):
            for school_id in self.supervised[person_id]:
                found.setdefault(school_id, []).append(person_id)
        return found

    def supervisors_of(self, school_id: int) -> list[int]:
        """The people who held `school_id` at `at`, in id order."""
        return list(self._supervisors.get(school_id, ()))
