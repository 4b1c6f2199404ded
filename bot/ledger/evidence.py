"""Evidence: photos stored on disk under their checksum, attached to the report they prove — a rectification
report (整改照片), or the logging of a finding by its finder (问题照片: the photos the finder sends after `#问题`
within the window, in the same room or private chat; attached to the finding's "created" event, which is how
the desk and the 整改通知书 tell them from rectification photos: PROBLEM_EVENTS).

A photo belongs to a rectification report by the same person in the same room (or the same private chat) within
the evidence window (10 minutes by default), and to the report nearest to it in time:
- a photo that arrives after a report attaches to it at once;
- a photo with no report in the window waits (finding_id NULL) and attaches to the next report in the window;
- when the same person reports again, the photos received since the previous report that are nearer in time to
  the new one (and within its window) move to it. Never to an earlier finding than the nearest report.
Each row's finding_id/event_id always name the report it belongs to now. Photos that wait are never given to a
finding logged after them (a problem's photos are those sent after it), and never move between a problem and a
rectification report — except the photos of a `#问题` that failed (a WeCom 图文混排 `#问题 城口中学X …` with a
typo): they wait marked HELD_FOR_PROBLEM, and the sender's next `#问题` in the same room or private chat within
the window takes them as its 问题照片, as it would photos sent right after it; no rectification report takes them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import bindparam, case, func, select

from bot.ledger import photo_hash
from bot.ledger.images import photo_extension
from bot.messages import InboundFile
from bot.storage import models as m
from bot.storage.session import Session


@dataclass(frozen=True)
class Gathered:
    """What a report gathered: `count` photos in all, `moved` of them from `moved_from` (the previous report)."""

    count: int = 0
    moved: int = 0
    moved_from: m.FindingEvent | None = None


def save_file(directory: Path, file: InboundFile) -> tuple[str, str, int]:
    """Write the bytes once under <dir>/<sha[:2]>/<sha><ext>; return (path, sha256, size). Idempotent."""
    digest = hashlib.sha256(file.data).hexdigest()
    ext = photo_extension(file.data)  # from the content, never from the sender's file name
    target = directory / digest[:2] / f"{digest}{ext}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(file.data)
        tmp.replace(target)
    return str(target), digest, len(file.data)


HELD_FOR_PROBLEM = "problem"  # Evidence.held_for of the photos of a failed #问题: its correction takes them


async def store(
    session: Session, directory: Path, files: list[InboundFile], *, sender: str, room: str | None,
    at: datetime, message_id: str | None, zone: tzinfo | None = None, held_for: str | None = None,
) -> list[m.Evidence]:
    """Keep the files and their rows, each with its print for the authenticity hints (`zone`: where a camera's
    clock without an offset is read; `held_for`: HELD_FOR_PROBLEM for the photos of a failed #问题)."""
    rows = []
    for f in files:
        path, digest, size = save_file(directory, f)
        p = photo_hash.read(f.data, zone)
        b0, b1, b2, b3 = p.bands
        row = m.Evidence(sender_chat_id=sender, room_chat_id=room, path=path, sha256=digest, size=size,
                         name=f.name, mime=f.mime, received_at=at, message_id=message_id, phash=p.phash,
                         phash_b0=b0, phash_b1=b1, phash_b2=b2, phash_b3=b3, taken_at=p.taken_at,
                         gps_lat=p.gps_lat, gps_lon=p.gps_lon, held_for=held_for)
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


WITHDRAWN = "withdrawn"  # bot.ledger.lifecycle.WITHDRAWN (a finding's state; the lifecycle is not imported here)
PROBLEM_EVENTS = ("created",)  # the events whose photos show the problem (问题照片), not its rectification
PHOTO_EVENTS = ("rectified", *PROBLEM_EVENTS)  # the events photos that follow them attach to

_RECENT_HERE = select(m.Evidence).where(m.Evidence.received_at >= bindparam("since"),
                                        m.Evidence.sender_chat_id == bindparam("sender"),
                                        m.Evidence.room_chat_id == bindparam("room"))
_RECENT_PRIVATE = select(m.Evidence).where(m.Evidence.received_at >= bindparam("since"),
                                           m.Evidence.sender_chat_id == bindparam("sender"),
                                           m.Evidence.room_chat_id.is_(None))


async def recent_rectification(
    session: Session, *, person_id: int, room: str | None, since: datetime, before_id: int | None = None,
) -> m.FindingEvent | None:
    """The person's latest rectification report in this room since `since` (and before event `before_id`)."""
    q = select(m.FindingEvent).where(m.FindingEvent.kind == "rectified", m.FindingEvent.actor_id == person_id,
                                     m.FindingEvent.at >= since)
    if before_id is not None:
        q = q.where(m.FindingEvent.id < before_id)
    events = await session.scalars(q.order_by(m.FindingEvent.id.desc()))
    return next((e for e in events if e.data.get("room") == room), None)


async def recent_report(
    session: Session, *, person_id: int, room: str | None, since: datetime,
) -> m.FindingEvent | None:
    """The report the person's photos here now belong to: their latest rectification report or finding logged in
    this room (or this private chat) since `since`, whichever came last — none when that finding has been withdrawn
    since (#撤销 within the window: its photos do not go to it, nor to an earlier finding)."""
    q = (select(m.FindingEvent, m.Finding.room_chat_id, m.Finding.status)
         .join(m.Finding, m.Finding.id == m.FindingEvent.finding_id)
         .where(m.FindingEvent.kind.in_(PHOTO_EVENTS), m.FindingEvent.actor_id == person_id,
                m.FindingEvent.at >= since)
         .order_by(m.FindingEvent.id.desc()))
    for event, finding_room, status in await session.execute(q):
        if event.kind in PROBLEM_EVENTS:  # logged where the finding's room says; by a message (not `dudao import`)
            if event.message_id is not None and finding_room == room:
                return None if status == WITHDRAWN else event
        elif event.data.get("room") == room:  # a report names its room in its data
            return None if status == WITHDRAWN else event
    return None


async def logged_together(session: Session, event: m.FindingEvent) -> list[tuple[m.FindingEvent, int]]:
    """The findings (their logging event and number) the message that logged `event`'s finding logged — a `#问题`
    list logs several: photos after it are not one finding's to take (docs/design.md, "Photos"). Withdrawn ones
    are left out."""
    if event.message_id is None or event.kind not in PROBLEM_EVENTS:
        return []
    rows = await session.execute(
        select(m.FindingEvent, m.Finding.number).join(m.Finding, m.Finding.id == m.FindingEvent.finding_id)
        # one message's findings are logged at one moment: (kind, at) is indexed, message ids are not
        .where(m.FindingEvent.kind.in_(PROBLEM_EVENTS), m.FindingEvent.at >= event.at - timedelta(seconds=1),
               m.FindingEvent.at <= event.at + timedelta(seconds=1), m.FindingEvent.message_id == event.message_id,
               m.FindingEvent.actor_id == event.actor_id, m.Finding.status != WITHDRAWN)
        .order_by(m.Finding.number))
    return [(e, int(n)) for e, n in rows]


async def waiting_photos(session: Session, *, sender: str, room: str | None, since: datetime) -> list[m.Evidence]:
    """The photos the sender sent here since `since` that belong to nothing (yet), in order."""
    q = _RECENT_HERE if room else _RECENT_PRIVATE
    rows = await session.scalars(q.where(m.Evidence.finding_id.is_(None)).order_by(m.Evidence.id),
                                 {"since": since, "sender": sender, "room": room})
    return list(rows)


def is_problem(event: m.FindingEvent) -> bool:
    return event.kind in PROBLEM_EVENTS


def attach(rows: list[m.Evidence], event: m.FindingEvent) -> None:
    for row in rows:
        row.finding_id, row.event_id = event.finding_id, event.id


async def gather(
    session: Session, event: m.FindingEvent, *, sender: str, room: str | None, window: timedelta,
) -> Gathered:
    """Attach to a new report the photos that belong to it: those waiting within its window, and those received
    since the sender's previous report here that are nearer in time to this one."""
    since = event.at - window
    recent = list(await session.scalars(_RECENT_HERE if room else _RECENT_PRIVATE,
                                        {"since": since, "sender": sender, "room": room}))
    waiting = [r for r in recent if r.finding_id is None and r.held_for != HELD_FOR_PROBLEM]
    attach(waiting, event)
    # A photo of the previous report moves only when received within this window (so it is among `recent`):
    # with none attached there, no report needs looking up. A previous report is at most a window before them.
    previous, nearer = None, []
    # (every report is a person's: one without would have no earlier one of theirs)
    if event.actor_id is not None and any(r.event_id is not None for r in recent):
        previous = await recent_rectification(session, person_id=event.actor_id, room=room, since=since - window,
                                              before_id=event.id)
    if previous is not None:
        nearer = [r for r in recent if r.event_id == previous.id and r.received_at >= previous.at
                  and event.at - r.received_at < r.received_at - previous.at]
        attach(nearer, event)
    return Gathered(count=len(waiting) + len(nearer), moved=len(nearer), moved_from=previous if nearer else None)


async def gather_held_problem(
    session: Session, finding: m.Finding, *, sender: str, room: str | None, at: datetime, window: timedelta,
) -> tuple[m.FindingEvent | None, list[m.Evidence]]:
    """A finding just logged takes the photos its finder's failed #问题 left waiting here within the window (its
    "created" event and them; none: (None, []), after one look-up)."""
    held = [r for r in await session.scalars(_RECENT_HERE if room else _RECENT_PRIVATE,
                                             {"since": at - window, "sender": sender, "room": room})
            if r.finding_id is None and r.held_for == HELD_FOR_PROBLEM]
    if not held:
        return None, []
    event = await session.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id,
                                                              m.FindingEvent.kind.in_(PROBLEM_EVENTS)))
    if event is None:
        return None, []
    attach(held, event)
    return event, held


async def count_since(session: Session, event_id: int, first_id: int) -> int:
    """How many photos of report `event_id` there are from evidence row `first_id` on (one burst's count)."""
    return await session.scalar(select(func.count()).select_from(m.Evidence)
                                .where(m.Evidence.event_id == event_id, m.Evidence.id >= first_id)) or 0


async def counts(session: Session, finding_id: int) -> tuple[int, int]:
    """(问题照片, 整改照片) of a finding: how many photos show the problem, how many its rectification."""
    problem = case((m.FindingEvent.kind.in_(PROBLEM_EVENTS), 1), else_=0)
    row = (await session.execute(
        select(func.count(m.Evidence.id), func.coalesce(func.sum(problem), 0))
        .outerjoin(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id)
        .where(m.Evidence.finding_id == finding_id))).one()
    return int(row[1]), int(row[0]) - int(row[1])


async def missing_files(session: Session) -> tuple[int, int]:
    """(photo rows, rows whose file is no longer on disk): what `dudao doctor` reports. Reads the paths only."""
    rows = missing = 0
    for path in await session.scalars(select(m.Evidence.path)):
        rows += 1
        missing += not Path(path).is_file()
    return rows, missing
