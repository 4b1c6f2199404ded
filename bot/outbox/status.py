"""An outbox row's life — pending → sending (claimed by a sender) → sent, or dead after its last attempt, or
cancelled while it waited — and the two statements that move rows along it by id."""
from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, update

from bot.storage import models as m
from bot.storage.session import Session

PENDING, SENDING, SENT, DEAD, CANCELLED = "pending", "sending", "sent", "dead", "cancelled"

_OUTBOX = cast(Table, m.OutboxMessage.__table__)  # a declarative model's: SQLAlchemy types it a FromClause
# Built once (see bot/ledger/lifecycle.py), on the table: an ORM-enabled UPDATE costs twice a Core one (80 against
# 36 µs) for nothing here (no object of the session is refreshed by it).
_MARK = (update(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
         .values(status=bindparam("status"), sent_at=bindparam("sent_at")))
_CLAIM = (update(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status == PENDING)
          .values(status=SENDING, sent_at=bindparam("sent_at")).returning(_OUTBOX.c.id))


async def mark(session: Session, ids: list[int], *, status: str, at: datetime) -> None:
    """Set the status of rows by id (a round marked sent in one statement)."""
    if ids:
        await session.execute(_MARK, {"ids": ids, "status": status, "sent_at": at})


async def claim(session: Session, ids: list[int], *, at: datetime) -> set[int]:
    """Mark the rows 'sending' if they are still pending (a compare-and-set, one statement); the ids claimed."""
    return set(await session.scalars(_CLAIM, {"ids": ids, "sent_at": at}))
