"""Who is looking: the logged-in account's person as an `Actor`, and the schools they may see — the same rule as
in chat (office all, district lead the district, supervisor the assigned schools, principal the own school)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bot.domain.permissions import Action, can
from bot.domain.roles import Actor
from bot.domain.roster import PersonInfo, Roster, SchoolInfo
from bot.storage import models as m
from bot.storage.roster_repo import county_version, load_roster
from bot.storage.session import Session


@dataclass(frozen=True)
class Viewer:
    account_id: int
    person: PersonInfo
    actor: Actor
    roster: Roster
    username: str = ""
    session_id: int | None = None  # the server-side session (bot/web/sessions.py) it came by

    @cached_property
    def school_ids(self) -> set[int] | None:
        """The schools they may see; None: all of them (the office). Worked out once per request: pages test it
        for every school of the county."""
        return None if self.actor.is_office else self.roster.visible_schools(self.actor)

    def may_see(self, school: SchoolInfo | None) -> bool:
        return school is not None and can(self.actor, Action.VIEW, school_id=school.id,
                                          district_id=school.district_id)


class Rosters:
    """The roster snapshot, read again only when the county version changes."""

    def __init__(self) -> None:
        self._roster: Roster | None = None

    async def get(self, session: Session) -> Roster:
        version = await county_version(session)
        if self._roster is None or self._roster.version != version:
            self._roster = await load_roster(session)
        return self._roster


def actor_of(person: PersonInfo, roster: Roster) -> Actor:
    return roster.actor_of(person)


async def viewer_for(session: Session, rosters: Rosters, held: m.WebSession) -> Viewer | None:
    """The viewer of a live session, or None when its account no longer holds (disabled, left the roster)."""
    account = await session.get(m.WebAccount, held.account_id)
    if account is None or not account.active:
        return None
    roster = await rosters.get(session)
    person = roster.people.get(account.person_id)
    if person is None or not person.active:
        return None
    return Viewer(account.id, person, actor_of(person, roster), roster, account.username, held.id)
