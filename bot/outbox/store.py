"""The outbox table: queue a message under its idempotency key, in the caller's transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Outbound
from bot.storage import models as m


async def enqueue(session: AsyncSession, out: Outbound, *, now: datetime, not_before: datetime | None = None) -> bool:
    """Queue `out` under its idempotency key; False when that key was queued before."""
    if not out.key:
        raise ValueError("an outbound message needs an idempotency key")
    if await session.scalar(select(m.OutboxMessage.id).where(m.OutboxMessage.key == out.key)) is not None:
        return False
    session.add(_row(out, now, not_before))
    return True


async def enqueue_many(session: AsyncSession, outs: list[Outbound], *, now: datetime) -> int:
    """Queue many messages (a sweep's reminders) with one look-up of their keys; returns how many were new."""
    if any(not out.key for out in outs):
        raise ValueError("an outbound message needs an idempotency key")
    keys = [out.key for out in outs]
    queued = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        found = await session.scalars(select(m.OutboxMessage.key).where(m.OutboxMessage.key.in_(chunk)))
        queued |= set(found)
    new = 0
    for out in outs:
        if out.key not in queued:
            queued.add(out.key)
            session.add(_row(out, now, None))
            new += 1
    return new


def _row(out: Outbound, now: datetime, not_before: datetime | None) -> m.OutboxMessage:
    return m.OutboxMessage(
        key=out.key, room_chat_id=out.room, to_chat_id=out.to, text=out.text, mentions=list(out.mentions),
        mention_names=list(out.mention_names), files=list(out.files), in_reply_to=out.in_reply_to,
        created_at=now, next_attempt_at=not_before or now, status="pending", attempts=0,
    )


def row_outbound(row: m.OutboxMessage) -> Outbound:
    return Outbound(room=row.room_chat_id, to=row.to_chat_id, text=row.text, mentions=tuple(row.mentions),
                    mention_names=tuple(row.mention_names), files=tuple(row.files), in_reply_to=row.in_reply_to,
                    key=row.key)
