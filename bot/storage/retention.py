"""Storage that stays bounded: the bookkeeping of messages (the handled-message keys, 4 a message, and the outbox
rows already sent) is pruned after `RETENTION_DAYS`; the ledger (findings, events, photos, reminders sent, the
audit trail) never is.

A key only needs to outlive the longest time a platform may deliver the same message again — its redelivery
window. The transports' windows (tests/unit/test_retention.py checks each against `MIN_RETENTION`):
- WeCom: a callback is answered within `WecomTiming.reply_window` (23 h 50 min) and its `create_time` is believed
  within a day of our clock (bot/transports/wecom/callbacks.py): a redelivery comes within a day;
- Wechaty: after a reconnect the gateway's history is read back `Timing.catchup` (12 h) plus the replay margin
  (10 min) and the clock skew allowed (`CLOCK_SKEW_MINUTES`, a setting: at most a day is sane);
- the spool (bot/spool.py) holds messages not yet handled: they have no key to lose.
So a retention shorter than two days could let a redelivery through; `effective_days` raises it to that.

The sweep prunes (bot/cli/bootstrap.py, after each sweep): small batches, each its own short transaction (a
message waits at most one batch), until nothing older is left or the time budget is spent — the rest goes at the
next sweep.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.session import Session

log = logging.getLogger("dudao.retention")

MIN_RETENTION_DAYS = 2  # the longest redelivery window of any transport (a day, WeCom), with a day to spare
MIN_RETENTION = timedelta(days=MIN_RETENTION_DAYS)
BATCH = 500  # rows a transaction: ~10 ms on SQLite, so a message never waits behind the pruning for long
BUDGET_SECONDS = 2.0  # at most this long a sweep; what is left goes at the next one


def effective_days(days: int) -> int:
    """The retention used for a RETENTION_DAYS setting: never shorter than the redelivery windows allow."""
    return max(days, MIN_RETENTION_DAYS)


@dataclass(frozen=True)
class Pruned:
    handled: int = 0  # handled-message keys deleted
    outbox: int = 0  # sent outbox rows deleted
    done: bool = True  # nothing older than the retention is left (False: the budget ran out first)


def _older_keys(cutoff: datetime, batch: int):  # noqa: ANN202 — a select
    return select(m.HandledMessage.key).where(m.HandledMessage.at < cutoff).limit(batch)


def _older_sent(cutoff: datetime, batch: int):  # noqa: ANN202 — a select
    # next_attempt_at is at or before sent_at for a sent row: the condition on it lets ix_outbox_status_next find them
    return (select(m.OutboxMessage.id)
            .where(m.OutboxMessage.status == "sent", m.OutboxMessage.next_attempt_at < cutoff,
                   m.OutboxMessage.sent_at < cutoff)
            .limit(batch))


async def _prune_batch(session: Session, cutoff: datetime, batch: int) -> tuple[int, int]:
    handled = (await session.execute(delete(m.HandledMessage).where(
        m.HandledMessage.key.in_(_older_keys(cutoff, batch))))).rowcount or 0
    outbox = (await session.execute(delete(m.OutboxMessage).where(
        m.OutboxMessage.id.in_(_older_sent(cutoff, batch))))).rowcount or 0
    return handled, outbox


async def prune(db: Database, now: datetime, days: int, *, batch: int = BATCH,
                budget: float = BUDGET_SECONDS) -> Pruned:
    """Delete handled-message keys and sent outbox rows older than `days` (at least MIN_RETENTION_DAYS) before
    `now`, `batch` of each a transaction, until none is left or `budget` seconds have passed."""
    cutoff = now - timedelta(days=effective_days(days))
    handled = outbox = 0
    started = time.monotonic()
    while True:
        async def body(s: Session) -> tuple[int, int]:
            return await _prune_batch(s, cutoff, batch)

        h, o = await db.unit(body)
        handled, outbox = handled + h, outbox + o
        if h < batch and o < batch:
            done = True
            break
        if time.monotonic() - started >= budget:
            done = False
            break
    if handled or outbox:
        log.info("pruned %d handled-message keys and %d sent outbox rows older than %s%s", handled, outbox,
                 cutoff.isoformat(), "" if done else " (more at the next sweep)")
    return Pruned(handled, outbox, done)
