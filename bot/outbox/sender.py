"""The outbox sender: replies and reminders are rows written in the same transaction as the change behind them
(bot.outbox.store); the sender drains due rows in order, within the transport's rate limits, retries failures with
exponential backoff, and after the last attempt marks a row dead and tells the office room. A row
is marked sent only after the transport accepted it, so a crash never loses one; the unique key
means the same reply is never queued twice.

The fast path: a message's replies are written already claimed ('sending') and handed over in memory once their
transaction commits, so the sender neither reads them back nor claims them; what went out is marked sent by the
next transaction anybody commits (the app's next message) or at the end of the round — both through the outbox's
hook on every transaction (bot.outbox.handover). The table stays the truth: it is read on start, on the poll timer,
after sweeps, retries and deferred rows come due, and whenever the in-memory path is not taken (transport away,
stopping, queue full).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.clock import Clock
from bot.outbox.delivery import Delivery, RateLimits, TransportError
from bot.outbox.handover import Handover
from bot.outbox.merge import combined, merge, tell_office_dead
from bot.outbox.pacing import Pace
from bot.outbox.status import DEAD, PENDING, SENDING, claim, mark
from bot.outbox.store import RESENT_AFTER_CRASH, count, next_deferred, row_outbound
from bot.render import Renderer
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.instance import Fenced

log = logging.getLogger("dudao.outbox")
DUE_BATCH = 200  # rows read per round of a drain
IDLE_MARK_SECONDS = 0.2  # with lazy marks, what went out is marked after this long without another transaction


MayInitiate = Callable[[datetime], Awaitable[bool]]


class OutboxSender:
    """Sends through `delivery` within `limits` (None: unpaced). `may_initiate(now)` says whether the bot may speak
    on its own now: bot-initiated rows (reminders, digests) wait while it may not, so a reconnect or a retry at
    night never delivers a reminder in quiet hours."""

    def __init__(self, db: Database, delivery: Delivery, clock: Clock, renderer: Renderer, *,
                 limits: RateLimits | None, may_initiate: MayInitiate | None = None, max_attempts: int = 6,
                 backoff: float = 5.0, lazy_marks: bool = False) -> None:
        self.db, self.transport, self.clock, self.renderer = db, delivery, clock, renderer
        self.lazy_marks = lazy_marks  # leave the last round's marks to the next transaction (see flush_marks)
        self.max_attempts, self.backoff = max_attempts, backoff
        self.pace = Pace(limits) if limits is not None else None
        self.may_initiate = may_initiate
        self._wake = asyncio.Event()
        self._draining = asyncio.Lock()  # one drainer at a time, or two could send the same row
        self._stopping = False
        self._stopped = asyncio.Event()
        self._sent_ids: list[int] = []  # sent, to be marked in the next transaction
        self._ready: list[m.OutboxMessage] = []  # handed over claimed, not yet sent
        self._check_table = True  # read the table in the next round (start, timer, sweeps, retries)
        self._deferred: datetime | None = None  # no row waits before this (a lower bound), when `_deferred_known`
        self._deferred_known = False
        self._held_back = False
        self._handover = db.hook(Handover)  # marks and hand-over ride along every transaction of `db`
        self._handover.attach(self)

    def now(self) -> datetime:
        return self.clock.now()

    def wake(self) -> None:
        self._wake.set()

    # The in-memory hand-over ---------------------------------------------------------------------------------

    def accepts(self) -> bool:
        """May the next replies be written claimed and handed over (else they are queued 'pending' for a drain)?"""
        return not self._stopping and self.transport.connected and len(self._ready) < DUE_BATCH

    def take(self, rows: list[m.OutboxMessage]) -> None:
        """Rows a transaction just committed: the claimed ones are sent from memory; the others say when to read
        the table (due now: next round; deferred: not before their time)."""
        now = self.clock.now()
        for row in rows:
            if row.status == SENDING:
                self._ready.append(row)
            elif row.status == PENDING and row.next_attempt_at <= now:
                self._check_table = True
            elif row.status == PENDING and self._deferred_known:
                self._deferred = min(filter(None, (self._deferred, row.next_attempt_at)))
        if rows:
            self._wake.set()

    def unmarked(self) -> list[int]:
        """Rows sent and not yet marked: the caller marks them sent in its transaction, then calls `marked`."""
        return list(self._sent_ids)

    def marked(self, ids: list[int]) -> None:
        done = set(ids)
        self._sent_ids = [i for i in self._sent_ids if i not in done]

    async def flush_marks(self) -> None:
        """Mark what went out sent now (the end of a replay, a stop, an idle moment): any committed transaction
        does (bot.outbox.handover), an empty one will."""
        if self._sent_ids:
            async with self.db.transaction():
                pass

    async def close(self) -> None:
        """At a stop: mark what went out, and give back what was handed over but not sent (pending again)."""
        ready, self._ready = self._ready, []
        async with self.db.transaction() as s:
            await mark(s, [r.id for r in ready], status=PENDING, at=self.clock.now())
        self._handover.detach(self)

    async def _due(self) -> list[m.OutboxMessage]:
        now = self.clock.now()
        q = select(m.OutboxMessage).where(m.OutboxMessage.status == PENDING, m.OutboxMessage.next_attempt_at <= now)
        async with self.db.reading() as s:
            rows = list(await s.scalars(q.order_by(m.OutboxMessage.id).limit(DUE_BATCH)))
        if any(r.in_reply_to is None for r in rows) and self.may_initiate is not None \
                and not await self.may_initiate(now):
            rows = [r for r in rows if r.in_reply_to is not None]  # quiet hours / day off: replies only
            self._held_back = True  # read the table again on the next round: they go when the bot may speak
        return rows

    async def next_deferred(self) -> datetime | None:
        """When the next row that waits (a deferred acknowledgement, a retry) becomes due, if one waits. Read once,
        then kept in memory (rows queued later lower it; a row moved later only makes it early, which costs one
        read of the table)."""
        now = self.clock.now()
        if not self._deferred_known or (self._deferred is not None and self._deferred <= now):
            async with self.db.reading() as s:
                self._deferred = await next_deferred(s, now)
            self._deferred_known = True
        return self._deferred

    async def _table_due(self) -> bool:
        if self._check_table:
            return True
        if not self._deferred_known:
            await self.next_deferred()  # one read; then from memory
        return self._deferred is not None and self._deferred <= self.clock.now()

    async def drain(self) -> int:
        """Send everything due now; returns how many messages went out (none while this process is fenced: it lost
        the instance lock, which says so in the log; what it claimed waits in memory for the lock to come back)."""
        async with self._draining:
            try:
                return await self._drain()
            except Fenced:
                self._check_table = True  # once the lock is back, what is due is read again
                return 0

    async def _drain(self) -> int:
        sent = 0
        if self.db.fence is not None:  # fenced: nothing goes out, and the table is not even read
            await self.db.fence.check()
        try:
            while not self._stopping and self.transport.connected:
                if self._ready:
                    sent += await self._send_ready()
                    continue
                if not await self._table_due():
                    break
                self._check_table, self._deferred_known = False, False
                due = await self._due()
                claimed = self.pace is None and bool(due)
                if claimed:  # unpaced, nothing waits between sends: the whole round is claimed in one transaction
                    due = await self._claim(due)
                groups = merge(due)
                for i, rows in enumerate(groups):
                    if not self.transport.connected or self._stopping:
                        if claimed:  # ours already: kept for the next round, given back at close()
                            self._keep(groups[i:])
                        return sent
                    try:
                        sent += await self._send(rows, claimed=claimed)
                    except Fenced:
                        if claimed:
                            self._keep(groups[i:])
                        raise
                if len(due) >= DUE_BATCH or self._held_back:  # more may be due, or held back: read again later
                    self._check_table, self._held_back = True, False
                    if len(due) < DUE_BATCH:
                        break
        finally:
            if self._sent_ids and not self.lazy_marks:
                with contextlib.suppress(Fenced):  # then the next transaction marks them
                    await self.flush_marks()
        return sent

    async def _send_ready(self) -> int:
        """Send what was handed over, in order. Paced (a real platform): at most one platform message sent and not
        marked at any time (the marks of the one before are written before the next goes out), so a crash repeats
        at most one. Unpaced (console, replay): the round is marked in one transaction after it."""
        ready, self._ready = self._ready, []
        groups, sent = merge(ready), 0
        for i, rows in enumerate(groups):
            if not self.transport.connected or self._stopping:
                self._keep(groups[i:])
                break
            try:
                if self._sent_ids and self.pace is not None:
                    await self.flush_marks()
                sent += await self._send(rows, claimed=True)
            except Fenced:
                self._keep(groups[i:])
                raise
        return sent

    def _keep(self, groups: list[list[m.OutboxMessage]]) -> None:
        """Claimed rows not sent this round (the platform went away, a stop): first in line for the next one."""
        self._ready = [r for g in groups for r in g] + self._ready

    async def _send(self, rows: list[m.OutboxMessage], *, claimed: bool = False) -> int:
        dest = rows[0].room_chat_id or f"to:{rows[0].to_chat_id}"
        if self.pace is not None:
            loop = asyncio.get_running_loop()
            delay = self.pace.wait_for(dest, loop.time())
            if delay > 0:
                await self.flush_marks()
                with contextlib.suppress(TimeoutError):  # a stop wakes the pacing wait: the rows stay queued
                    await asyncio.wait_for(self._stopped.wait(), delay)
            if self._stopping:
                if claimed:  # still ours: given back at close()
                    self._keep([rows])
                return 0
        if not claimed:
            rows = await self._claim(rows)  # one sender of each row, whatever else reads the outbox
        if not rows:
            return 0
        if self.db.fence is not None:  # the instance lock lost meanwhile: Fenced, and these rows are not sent
            try:
                await self.db.fence.check()
            except Fenced:
                if not claimed:  # claimed just now: ours, kept for when the lock is back
                    self._keep([rows])
                raise
        out = row_outbound(rows[0]) if len(rows) == 1 else combined(rows)
        try:
            await self.transport.send(out)
        except TransportError as err:
            await self._failed(rows, err)
            self._check_table, self._deferred_known = True, False  # a retry or a dead letter lives in the table
            return 0
        except BaseException:  # a bug or a stop in the middle: give the rows back (a repeat beats a loss)
            await asyncio.shield(self._mark(rows, status=PENDING))
            raise
        if self.pace is not None:
            self.pace.sent(dest, asyncio.get_running_loop().time())
        self._sent_ids += [r.id for r in rows]  # marked 'sent' by the next commit (bot.outbox.handover)
        return 1

    async def _claim(self, rows: list[m.OutboxMessage]) -> list[m.OutboxMessage]:
        """Mark the rows 'sending' if they are still pending (a compare-and-set, one statement): the ones this
        sender may send. A crash between the platform's answer and `_mark` leaves them 'sending' (see recover)."""
        async with self.db.transaction() as s:  # which also marks what went out before (one commit a message)
            claimed = await claim(s, [r.id for r in rows], at=self.clock.now())
        return [r for r in rows if r.id in claimed]

    async def recover(self) -> int:
        """At start (holding the instance lock): rows a crash left 'sending' go out again — each may repeat once,
        if the platform had taken it before the crash — and are counted (counter outbox_resent_after_crash)."""
        async with self.db.transaction() as s:
            ids = list(await s.scalars(
                update(m.OutboxMessage).where(m.OutboxMessage.status == SENDING).values(status=PENDING)
                .returning(m.OutboxMessage.id).execution_options(synchronize_session=False)))
            if ids:
                await count(s, RESENT_AFTER_CRASH, len(ids))
        self._check_table = True
        if ids:
            log.warning("outbox: %d message(s) were being sent when the bot stopped; sending them again "
                        "(each may arrive twice)", len(ids))
        return len(ids)

    async def reclaim(self) -> int:
        """After a database outage: rows left 'sending' that this sender does not hold — replies of a transaction
        whose commit went through though its caller heard it fail — are pending again, and sent."""
        async with self._draining:  # nothing in flight meanwhile
            held = [r.id for r in self._ready] + self._sent_ids
            async with self.db.transaction() as s:
                ids = list(await s.scalars(
                    update(m.OutboxMessage).where(m.OutboxMessage.status == SENDING, m.OutboxMessage.id.not_in(held))
                    .values(status=PENDING).returning(m.OutboxMessage.id).execution_options(synchronize_session=False)))
        if ids:
            log.warning("outbox: %d reply(ies) of a commit the database confirmed late are sent now", len(ids))
            self._check_table = True
            self._wake.set()
        return len(ids)

    async def _mark(self, rows: list[m.OutboxMessage], *, status: str) -> None:
        async with self.db.transaction() as s:
            await mark(s, [r.id for r in rows], status=status, at=self.clock.now())

    async def _failed(self, rows: list[m.OutboxMessage], err: TransportError) -> None:
        now = self.clock.now()
        async with self.db.transaction() as s:
            for row in rows:
                db_row = await s.get(m.OutboxMessage, row.id)
                if db_row is None:  # nothing deletes outbox rows; were one gone, there is nothing to retry
                    log.error("outbox: %s failed (%s) and its row is gone", row.key, err)
                    continue
                db_row.attempts += 1
                db_row.last_error = str(err)[:1000]
                if err.permanent or db_row.attempts >= self.max_attempts:
                    db_row.status = DEAD
                    log.error("outbox: giving up on %s after %d attempts: %s", row.key, db_row.attempts, err)
                    await tell_office_dead(s, db_row, now, self.renderer)
                else:
                    delay = self.backoff * 2 ** (db_row.attempts - 1)
                    db_row.status, db_row.next_attempt_at = PENDING, now + timedelta(seconds=delay)
                    log.warning("outbox: %s failed (%s); retry in %.0fs", row.key, err, delay)

    async def run(self, poll_seconds: float = 5.0) -> None:
        """Drain whenever woken (a handler queued something) or every `poll_seconds` (retries, reminders)."""
        while not self._stopping:
            try:
                await self.drain()
            except Exception:  # noqa: BLE001 — the sender must survive a database hiccup
                log.exception("outbox: drain failed")
            idle = IDLE_MARK_SECONDS if self._sent_ids else poll_seconds  # marks wait a moment for a transaction
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            except TimeoutError:
                if self._sent_ids:
                    with contextlib.suppress(Exception):
                        await self.flush_marks()
                else:
                    self._check_table = True  # the timer: the table is read again
            self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._stopped.set()
        self._wake.set()
