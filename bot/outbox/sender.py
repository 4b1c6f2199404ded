"""The outbox sender: replies and reminders are rows written in the same transaction as the change behind them
(bot.outbox.store); the sender drains due rows in order, within the transport's rate limits, retries failures with
exponential backoff, and after the last attempt marks a row dead and tells the office room. A row
is marked sent only after the transport accepted it, so a crash never loses one; the unique key
means the same reply is never queued twice.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.outbox.delivery import Delivery, RateLimits, TransportError
from bot.outbox.merge import combined, merge, tell_office_dead
from bot.outbox.pacing import Pace
from bot.outbox.store import RESENT_AFTER_CRASH, count, next_deferred, row_outbound
from bot.render import Renderer
from bot.storage import models as m
from bot.storage.engine import Database

log = logging.getLogger("dudao.outbox")
DUE_BATCH = 200  # rows read per round of a drain


MayInitiate = Callable[[datetime], Awaitable[bool]]


class OutboxSender:
    """Sends through `delivery` within `limits` (None: unpaced). `may_initiate(now)` says whether the bot may speak
    on its own now: bot-initiated rows (reminders, digests) wait while it may not, so a reconnect or a retry at
    night never delivers a reminder in quiet hours."""

    def __init__(self, db: Database, delivery: Delivery, clock: Clock, renderer: Renderer, *,
                 limits: RateLimits | None, may_initiate: MayInitiate | None = None, max_attempts: int = 6,
                 backoff: float = 5.0) -> None:
        self.db, self.transport, self.clock, self.renderer = db, delivery, clock, renderer
        self.max_attempts, self.backoff = max_attempts, backoff
        self.pace = Pace(limits) if limits is not None else None
        self.may_initiate = may_initiate
        self._wake = asyncio.Event()
        self._draining = asyncio.Lock()  # one drainer at a time, or two could send the same row
        self._stopping = False
        self._stopped = asyncio.Event()
        self._sent_ids: list[int] = []  # sent, to be marked in the next transaction

    def wake(self) -> None:
        self._wake.set()

    async def _due(self) -> list[m.OutboxMessage]:
        now = self.clock.now()
        q = select(m.OutboxMessage).where(m.OutboxMessage.status == "pending", m.OutboxMessage.next_attempt_at <= now)
        async with self.db.reading() as s:
            rows = list(await s.scalars(q.order_by(m.OutboxMessage.id).limit(DUE_BATCH)))
        if any(r.in_reply_to is None for r in rows) and self.may_initiate is not None \
                and not await self.may_initiate(now):
            rows = [r for r in rows if r.in_reply_to is not None]  # quiet hours / day off: replies only
        return rows

    async def next_deferred(self) -> datetime | None:
        """When the next row that waits (a deferred acknowledgement, a retry) becomes due, if one waits."""
        async with self.db.reading() as s:
            return await next_deferred(s, self.clock.now())

    async def drain(self) -> int:
        """Send everything due now; returns how many messages went out."""
        async with self._draining:
            return await self._drain()

    async def _drain(self) -> int:
        sent = 0
        try:
            while not self._stopping and self.transport.connected:
                due = await self._due()
                for rows in merge(due):
                    if not self.transport.connected or self._stopping:
                        return sent
                    sent += await self._send(rows)
                if len(due) < DUE_BATCH:  # all that was due is done; what was queued meanwhile woke us again
                    break
        finally:
            if self._sent_ids:
                async with self._marking():
                    pass
        return sent

    @contextlib.asynccontextmanager
    async def _marking(self) -> AsyncIterator[AsyncSession]:
        """A transaction that first marks what went out since the last one 'sent': the next claim's transaction
        (one commit a message, not two), or one before a pacing wait or at the end of a round — so at most one
        message is ever sent and not yet marked, and a crash repeats at most that one."""
        ids = list(self._sent_ids)
        async with self.db.transaction() as s:
            if ids:
                await s.execute(update(m.OutboxMessage).where(m.OutboxMessage.id.in_(ids))
                                .values(status="sent", sent_at=self.clock.now()))
            yield s
        done = set(ids)  # committed: forget them (a failed transaction keeps them for the next one)
        self._sent_ids = [i for i in self._sent_ids if i not in done]

    async def _send(self, rows: list[m.OutboxMessage]) -> int:
        dest = rows[0].room_chat_id or f"to:{rows[0].to_chat_id}"
        if self.pace is not None:
            loop = asyncio.get_running_loop()
            delay = self.pace.wait_for(dest, loop.time())
            if delay > 0:
                if self._sent_ids:
                    async with self._marking():
                        pass
                with contextlib.suppress(TimeoutError):  # a stop wakes the pacing wait: the rows stay queued
                    await asyncio.wait_for(self._stopped.wait(), delay)
            if self._stopping:
                return 0
        rows = await self._claim(rows)  # one sender of each row, whatever else reads the outbox
        if not rows:
            return 0
        out = row_outbound(rows[0]) if len(rows) == 1 else combined(rows)
        try:
            await self.transport.send(out)
        except TransportError as err:
            await self._failed(rows, err)
            return 0
        except BaseException:  # a bug or a stop in the middle: give the rows back (a repeat beats a loss)
            await asyncio.shield(self._mark(rows, status="pending"))
            raise
        if self.pace is not None:
            self.pace.sent(dest, asyncio.get_running_loop().time())
        self._sent_ids += [r.id for r in rows]  # marked in the next transaction (see _marking)
        return 1

    async def _claim(self, rows: list[m.OutboxMessage]) -> list[m.OutboxMessage]:
        """Mark the rows 'sending' if they are still pending (a compare-and-set, one statement): the ones this
        sender may send. A crash between the platform's answer and `_mark` leaves them 'sending' (see recover)."""
        async with self._marking() as s:
            claimed = set(await s.scalars(
                update(m.OutboxMessage).where(m.OutboxMessage.id.in_([r.id for r in rows]),
                                              m.OutboxMessage.status == "pending")
                .values(status="sending", sent_at=self.clock.now()).returning(m.OutboxMessage.id)
                .execution_options(synchronize_session=False)))
        return [r for r in rows if r.id in claimed]

    async def recover(self) -> int:
        """At start (holding the instance lock): rows a crash left 'sending' go out again — each may repeat once,
        if the platform had taken it before the crash — and are counted (counter outbox_resent_after_crash)."""
        async with self.db.transaction() as s:
            ids = list(await s.scalars(
                update(m.OutboxMessage).where(m.OutboxMessage.status == "sending").values(status="pending")
                .returning(m.OutboxMessage.id).execution_options(synchronize_session=False)))
            if ids:
                await count(s, RESENT_AFTER_CRASH, len(ids))
        if ids:
            log.warning("outbox: %d message(s) were being sent when the bot stopped; sending them again "
                        "(each may arrive twice)", len(ids))
        return len(ids)

    async def _mark(self, rows: list[m.OutboxMessage], *, status: str) -> None:
        async with self.db.transaction() as s:
            await s.execute(update(m.OutboxMessage).where(m.OutboxMessage.id.in_([r.id for r in rows]))
                            .values(status=status, sent_at=self.clock.now()))

    async def _failed(self, rows: list[m.OutboxMessage], err: TransportError) -> None:
        now = self.clock.now()
        async with self._marking() as s:
            for row in rows:
                db_row = await s.get(m.OutboxMessage, row.id)
                db_row.attempts += 1
                db_row.last_error = str(err)[:1000]
                if err.permanent or db_row.attempts >= self.max_attempts:
                    db_row.status = "dead"
                    log.error("outbox: giving up on %s after %d attempts: %s", row.key, db_row.attempts, err)
                    await tell_office_dead(s, db_row, now, self.renderer)
                else:
                    delay = self.backoff * 2 ** (db_row.attempts - 1)
                    db_row.status, db_row.next_attempt_at = "pending", now + timedelta(seconds=delay)
                    log.warning("outbox: %s failed (%s); retry in %.0fs", row.key, err, delay)

    async def run(self, poll_seconds: float = 5.0) -> None:
        """Drain whenever woken (a handler queued something) or every `poll_seconds` (retries, reminders)."""
        while not self._stopping:
            try:
                await self.drain()
            except Exception:  # noqa: BLE001 — the sender must survive a database hiccup
                log.exception("outbox: drain failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._stopped.set()
        self._wake.set()
