"""A reason awaited: 不通过 (or 驳回) tapped on a card has no reason yet; the tapper's next message to the bot within
REASON_MINUTES is it (`取消` cancels). Kept in the database (models.AwaitedReason), written in the message's own
transaction like every change."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.storage import models as m
from bot.storage.session import Session

REASON_MINUTES = 10
CANCEL = ("取消", "算了", "不用了")


async def wait_for(session: Session, *, sender: str, room: str | None, command: str, now: datetime) -> None:
    """`sender` owes the reason that completes `command` (a newer one replaces an older)."""
    await session.execute(delete(m.AwaitedReason).where(m.AwaitedReason.sender_chat_id == sender))
    session.add(m.AwaitedReason(sender_chat_id=sender, room_chat_id=room, command=command, created_at=now,
                                until=now + timedelta(minutes=REASON_MINUTES)))
    await session.flush()


async def take(session: Session, sender: str, now: datetime) -> str | None:
    """The command `sender` owes a reason for, taken (it waits no longer); None when none waits (or it expired)."""
    row = await session.scalar(select(m.AwaitedReason).where(m.AwaitedReason.sender_chat_id == sender))
    if row is None:
        return None
    await session.execute(delete(m.AwaitedReason).where(m.AwaitedReason.id == row.id))
    return row.command if row.until > now else None


async def waiting(session: Session, sender: str, now: datetime) -> bool:
    return await session.scalar(select(m.AwaitedReason.id).where(m.AwaitedReason.sender_chat_id == sender,
                                                                 m.AwaitedReason.until > now)) is not None
