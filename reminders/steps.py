"""What the cycle rules (monthly, terms, digests) share: when a step is owed, where it goes, who stands in.

A step is owed from its instant until it expires, and only if its instant is not before the bot's first sweep
(the "epoch", recorded once in reminders_sent): a bot that was down catches up on a step it missed while it is
still live, once (notify.send_all records its key); a bot started today owes nothing scheduled before it started.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from bot.contract import Context, Notice
from bot.domain.local_time import local_instant
from bot.domain.roster import PersonInfo, Roster
from bot.storage import models as m
from bot.storage.session import Session

EPOCH_KEY = "sweep:first"


async def epoch(session: Session, now: datetime) -> datetime:
    """When the bot first swept (recorded at the first sweep ever)."""
    row = await session.get(m.ReminderSent, EPOCH_KEY)
    if row is None:
        row = m.ReminderSent(key=EPOCH_KEY, kind="sweep", skipped=True, at=now)
        session.add(row)
        await session.flush()
    return row.at


async def taken(session: Session, key: str) -> bool:
    """Was the step `key` taken (its notices worked out and queued) at an earlier sweep?"""
    return await session.get(m.ReminderSent, key) is not None


def take(session: Session, key: str, kind: str, now: datetime) -> None:
    """Record that the step `key` was taken: later sweeps skip it (its notices have keys of their own)."""
    session.add(m.ReminderSent(key=key, kind=kind, skipped=False, at=now))


def owed(instant: datetime, expires: datetime, now: datetime, since: datetime) -> bool:
    """Is a step scheduled at `instant` (live until `expires`) owed at `now` by a bot sweeping since `since`?"""
    return since <= instant <= now < expires


async def owed_steps(ctx: Context, plan: list[tuple[str, datetime, datetime]], prefix: str,
                     since: datetime) -> list[tuple[str, str]]:
    """The steps of `plan` ((step, instant, expires), in order) owed now and not taken yet, with their keys
    (`prefix:step`): what a cycle rule works out at this sweep."""
    due = []
    for step, instant, expires in plan:
        key = f"{prefix}:{step}"
        if owed(instant, expires, ctx.now, since) and not await taken(ctx.session, key):
            due.append((step, key))
    return due


def day_end(day: date, roster: Roster) -> datetime:
    """The first instant after `day`, county time."""
    return local_instant(day + timedelta(days=1), time(0), roster)


def stand_in(roster: Roster, district_id: int | None, away: PersonInfo,
             on_leave: dict[int, date]) -> PersonInfo | None:
    """Who hears reminders meant for `away` while they are on leave: their district lead, if present."""
    lead = roster.lead_of(district_id) if district_id is not None else None
    if lead is None or lead.id == away.id or lead.id in on_leave:
        return None
    return lead


def district_room(roster: Roster, district_id: int | None) -> str | None:
    room = roster.room_for_district(district_id)
    return room.chat_id if room else None


def school_room(roster: Roster, school_id: int) -> str | None:
    room = roster.room_for_school(school_id)
    return room.chat_id if room else None


def office_room(roster: Roster) -> str | None:
    room = roster.office_room()
    return room.chat_id if room else None


def addressed(key: str, kind: str, template: str, values: dict, room: str | None,
              people: Iterable[PersonInfo]) -> list[Notice]:
    """One notice to a room mentioning `people`; with no room, one private notice to each of them."""
    people = tuple(dict.fromkeys(people))
    if room is not None:
        return [Notice(key=key, kind=kind, template=template, values=values, room=room, mention=people)]
    return [Notice(key=f"{key}:{p.key}", kind=kind, template=template, values=values, to=p.chat_id)
            for p in people if p.chat_id]
