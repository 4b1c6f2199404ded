"""What is due, found in SQL: findings in a deadline range on the (status, deadline_at) index, minus the steps
already recorded in reminders_sent — never a Python loop over findings that are not due (most are closed).

A finding 申诉中 (an appeal waits for the office's decision) is left out of every reminder here: its steps are
neither sent nor recorded while it waits, so after a 维持 the ladder goes on where the deadline puts it (catching
up to the highest step due, as after any pause).

Step keys name the finding and its current deadline (`ladder:<id>:<due date>:<step>`, `due:<id>:<due date>`),
so an extension (延期) starts the reminders afresh for the new deadline, while a failed verification (the
deadline stands) does not repeat what was sent. The queries rebuild the same key in SQL to test it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, exists, func, literal, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.roster import RoomInfo, SchoolInfo
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.storage.session import Session
from reminders.audience import Directory

F = m.Finding
LIST_MAX = 10  # findings listed in one message; the rest are counted (a phone screen)
DESCRIPTION_MAX = 24


@dataclass(frozen=True)
class Due:
    """A finding that is due for a reminder: plain values, no ORM object."""

    id: int
    number: int
    school_id: int
    description: str
    due_date: date
    finder_id: int
    created_at: datetime
    rectified_at: datetime | None


Pairs = list[tuple[Due, SchoolInfo]]  # findings with their schools
COLUMNS = (F.id, F.number, F.school_id, F.description, F.due_date, F.finder_id, F.created_at, F.rectified_at)


def step_key(prefix: str, finding_id: int, due: date, step: int | None = None) -> str:
    return f"{prefix}:{finding_id}:{due.isoformat()}" + ("" if step is None else f":{step}")


def step_key_sql(prefix: str, dialect: str, step: ColumnElement[Any] | None = None) -> ColumnElement[Any]:
    """step_key(...) for each finding row (and the step an SQL expression gives it), as an SQL expression."""
    iso = (type_coerce(func.to_char(F.due_date, "YYYY-MM-DD"), String) if dialect == "postgresql"
           else type_coerce(F.due_date, String))  # SQLite stores dates as ISO text
    key = type_coerce(f"{prefix}:", String) + cast(F.id, String) + ":" + iso
    return key if step is None else key + ":" + cast(step, String)


async def open_findings(session: Session, kind: str, *, deadline_until: datetime,
                        deadline_after: datetime | None = None, created_before: datetime | None = None,
                        step: ColumnElement[int] | None = None) -> list[tuple[Due, int | None]]:
    """Open findings with deadline_after < deadline_at <= deadline_until whose step key (`kind`, and `step`
    when given) is not recorded, most overdue first, each with its step.

    Two queries: the ids, from the covering index (status, deadline_at, id, due_date) anti-joined with the
    recorded keys of this kind; then the rows of just those, but for those 申诉中 (the flag is read there, so the
    first stays on the index).
    """
    key = step_key_sql(kind, session.bind.dialect.name, step)
    recorded = exists().where(m.ReminderSent.kind == kind, m.ReminderSent.key == key)
    q = select(F.id, step if step is not None else literal(None)).where(
        F.status == ledger.OPEN, F.deadline_at <= deadline_until, ~recorded)
    if deadline_after is not None:
        q = q.where(F.deadline_at > deadline_after)
    if created_before is not None:
        q = q.where(F.created_at < created_before)
    steps = dict((await session.execute(q)).all())
    found = await _rows(session, list(steps))
    return [(f, steps[f.id]) for f in sorted(found, key=lambda f: (f.due_date, f.number))]


async def _rows(session: Session, ids: list[int]) -> list[Due]:
    rows: list[Due] = []
    for i in range(0, len(ids), 500):
        rows += [Due(*row) for row in await session.execute(
            select(*COLUMNS).where(F.id.in_(ids[i:i + 500]), F.appealed_at.is_(None)))]
    return rows


async def awaiting_verification(session: Session, *, rectified_before: datetime) -> list[Due]:
    """Rectified findings reported before `rectified_before` with no verify reminder since that report (none
    申诉中)."""
    reminded = exists().where(and_(m.ReminderSent.finding_id == F.id, m.ReminderSent.kind == "verify",
                                   m.ReminderSent.at >= F.rectified_at))
    q = select(*COLUMNS).where(F.status == ledger.RECTIFIED, F.rectified_at < rectified_before, ~reminded,
                               F.appealed_at.is_(None))
    rows = await session.execute(q.order_by(F.rectified_at, F.number))
    return [Due(*row) for row in rows]


def by_room(d: Directory, scope: str, found: list[Due]) -> dict[str, tuple[RoomInfo, Pairs]]:
    """Group findings by the room a `scope` step reaches (unknown schools and schools without a room wait)."""
    groups: dict[str, tuple[RoomInfo, Pairs]] = {}
    for f in found:
        school = d.roster.schools.get(f.school_id)
        if school is not None and (room := d.room(scope, school)) is not None:
            groups.setdefault(room.chat_id, (room, []))[1].append((f, school))
    return groups


def short(text: str, limit: int = DESCRIPTION_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def items(found: Pairs, today: date, tz: ZoneInfo) -> tuple[list[dict], int]:
    """The first LIST_MAX findings as plain values for a list line, and how many more there are."""
    lines = [dict(ref=ledger.ref(f.number), school=s.display, description=short(f.description),
                  due=f.due_date, days=(today - f.due_date).days,
                  rectified=f.rectified_at.astimezone(tz).date() if f.rectified_at else None)
             for f, s in found[:LIST_MAX]]
    return lines, max(0, len(found) - LIST_MAX)


def group_key(prefix: str, keys: list[str]) -> str:
    """One notice listing several findings: a key derived from theirs (the same set gives the same key)."""
    return f"{prefix}:group:" + hashlib.sha256("|".join(sorted(keys)).encode()).hexdigest()[:32]


def schools_of(found: Pairs) -> list[SchoolInfo]:
    seen: dict[int, SchoolInfo] = {}
    for _, school in found:
        seen.setdefault(school.id, school)
    return list(seen.values())
