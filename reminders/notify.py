"""Queue a bot-initiated message exactly once: record its key in reminders_sent and the outbox together."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import PersonInfo
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.render import Renderer
from bot.storage import models as m


@dataclass(frozen=True)
class Notice:
    """One bot-initiated message: `key` names what and which step, so it is sent once, ever."""

    key: str
    kind: str
    template: str
    values: dict = field(default_factory=dict)
    room: str | None = None
    to: str | None = None
    mention: tuple[PersonInfo, ...] = ()
    finding_id: int | None = None
    step: int | None = None


async def already_sent(session: AsyncSession, key: str) -> bool:
    return await session.get(m.ReminderSent, key) is not None


async def sent_keys(session: AsyncSession, prefix: str) -> set[str]:
    rows = await session.scalars(select(m.ReminderSent.key).where(m.ReminderSent.key.startswith(prefix)))
    return set(rows)


async def record_skipped(session: AsyncSession, key: str, kind: str, now: datetime, *,
                         finding_id: int | None = None, step: int | None = None) -> None:
    """A step the bot caught up past (it was down): remember it so it is never sent late."""
    if not await already_sent(session, key):
        session.add(m.ReminderSent(key=key, kind=kind, finding_id=finding_id, step=step, skipped=True, at=now))


async def send(session: AsyncSession, renderer: Renderer, notice: Notice, now: datetime) -> bool:
    """Record and queue `notice` unless its key was recorded before; True when queued."""
    if await already_sent(session, notice.key):
        return False
    session.add(m.ReminderSent(key=notice.key, kind=notice.kind, finding_id=notice.finding_id, step=notice.step,
                               skipped=False, at=now))
    people = [p for p in notice.mention if p.chat_id]
    out = Outbound(room=notice.room, to=notice.to if notice.room is None else None,
                   text=renderer.render(notice.template, **notice.values),
                   mentions=tuple(p.chat_id for p in people), mention_names=tuple(p.name for p in people),
                   key=f"rem:{notice.key}")
    await enqueue(session, out, now=now)
    return True
