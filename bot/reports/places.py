"""Where schools were at a moment, and who held them: what a report about a past period needs of the roster.

A past period is counted against the roster as it stood then (docs/design.md, "The office's figures"): a school
moved to another district at a term's `county load` still counts, for the months before, in the district it
belonged to; a supervisor reassigned is appraised for the schools held during the period.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import Roster, RosterAt
from bot.storage.roster_history import roster_at


async def roster_then(session: AsyncSession, roster: Roster, t: datetime) -> RosterAt:
    """The roster as it stood at `t` (the live one, with the few spans changed since put back)."""
    return await roster_at(session, roster, t)


async def districts_at(session: AsyncSession, roster: Roster, t: datetime) -> dict[int, int]:
    """School id → the id of the district it belonged to at `t`."""
    return (await roster_then(session, roster, t)).district_of


def school_name(roster: Roster, then: RosterAt, school_id: int) -> str:
    """A school's name, also for one removed from the county file since."""
    school = roster.schools.get(school_id) or then.schools.get(school_id)
    return school.name if school else ""


def office_name(roster: Roster) -> str:
    """The office's official name, as the county file gives it (or the usual one for the county)."""
    return roster.office_name
