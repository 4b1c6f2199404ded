"""Read the roster snapshot from the database."""
from __future__ import annotations

import math
import time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.county.schema import OFFICE_KEY, CalendarConf, Policy
from bot.domain.calendar import WorkCalendar
from bot.domain.roster import DistrictInfo, PersonInfo, RoomInfo, Roster, SchoolInfo
from bot.domain.schools import SchoolIndex
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_changes import RosterChanges, note_roster_changed
from bot.storage.session import Session


class NoCountyLoaded(Exception):
    """The database has no county yet: run `dudao county load FILE`."""


async def county_version(session: Session) -> int | None:
    return await session.scalar(select(m.County.version).where(m.County.id == 1))


async def load_roster(session: Session) -> Roster:
    county = await session.get(m.County, 1)
    if county is None:
        raise NoCountyLoaded("no county loaded")
    stored = dict(county.policy)
    office = stored.pop(OFFICE_KEY, None)  # the county file's `office:` (bot.county.sync)
    policy = Policy.model_validate(stored)
    cal = CalendarConf.model_validate(county.calendar)
    roster = Roster(
        version=county.version, county=county.name, policy=policy, tz=ZoneInfo(policy.timezone),
        calendar=WorkCalendar(cal.extra_holidays, cal.extra_workdays), terms=tuple(cal.terms), office=office,
    )
    # Plain column tuples, not ORM objects: a county of 50,000 schools loads in a fraction of the time.
    schools = select(m.School.id, m.School.name, m.School.short_names, m.School.district_id, m.School.type)
    for sid, name, short, district_id, kind in await session.execute(schools.where(m.School.active)):
        roster.schools[sid] = SchoolInfo(sid, name, tuple(short or ()), district_id, kind)
    leads = dict((await session.execute(select(m.DistrictLead.district_id, m.DistrictLead.person_id))).all())
    for d in await session.scalars(select(m.District).where(m.District.active)):
        roster.districts[d.id] = DistrictInfo(d.id, d.name, leads.get(d.id))
    supervised: dict[int, set[int]] = {}
    for pid, sid in (await session.execute(select(m.SupervisorSchool.person_id, m.SupervisorSchool.school_id))).all():
        supervised.setdefault(pid, set()).add(sid)
    people = select(m.Person.id, m.Person.key, m.Person.name, m.Person.role, m.Person.chat_id, m.Person.school_id,
                    m.Person.active)
    for pid, key, name, role, chat_id, school_id, active in await session.execute(people):
        info = PersonInfo(pid, key, name, role, chat_id, school_id, frozenset(supervised.get(pid, ())), active)
        roster.people[pid] = info
        if chat_id and active:
            roster.by_chat_id[chat_id] = info
    for r in await session.scalars(select(m.Room).where(m.Room.active)):
        roster.rooms[r.chat_id] = RoomInfo(r.id, r.chat_id, r.name, r.scope, r.district_id, r.school_id,
                                            r.webhook_key)
    return roster


async def bump_version(session: Session) -> None:
    county = await session.get(m.County, 1)
    if county is not None:
        county.version += 1
        note_roster_changed(session)


class RosterCache:
    """The roster snapshot and its school index, reloaded when the county version changes.

    The version is not read for every message: a change committed through the same Database (#本群, a county load
    in this process) bumps the generation of its RosterChanges hook, which the cache compares in memory; a load by
    another process (`dudao county load` beside a running bot) is noticed at the first look `recheck_seconds` after
    the last one, or at a sweep (`recheck=True`)."""

    def __init__(self, db: Database, recheck_seconds: float = 2.0) -> None:
        self.db = db
        self.changes = db.hook(RosterChanges)
        self._roster: Roster | None = None
        self._schools: SchoolIndex | None = None
        self.recheck_seconds = recheck_seconds
        self._checked = -math.inf
        self._generation = -1

    def peek(self) -> Roster | None:
        """The roster last loaded, if any, without a look at the database."""
        return self._roster

    async def get(self, session: Session, *, recheck: bool = False) -> tuple[Roster, SchoolIndex]:
        now = time.monotonic()
        if (self._roster is None or recheck or self._generation != self.changes.generation
                or now - self._checked >= self.recheck_seconds):
            self._generation = self.changes.generation
            version = await county_version(session)
            if self._roster is None or self._roster.version != version:
                self._roster = await load_roster(session)
                self._schools = SchoolIndex(list(self._roster.schools.values()))
            self._checked = now
        assert self._schools is not None  # loaded with the roster
        return self._roster, self._schools
