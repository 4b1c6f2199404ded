"""Rectification evidence: photos stored on disk under their checksum, attached to the finding they prove.

Photos sent by the same person in the same room within the evidence window (10 minutes by default) of
a rectification report attach to it, whether they come just before or just after the report.
"""
from __future__ import annotations

import hashlib
import mimetypes
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import InboundFile
from bot.storage import models as m


def save_file(directory: Path, file: InboundFile) -> tuple[str, str, int]:
    """Write the bytes once under <dir>/<sha[:2]>/<sha><ext>; return (path, sha256, size). Idempotent."""
    digest = hashlib.sha256(file.data).hexdigest()
    ext = Path(file.name).suffix.lower() or (mimetypes.guess_extension(file.mime or "") or ".bin")
    target = directory / digest[:2] / f"{digest}{ext}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(file.data)
        tmp.replace(target)
    return str(target), digest, len(file.data)


async def store(
    session: AsyncSession, directory: Path, files: tuple[InboundFile, ...], *, sender: str, room: str | None,
    at: datetime, message_id: str | None,
) -> list[m.Evidence]:
    rows = []
    for f in files:
        path, digest, size = save_file(directory, f)
        row = m.Evidence(sender_chat_id=sender, room_chat_id=room, path=path, sha256=digest, size=size,
                         name=f.name, mime=f.mime, received_at=at, message_id=message_id)
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


async def recent_rectification(
    session: AsyncSession, *, person_id: int, room: str | None, since: datetime,
) -> m.FindingEvent | None:
    """The person's latest rectification report in this room since `since`."""
    events = await session.scalars(
        select(m.FindingEvent)
        .where(m.FindingEvent.kind == "rectified", m.FindingEvent.actor_id == person_id, m.FindingEvent.at >= since)
        .order_by(m.FindingEvent.id.desc())
    )
    return next((e for e in events if e.data.get("room") == room), None)


async def attach_pending(
    session: AsyncSession, event: m.FindingEvent, *, sender: str, room: str | None, window: timedelta,
) -> int:
    """Attach photos the sender sent in this room shortly before the report; returns how many."""
    pending = await session.scalars(
        select(m.Evidence).where(
            m.Evidence.finding_id.is_(None), m.Evidence.sender_chat_id == sender,
            m.Evidence.room_chat_id == room if room else m.Evidence.room_chat_id.is_(None),
            m.Evidence.received_at >= event.at - window,
        )
    )
    count = 0
    for row in pending:
        row.finding_id, row.event_id = event.finding_id, event.id
        count += 1
    return count


def attach(rows: list[m.Evidence], event: m.FindingEvent) -> None:
    for row in rows:
        row.finding_id, row.event_id = event.finding_id, event.id


async def sent_just_before(
    session: AsyncSession, rows: list[m.Evidence], *, sender: str, room: str | None, since: datetime,
) -> bool:
    """Did the sender send other photos in this room since `since` (before these rows)?"""
    earlier = await session.scalar(
        select(m.Evidence.id).where(
            m.Evidence.sender_chat_id == sender,
            m.Evidence.room_chat_id == room if room else m.Evidence.room_chat_id.is_(None),
            m.Evidence.received_at >= since, m.Evidence.id.not_in([r.id for r in rows]),
        ).limit(1)
    )
    return earlier is not None
