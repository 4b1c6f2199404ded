"""Rectification evidence: photos stored on disk under their checksum, attached to the report they prove.

A photo belongs to a rectification report by the same person in the same room (or the same private chat) within
the evidence window (10 minutes by default), and to the report nearest to it in time:
- a photo that arrives after a report attaches to it at once;
- a photo with no report in the window waits (finding_id NULL) and attaches to the next report in the window;
- when the same person reports again, the photos received since the previous report that are nearer in time to
  the new one (and within its window) move to it. Never to an earlier finding than the nearest report.
Each row's finding_id/event_id always name the report it belongs to now.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import bindparam, func, select

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


async def store(
    session: Session, directory: Path, files: list[InboundFile], *, sender: str, room: str | None,
    at: datetime, message_id: str | None, zone: tzinfo | None = None,
) -> list[m.Evidence]:
    """Keep the files and their rows, each with its print for the authenticity hints (`zone`: where a camera's
    clock without an offset is read)."""
    rows = []
    for f in files:
        path, digest, size = save_file(directory, f)
        p = photo_hash.read(f.data, zone)
        b0, b1, b2, b3 = p.bands
        row = m.Evidence(sender_chat_id=sender, room_chat_id=room, path=path, sha256=digest, size=size,
                         name=f.name, mime=f.mime, received_at=at, message_id=message_id, phash=p.phash,
                         phash_b0=b0, phash_b1=b1, phash_b2=b2, phash_b3=b3, taken_at=p.taken_at,
                         gps_lat=p.gps_lat, gps_lon=p.gps_lon)
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


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
    waiting = [r for r in recent if r.finding_id is None]
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


async def count_since(session: Session, event_id: int, first_id: int) -> int:
    """How many photos of report `event_id` there are from evidence row `first_id` on (one burst's count)."""
    return await session.scalar(select(func.count()).select_from(m.Evidence)
                                .where(m.Evidence.event_id == event_id, m.Evidence.id >= first_id)) or 0
