"""The application: handle one message, or run one sweep — each one transaction with the replies it queues.

App.handle(inbound) is the whole life of a message: dedupe, parse, permission, change state and queue the replies
in the outbox, all in one transaction. App.sweep(now) asks the reminder rules what is due and queues it, the same
way. The App sends nothing itself and knows no transport: the bootstrap (bot.cli.bootstrap) wakes the outbox.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol, TypeVar

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

import handlers
from bot.clock import Clock
from bot.contract import CommandContext, Context, Reply, UserError, to_outbound
from bot.domain.roster import Roster
from bot.messages import Inbound
from bot.outbox import enqueue
from bot.outbox.store import SENT, mark, queued
from bot.render import Renderer
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.inserts import insert_new_returning
from bot.storage.roster_repo import NoCountyLoaded, RosterCache
from bot.text import clean
from reminders.sweep import sweep as sweep_rules

log = logging.getLogger("dudao.app")
T = TypeVar("T")
APOLOGY = "errors/internal.j2"  # the answer to a message whose handling failed (its reply key ends in #err)


def content_key(inbound: Inbound) -> str:
    """A deterministic key from sender, room, the platform's timestamp and the content (never random)."""
    basis = "\x1f".join([inbound.sender, inbound.room or "", inbound.at.isoformat(), inbound.text,
                         *(hashlib.sha256(f.data).hexdigest() for f in inbound.files)])
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()


def message_keys(inbound: Inbound) -> list[str]:
    """The keys a message is known by; the first names it (outbox keys derive from it).

    With a platform id: the id with a short digest of the content (a gateway that reuses an id for a new message
    gives a new key), the content key, and, when the ids are stable within a scope (`Inbound.id_scope`), the
    content key within that scope. Without an id: the content key alone.
    """
    content = content_key(inbound)
    if not inbound.message_id:
        return [content]
    keys = [f"id:{inbound.message_id[:160]}:{content[2:14]}", content]
    if inbound.id_scope:
        keys.append("s:" + hashlib.sha256(f"{inbound.id_scope}\x1f{content}".encode()).hexdigest())
    return keys


def is_duplicate(keys: list[str], seen: set[str]) -> bool:
    """Was the message with these keys handled before, given which of them were recorded?

    Its id with the same content: a redelivery. Its content under another id: a renumbered redelivery — unless
    its ids are stable and that content was seen under another id in the same scope: then the same thing was
    said twice in one second (`#查询 Q1` twice), two messages.
    """
    if keys[0] in seen:
        return True
    if len(keys) < 2 or keys[1] not in seen:
        return False
    return len(keys) < 3 or keys[2] not in seen


def message_key(inbound: Inbound) -> str:
    return message_keys(inbound)[0]


class _Duplicate(Exception):
    """Raised inside a message's transaction when it turns out a duplicate: rolls back what was recorded."""


class Handoff(Protocol):
    """The outbox sender's side of the in-memory path (bot.outbox.OutboxSender)."""

    def accepts(self) -> bool: ...
    def take(self, rows: list[m.OutboxMessage]) -> None: ...
    def unmarked(self) -> list[int]: ...
    def marked(self, ids: list[int]) -> None: ...


@dataclass
class _Waiting:
    inbound: Inbound
    keys: list[str]
    done: asyncio.Future[bool]


class App:
    """One message, or every message waiting together (group commit), in one transaction with its replies."""

    def __init__(self, settings: Settings, clock: Clock, db: Database, renderer: Renderer | None = None) -> None:
        self.settings, self.clock, self.db = settings, clock, db
        self.renderer = renderer or Renderer()
        self.rosters = RosterCache(db)
        self.handoff: Handoff | None = None  # the sender, when replies go to it in memory
        self._lock = asyncio.Lock()  # one transaction at a time: ids, numbering and the ledger stay simple and exact
        self._waiting: list[_Waiting] = []

    async def current_roster(self) -> Roster:
        async with self.db.reading() as s:
            return (await self.rosters.get(s))[0]

    async def last_handled_at(self) -> datetime | None:
        async with self.db.reading() as s:
            return await s.scalar(select(func.max(m.HandledMessage.at)))

    async def handle(self, inbound: Inbound) -> bool:
        """Handle one inbound message once; False when it was a duplicate (or could not be handled).

        Group commit: messages that arrive while a transaction runs wait together, and the first of them to get
        the lock handles them all in one transaction, each in its own SAVEPOINT (one bad message rolls back
        alone), their replies handed to the sender only after the commit. A lone message is not delayed."""
        inbound = replace(inbound, text=clean(inbound.text), sender=clean(inbound.sender),
                          room=clean(inbound.room) if inbound.room else None)
        me = _Waiting(inbound, message_keys(inbound), asyncio.get_running_loop().create_future())
        self._waiting.append(me)
        async with self._lock:
            if not me.done.done():
                batch, self._waiting = self._waiting, []
                try:
                    await (self._handle_alone(batch[0]) if len(batch) == 1 else self._handle_together(batch))
                finally:  # a cancellation in the middle: what was not handled waits for the next holder
                    self._waiting[:0] = [w for w in batch if not w.done.done()]
        return me.done.result()

    async def handle_many(self, inbounds: list[Inbound]) -> list[bool]:
        """Messages that arrived together: handed in at once, in order, so they wait (and commit) together."""
        return list(await asyncio.gather(*(self.handle(inbound) for inbound in inbounds)))

    async def sweep(self, now: datetime | None = None) -> int:
        """Queue every reminder and digest due at `now`; returns how many notices were queued."""
        now = now or self.clock.now()

        async def body(s: AsyncSession, _claimed: bool) -> int:
            roster, _ = await self.rosters.get(s, recheck=True)  # a sweep also notices an outside county load
            return await sweep_rules(Context(session=s, roster=roster, now=now, renderer=self.renderer))

        async with self._lock:
            queued = await self._unit(body)
        if queued:
            log.info("sweep at %s queued %d notices", now.isoformat(), queued)
        return queued

    async def _unit(self, body: Callable[[AsyncSession, bool], Awaitable[T]]) -> T:
        """`body(session, claimed)` in one transaction (Database.unit) that also marks what the sender sent since the
        last one, and after the commit hands the sender the rows it queued; `claimed`: replies may be written
        claimed (handed over in memory)."""
        handoff = self.handoff
        marks = handoff.unmarked() if handoff else []
        claimed = handoff is not None and handoff.accepts()
        now = self.clock.now()

        async def unit(s: AsyncSession) -> tuple[T, list[m.OutboxMessage]]:
            await mark(s, marks, status=SENT, at=now)
            return await body(s, claimed), queued(s)

        def committed(outcome: tuple[T, list[m.OutboxMessage]]) -> None:
            if handoff:
                handoff.marked(marks)
                handoff.take([r for r in outcome[1] if inspect(r).has_identity])  # not those a savepoint rolled back

        return (await self.db.unit(unit, committed=committed))[0]

    async def _handle_alone(self, w: _Waiting) -> None:
        """One message, no SAVEPOINT: a refusal or a failure rolls it all back and records the answer anew."""
        key = w.keys[0]

        async def body(s: AsyncSession, claimed: bool) -> None:
            if not await self._first_time(s, w.inbound, w.keys):
                raise _Duplicate
            await self._handle_in(s, w.inbound, key, claimed)

        try:
            await self._unit(body)
        except _Duplicate:
            log.info("duplicate message %s ignored", key)
            w.done.set_result(False)
            return
        except NoCountyLoaded:
            log.error("message %s not handled: no county loaded (run `dudao county load FILE`)", key)
            w.done.set_result(False)
            return
        except UserError as err:
            w.done.set_result(await self._answer_alone(w, Reply(err.template, err.values)))
            return
        except Exception:
            log.exception("failed to handle message %s; answering with an apology", key)
            w.done.set_result(await self._answer_alone(w, Reply(APOLOGY)))
            return
        w.done.set_result(True)

    async def _handle_together(self, batch: list[_Waiting]) -> None:
        async def body(s: AsyncSession, claimed: bool) -> list[bool]:
            return [await self._handle_nested(s, w, claimed) for w in batch]

        try:
            results = await self._unit(body)
        except Exception:  # the transaction itself failed (the database, the commit): one at a time
            log.exception("a group of %d messages failed together; handling them one at a time", len(batch))
            for w in batch:
                if not w.done.done():
                    await self._handle_alone(w)
            return
        for w, result in zip(batch, results, strict=True):
            w.done.set_result(result)

    async def _handle_nested(self, s: AsyncSession, w: _Waiting, claimed: bool) -> bool:
        key = w.keys[0]
        try:
            async with s.begin_nested():
                if not await self._first_time(s, w.inbound, w.keys):
                    raise _Duplicate
                await self._handle_in(s, w.inbound, key, claimed)
            return True
        except _Duplicate:
            log.info("duplicate message %s ignored", key)
            return False
        except NoCountyLoaded:
            raise
        except UserError as err:
            answer = Reply(err.template, err.values)
        except Exception:
            log.exception("failed to handle message %s; answering with an apology", key)
            answer = Reply(APOLOGY)
        async with s.begin_nested():
            await self._first_time(s, w.inbound, w.keys)
            await self._queue(s, w.inbound, key, [answer], claimed)
        return True

    async def _answer_alone(self, w: _Waiting, answer: Reply) -> bool:
        """Record the message with only `answer` (a refusal, an apology) in a transaction of its own."""
        async def body(s: AsyncSession, claimed: bool) -> None:
            if not await self._first_time(s, w.inbound, w.keys):
                raise _Duplicate
            await self._queue(s, w.inbound, w.keys[0], [answer], claimed)

        try:
            await self._unit(body)
        except _Duplicate:
            return False
        except Exception:
            log.exception("could not even record the answer to %s", w.keys[0])
            return False
        return True

    async def _first_time(self, s: AsyncSession, inbound: Inbound, keys: list[str]) -> bool:
        """Record the message under its keys and the bare platform id (`p:<id>`, which tells a reused id from a new
        one) in one INSERT … ON CONFLICT DO NOTHING; the keys it did not return were seen before. False when that
        makes the message a duplicate (see `is_duplicate`): the caller rolls the insert back."""
        platform = [f"p:{inbound.message_id[:160]}"] if inbound.message_id else []
        now = self.clock.now()
        rows = [{"key": k, "at": inbound.at, "handled_at": now, "room_chat_id": inbound.room,
                 "sender_chat_id": inbound.sender} for k in dict.fromkeys(keys + platform)]
        new = set(await s.scalars(insert_new_returning(s, m.HandledMessage, "key"), rows))
        seen = {row["key"] for row in rows} - new
        if is_duplicate(keys, seen):
            return False
        if platform and platform[0] in seen:
            log.warning("message id %s was handled before with other content: handled as a new message (%s)",
                        inbound.message_id, keys[0])
        return True

    async def _handle_in(self, s: AsyncSession, inbound: Inbound, key: str, claimed: bool) -> None:
        """Route the message and queue its replies; a UserError (a refusal, a typo) is raised to the caller."""
        roster, schools = await self.rosters.get(s)
        ctx = CommandContext(session=s, roster=roster, now=self.clock.now(), renderer=self.renderer, schools=schools,
                             actor=roster.actor(inbound.sender),
                             room=roster.rooms.get(inbound.room) if inbound.room else None, inbound=inbound,
                             settings=self.settings, message_key=key, commands=handlers.COMMANDS)
        await self._queue(s, inbound, key, await handlers.COMMANDS.route(ctx), claimed, today=ctx.today)

    async def _queue(self, s: AsyncSession, inbound: Inbound, key: str, replies: list[Reply], claimed: bool, *,
                     today: date | None = None) -> None:
        in_reply_to = inbound.message_id or key
        now = self.clock.now()
        if today is None and (roster := self.rosters.peek()) is not None:
            today = now.astimezone(roster.tz).date()
        for i, reply in enumerate(replies):
            suffix = "#err" if reply.template == APOLOGY else f"#{i}"
            out = to_outbound(reply, self.renderer, key=f"{key}{suffix}", in_reply_to=in_reply_to,
                              here=inbound.room, sender=inbound.sender, today=today)
            # its key derives from a message just proven new: not looked up
            await enqueue(s, out, now=now, fresh=True, claimed=claimed)
