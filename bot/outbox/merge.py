"""One round of the outbox: the bot-initiated rows one sweep queued for one destination go out as one message;
a dead letter is told to the office room."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.messages import Outbound
from bot.outbox.store import enqueue
from bot.render import Renderer
from bot.storage import models as m
from bot.storage.session import Session

MERGE_LIMIT = 1800  # characters: bot-initiated messages for one room at one time go out as one message
STANDALONE = ("rem:digest:",)  # key prefixes of documents (周报, 通报) that always go out as a message of their own


def merge(rows: list[m.OutboxMessage]) -> list[list[m.OutboxMessage]]:
    """Group the bot-initiated rows one sweep queued for one destination into one message (in queue order);
    replies, files, messages with buttons and standalone documents stay one message each."""
    groups: list[list[m.OutboxMessage]] = []
    open_groups: dict[tuple, list[m.OutboxMessage]] = {}
    for row in rows:
        mergeable = row.in_reply_to is None and not row.files and not row.buttons and not _standalone(row)
        key = (row.room_chat_id, row.to_chat_id, row.created_at)
        group = open_groups.get(key) if mergeable else None
        if group is not None and sum(len(r.text) for r in group) + len(row.text) < MERGE_LIMIT:
            group.append(row)
            continue
        groups.append([row])
        if mergeable:
            open_groups[key] = groups[-1]
    return groups


def _standalone(row: m.OutboxMessage) -> bool:
    return row.key.startswith(STANDALONE)


def combined(rows: list[m.OutboxMessage]) -> Outbound:
    mentions: dict[str, str] = {}
    for row in rows:
        for chat_id, name in zip(row.mentions, row.mention_names or [""] * len(row.mentions), strict=False):
            mentions.setdefault(chat_id, name)
    first = rows[0]
    return Outbound(room=first.room_chat_id, to=first.to_chat_id, text="\n\n".join(r.text for r in rows),
                    mentions=tuple(mentions), mention_names=tuple(mentions.values()), key=first.key)


async def tell_office_dead(s: Session, row: m.OutboxMessage, now: datetime, renderer: Renderer) -> None:
    office = await s.scalar(select(m.Room).where(m.Room.scope == "office", m.Room.active))
    if office is None or row.key.startswith("dead:") or row.room_chat_id == office.chat_id:
        return
    where = await s.scalar(select(m.Room.name).where(m.Room.chat_id == row.room_chat_id)) if row.room_chat_id else None
    text = renderer.render("outbox/dead_letter.j2", where=where or row.room_chat_id or row.to_chat_id or "",
                           attempts=row.attempts, text=row.text[:300])
    await enqueue(s, Outbound(room=office.chat_id, to=None, text=text, key=f"dead:{row.id}"), now=now)
