"""A read-only snapshot of the roster (schools, districts, people, rooms) and the county policy."""
from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain.calendar import WorkCalendar
from bot.domain.roles import Actor


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


@dataclass(frozen=True)
class RoomInfo:
    id: int
    chat_id: str
    name: str
    scope: str | None
    district_id: int | None = None
    school_id: int | None = None


@dataclass
class Roster:
    """Everything a handler needs to know about who and where, rebuilt when the county version changes."""

    version: int
    county: str
    policy: object  # bot.county.schema.Policy
    calendar: WorkCalendar
    tz: ZoneInfo
    terms: tuple = ()
    schools: dict[int, SchoolInfo] = field(default_factory=dict)
    districts: dict[int, DistrictInfo] = field(default_factory=dict)
    people: dict[int, PersonInfo] = field(default_factory=dict)
    rooms: dict[str, RoomInfo] = field(default_factory=dict)
    by_chat_id: dict[str, PersonInfo] = field(default_factory=dict)

    def actor(self, chat_id: str) -> Actor:
        person = self.by_chat_id.get(chat_id)
        if person is None or not person.active:
            return Actor(chat_id=chat_id)
        led = frozenset(d.id for d in self.districts.values() if d.lead_id == person.id)
        return Actor(
            chat_id=chat_id, person_id=person.id, name=person.name, role=person.role,
            supervised=person.supervised, led_districts=led, school_id=person.school_id,
        )

    def principals_of(self, school_id: int) -> list[PersonInfo]:
        return [p for p in self.people.values() if p.active and p.school_id == school_id and p.role in ("校长", "园长")]

    def supervisors_of(self, school_id: int) -> list[PersonInfo]:
        return [p for p in self.people.values() if p.active and school_id in p.supervised]

    def lead_of(self, district_id: int) -> PersonInfo | None:
        district = self.districts.get(district_id)
        lead = self.people.get(district.lead_id) if district and district.lead_id else None
        return lead if lead and lead.active else None

    def office_people(self) -> list[PersonInfo]:
        return [p for p in self.people.values() if p.active and p.role == "督导室"]

    def room_for_school(self, school_id: int) -> RoomInfo | None:
        return next((r for r in self.rooms.values() if r.scope == "school" and r.school_id == school_id), None)

    def room_for_district(self, district_id: int) -> RoomInfo | None:
        return next((r for r in self.rooms.values() if r.scope == "district" and r.district_id == district_id), None)

    def office_room(self) -> RoomInfo | None:
        return next((r for r in self.rooms.values() if r.scope == "office"), None)

    def visible_schools(self, actor: Actor) -> set[int]:
        if actor.is_office:
            return set(self.schools)
        if actor.is_principal:
            return {actor.school_id} if actor.school_id else set()
        led = {s.id for s in self.schools.values() if s.district_id in actor.led_districts}
        return set(actor.supervised) | led
