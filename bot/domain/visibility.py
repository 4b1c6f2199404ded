"""Where things may be shown and where a school's people are — the one rule for rooms (docs/design.md, "Where messages
go"). A message in a room is read by everyone in it, so a room shows only what every member may see: a school room
its own school, a district room its district's schools, the office room everything. A private chat shows what
that person may see (bot.domain.permissions decides that part)."""
from __future__ import annotations

from bot.domain.roster import RoomInfo, Roster, SchoolInfo


def room_shows_all(room: RoomInfo | None) -> bool:
    """May everyone in `room` see every school (the office room; `None`: a private chat, the person's rights)?"""
    return room is None or room.scope == "office"


def room_shows_district(room: RoomInfo | None, district_id: int) -> bool:
    """May everyone in `room` see the whole district?"""
    return room_shows_all(room) or (room is not None and room.scope == "district" and room.district_id == district_id)


def room_shows(room: RoomInfo | None, school: SchoolInfo) -> bool:
    """May everyone in `room` see `school`'s findings? `None` is a private chat: the person's own rights apply."""
    if room_shows_all(room):
        return True
    assert room is not None  # a private chat (None) is shown all above
    if room.scope == "district":
        return school.district_id == room.district_id
    if room.scope == "school":
        return school.id == room.school_id
    return False  # a room bound to nothing shows nothing




def home_room(roster: Roster, school: SchoolInfo, here: RoomInfo | None = None) -> RoomInfo | None:
    """Where `school`'s people are: its own room, else its district's room, else none (reach them privately).
    A school may have more than one room of its own: `here`, when it is one of them, is the one."""
    if here is not None and here.scope == "school" and here.school_id == school.id:
        return here
    own = roster.room_for_school(school.id)
    if own is None and here is not None and here.scope == "district" and here.district_id == school.district_id:
        return here
    return own or roster.room_for_district(school.district_id)
