"""Where schools were at a moment, for reports about a past period (the whole roster as it stood: roster_at).

A past period is counted against the roster as it stood then (docs/design.md, "The office's figures"): a school
moved to another district at a term's `county load` still counts, for the months before, in the district it
belonged to; a supervisor reassigned is appraised for the schools held during the period.
"""
from __future__ import annotations

from datetime import datetime

from bot.domain.roster import Roster, RosterAt
from bot.storage.roster_history import roster_at
from bot.storage.session import Session


async def districts_at(session: Session, roster: Roster, t: datetime) -> dict[int, int]:
    """School id → the id of the district it belonged to at `t`."""
    return (await roster_at(session, roster, t)).district_of


def school_name(roster: Roster, then: RosterAt, school_id: int) -> str:
    """A school's name, also for one removed from the county file since."""
    school = roster.schools.get(school_id) or then.schools.get(school_id)
    return school.name if school else ""
