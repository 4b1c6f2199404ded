"""Queue a bot-initiated message exactly once: record its key in reminders_sent and the outbox together."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from bot.contract import Covered, Notice, to_outbound
from bot.outbox import enqueue_many
from bot.render import Renderer
from bot.storage import models as m
from bot.storage.session import Session


async def already_sent(session: Session, key: str) -> bool:
    return await session.get(m.ReminderSent, key) is not None




async def recorded(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of `keys` are recorded (one query per 500 keys)."""
    keys, found = list(dict.fromkeys(keys)), set()
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        found |= set(await session.scalars(select(m.ReminderSent.key).where(m.ReminderSent.key.in_(chunk))))
    return found


async def record_skipped(session: Session, key: str, kind: str, now: datetime, *,
                         finding_id: int | None = None, step: int | None = None) -> None:
    """A step the bot caught up past (it was down): remember it so it is never sent late."""
    await record_skipped_many(session, [Covered(key, finding_id, step)], kind, now)


async def record_skipped_many(session: Session, steps: list[Covered], kind: str, now: datetime) -> None:
    """record_skipped for many steps at once."""
    seen = await recorded(session, (c.key for c in steps))
    for c in steps:
        if c.key not in seen:
            seen.add(c.key)
            session.add(m.ReminderSent(key=c.key, kind=kind, finding_id=c.finding_id, step=c.step,
                                       skipped=True, at=now))




async def send_all(session: Session, renderer: Renderer, notices: list[Notice], now: datetime) -> int:
    """Record and queue each notice whose key was not recorded before (and the steps it covers), with a few
    queries for the lot; returns how many were queued."""
    seen = await recorded(session, [n.key for n in notices] + [c.key for n in notices for c in n.covers])
    outs = []
    for notice in notices:
        if notice.key in seen:
            continue
        for c in (Covered(notice.key, notice.finding_id, notice.step), *notice.covers):
            if c.key not in seen:
                seen.add(c.key)
                session.add(m.ReminderSent(key=c.key, kind=notice.kind, finding_id=c.finding_id, step=c.step,
                                           skipped=False, at=now))
        outs.append(to_outbound(notice, renderer, key=f"rem:{notice.key}"))
    await enqueue_many(session, outs, now=now)
    return len(outs)
