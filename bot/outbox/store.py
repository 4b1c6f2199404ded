"""The outbox table: queue a message under its idempotency key, in the caller's transaction.

A deferred row (`not_before` later than now) may still be changed while it waits: its text re-rendered and its time
pushed on (`update_pending`), or withdrawn (`cancel_pending`) — a burst of photos is acknowledged once this way.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.messages import Button, Outbound, card_id
from bot.outbox.handover import claims, note_queued
from bot.outbox.status import CANCELLED, PENDING, SENDING
from bot.storage import models as m
from bot.storage.session import Session


async def enqueue(session: Session, out: Outbound, *, now: datetime, not_before: datetime | None = None,
                  fresh: bool = False) -> bool:
    """Queue `out` under its idempotency key; False when that key was queued before. `fresh`: the caller knows the
    key is new (derived from a message recorded in this very transaction), so it is not looked up.

    A reply due now is written 'sending' — already a sender's, handed over in memory after the commit — when a
    sender takes this transaction's replies (bot.outbox.handover); anything the bot says on its own (no
    `in_reply_to`) waits in the table, where the sender keeps quiet hours."""
    if not out.key:
        raise ValueError("an outbound message needs an idempotency key")
    if not fresh and await session.scalar(select(m.OutboxMessage.id).where(m.OutboxMessage.key == out.key)) is not None:
        return False
    claimed = not_before is None and out.in_reply_to is not None and claims(session)
    _add(session, _row(out, now, not_before, SENDING if claimed else PENDING))
    return True


def _add(session: Session, row: m.OutboxMessage) -> None:
    session.add(row)
    note_queued(session, row)


async def enqueue_many(session: Session, outs: list[Outbound], *, now: datetime) -> int:
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
            _add(session, _row(out, now, None, PENDING))
            new += 1
    return new


async def pending_keys(session: Session, prefix: str, *, due_after: datetime | None = None) -> list[str]:
    """Keys of the rows not yet sent whose key starts with `prefix` (only those due after `due_after`), oldest
    first."""
    q = select(m.OutboxMessage.key).where(m.OutboxMessage.status == PENDING,
                                          m.OutboxMessage.key.startswith(prefix, autoescape=True))
    if due_after is not None:
        q = q.where(m.OutboxMessage.next_attempt_at > due_after)
    return list(await session.scalars(q.order_by(m.OutboxMessage.id)))


async def update_pending(session: Session, key: str, *, text: str, not_before: datetime | None = None,
                         mentions: tuple[tuple[str, ...], tuple[str, ...]] | None = None) -> bool:
    """Re-render a row not yet sent (and move its time to `not_before`; set its `mentions`, (chat ids, names),
    when given); False when it was sent or is unknown."""
    values: dict = {"text": text}
    if mentions is not None:
        values["mentions"], values["mention_names"] = list(mentions[0]), list(mentions[1])
    if not_before is not None:
        values["next_attempt_at"] = not_before
    result = await session.execute(update(m.OutboxMessage)
                                   .where(m.OutboxMessage.key == key, m.OutboxMessage.status == PENDING)
                                   .values(**values))
    return result.rowcount > 0


async def cancel_pending(session: Session, key: str) -> bool:
    """Withdraw a row not yet sent (it stays, marked cancelled); False when it was sent or is unknown."""
    result = await session.execute(update(m.OutboxMessage)
                                   .where(m.OutboxMessage.key == key, m.OutboxMessage.status == PENDING)
                                   .values(status=CANCELLED))
    return result.rowcount > 0


async def next_deferred(session: Session, after: datetime) -> datetime | None:
    """The earliest time a row not yet sent waits for, later than `after` (None: nothing waits)."""
    return await session.scalar(select(func.min(m.OutboxMessage.next_attempt_at))
                                .where(m.OutboxMessage.status == PENDING, m.OutboxMessage.next_attempt_at > after))


def _row(out: Outbound, now: datetime, not_before: datetime | None, status: str) -> m.OutboxMessage:
    return m.OutboxMessage(
        key=out.key, room_chat_id=out.room, to_chat_id=out.to, text=out.text, mentions=list(out.mentions),
        mention_names=list(out.mention_names), files=list(out.files), in_reply_to=out.in_reply_to,
        buttons=[[b.label, b.command] for b in out.buttons] or None, card=card_id(out.key) if out.buttons else None,
        created_at=now,
        next_attempt_at=not_before or now, status=status, attempts=0,
    )


def row_outbound(row: m.OutboxMessage) -> Outbound:
    return Outbound(room=row.room_chat_id, to=row.to_chat_id, text=row.text, mentions=tuple(row.mentions),
                    mention_names=tuple(row.mention_names), files=tuple(row.files), in_reply_to=row.in_reply_to,
                    key=row.key, buttons=tuple(Button(label, command) for label, command in row.buttons or ()))


async def carried_card(session: Session, card: str) -> Outbound | None:
    """The message whose buttons went out on card `card` (bot.messages.card_id): what updating it needs."""
    row = await session.scalar(select(m.OutboxMessage).where(m.OutboxMessage.card == card).limit(1))
    return row_outbound(row) if row is not None else None


RESENT_AFTER_CRASH = "outbox_resent_after_crash"


async def count(session: Session, name: str, n: int = 1) -> None:
    """Add `n` to the counter `name` (created at 0)."""
    row = await session.get(m.Counter, name)
    if row is None:
        session.add(m.Counter(name=name, value=n))
    else:
        row.value += n


async def counter(session: Session, name: str) -> int:
    row = await session.get(m.Counter, name)
    return row.value if row else 0
