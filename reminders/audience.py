"""Who a reminder names and where it goes.

- Rooms: a step's `room: school` is the school's own room, or its district's room when it has none;
  `district` is the district's room; `office` the office room. No such room: the step waits (it is not
  recorded, so it goes out once the room is bound).
- People: `principal` (the school's principals), `supervisor` (its assigned supervisors), `district_lead`,
  `office` (the office people). Someone on leave is replaced by their district lead (a stand-in, named as
  such in the text); a district lead or office person on leave is simply left out.
The roster snapshot indexes people and rooms once per roster version (bot/domain/roster.py), so a county with
tens of thousands of schools costs one pass, not one pass per finding.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain.roster import PersonInfo, RoomInfo, Roster, SchoolInfo

PRINCIPAL, SUPERVISOR, LEAD, OFFICE = "principal", "supervisor", "district_lead", "office"


@dataclass(frozen=True)
class Directory:
    """Where a step goes and whom it names, answered from the roster snapshot's own indexes."""

    roster: Roster

    def room(self, scope: str, school: SchoolInfo) -> RoomInfo | None:
        if scope == "school":
            return self.roster.room_for_school(school.id) or self.roster.room_for_district(school.district_id)
        if scope == "district":
            return self.roster.room_for_district(school.district_id)
        return self.roster.office_room()

    def people(self, role: str, school: SchoolInfo) -> list[PersonInfo]:
        if role == PRINCIPAL:
            return self.roster.principals_of(school.id)
        if role == SUPERVISOR:
            return self.roster.supervisors_of(school.id)
        if role == LEAD:
            lead = self.roster.lead_of(school.district_id)
            return [lead] if lead else []
        return self.roster.office_people


def directory(roster: Roster) -> Directory:
    return Directory(roster)


def _label(person: PersonInfo, role: str) -> str:
    """王芳校长, 孙丽园长, 周永红督学 (PersonInfo.titled); leads and office people by name (the template says what
    they are: 请责任区负责人…, 请…研究处理 to the office)."""
    return person.titled if role in (PRINCIPAL, SUPERVISOR) else person.name


@dataclass
class Audience:
    """The people one notice names, by role, and who stands in for whom; merged across a notice's findings."""

    named: dict[str, list[PersonInfo]] = field(default_factory=dict)
    # (away, role, stand-in or None when nobody can stand in)
    stand_ins: list[tuple[PersonInfo, str, PersonInfo | None]] = field(default_factory=list)

    def reach(self, role: str, people: Iterable[PersonInfo], *, lead: PersonInfo | None,
              on_leave: set[int]) -> None:
        for person in people:
            if person.id not in on_leave:
                self._add(role, person)
            elif all(away.id != person.id for away, _, _ in self.stand_ins):
                unavailable = on_leave | {person.id}
                can = role in (PRINCIPAL, SUPERVISOR) and lead is not None and lead.id not in unavailable
                self.stand_ins.append((person, role, lead if can else None))

    def _add(self, role: str, person: PersonInfo) -> None:
        people = self.named.setdefault(role, [])
        if all(p.id != person.id for p in people):
            people.append(person)

    def mention(self) -> tuple[PersonInfo, ...]:
        seen: dict[int, PersonInfo] = {}
        for role in (PRINCIPAL, SUPERVISOR, LEAD, OFFICE):
            for p in self.named.get(role, []):
                seen.setdefault(p.id, p)
        for _, _, stand_in in self.stand_ins:
            if stand_in is not None:
                seen.setdefault(stand_in.id, stand_in)
        return tuple(p for p in seen.values() if p.chat_id)

    def values(self) -> dict:
        """Plain values for the templates: names by role, and the stand-ins."""
        roles = (PRINCIPAL, SUPERVISOR, LEAD, OFFICE)
        names = {role: [_label(p, role) for p in self.named.get(role, [])] for role in roles}
        by: dict[int | None, dict] = {}  # stand-in id (None: nobody can stand in) → who they stand in for
        for away, role, stand_in in self.stand_ins:
            entry = by.setdefault(stand_in.id if stand_in else None,
                                  {"by": stand_in.name if stand_in else "", "away": []})
            entry["away"].append(_label(away, role))
        return dict(principals=names[PRINCIPAL], supervisors=names[SUPERVISOR], leads=names[LEAD],
                    office=names[OFFICE], stand_ins=list(by.values()))


def audience_for(d: Directory, roles: Iterable[str], school: SchoolInfo, on_leave: set[int],
                 into: Audience | None = None) -> Audience:
    """The people `roles` name for `school` (people on leave replaced by the district lead)."""
    audience = into if into is not None else Audience()
    lead = d.roster.lead_of(school.district_id)
    for role in roles:
        audience.reach(role, d.people(role, school), lead=lead, on_leave=on_leave)
    return audience
