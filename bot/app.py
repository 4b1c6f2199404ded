"""The application: handle one message, or run one sweep — each one transaction with the replies it queues.

App.handle(inbound) is the whole life of a message: dedupe, parse, permission, change state and queue the replies
in the outbox, all in one transaction. App.sweep(now) asks the reminder rules what is due and queues it, the same
way. The App sends nothing itself and knows no transport: the bootstrap (bot.cli.bootstrap) wakes the outbox.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import handlers
from bot.clock import Clock
from bot.domain.roster import Roster
from bot.handling import CommandContext, Context, Reply, UserError, to_outbound
from bot.messages import Inbound
from bot.outbox import enqueue
from bot.render import Renderer
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_repo import NoCountyLoaded, RosterCache
from bot.text import clean
from reminders.sweep import sweep as sweep_rules

log = logging.getLogger("dudao.app")


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


class App:
    def __init__(self, settings: Settings, clock: Clock, db: Database, renderer: Renderer | None = None) -> None:
        self.settings, self.clock, self.db = settings, clock, db
        self.renderer = renderer or Renderer()
        self.rosters = RosterCache()
        self._lock = asyncio.Lock()  # one message at a time: ids, numbering and the ledger stay simple and exact

    async def current_roster(self) -> Roster:
        async with self.db.reading() as s:
            return (await self.rosters.get(s))[0]

    def exclusive(self) -> asyncio.Lock:
        """Held while a message is handled or a sweep runs: one change to the ledger at a time."""
        return self._lock

    async def last_handled_at(self) -> datetime | None:
        async with self.db.reading() as s:
            return await s.scalar(select(func.max(m.HandledMessage.at)))

    async def handle(self, inbound: Inbound) -> bool:
        """Handle one inbound message once; False when it was a duplicate (or could not be handled)."""
        inbound = replace(inbound, text=clean(inbound.text), sender=clean(inbound.sender),
                          room=clean(inbound.room) if inbound.room else None)
        keys = message_keys(inbound)
        key = keys[0]
        async with self._lock:
            try:
                async with self.db.transaction() as s:
                    if not await self._first_time(s, inbound, keys):
                        log.info("duplicate message %s ignored", key)
                        return False
                    await self._handle_in(s, inbound, key)
            except NoCountyLoaded:
                log.error("message %s not handled: no county loaded (run `dudao county load FILE`)", key)
                return False
            except Exception:
                log.exception("failed to handle message %s; answering with an apology", key)
                await self._apologise(inbound, key)
        return True

    async def sweep(self, now: datetime | None = None) -> int:
        """Queue every reminder and digest due at `now`; returns how many notices were queued."""
        now = now or self.clock.now()
        async with self._lock, self.db.transaction() as s:
            roster, _ = await self.rosters.get(s)
            queued = await sweep_rules(Context(session=s, roster=roster, now=now, renderer=self.renderer))
        if queued:
            log.info("sweep at %s queued %d notices", now.isoformat(), queued)
        return queued

    async def _first_time(self, s: AsyncSession, inbound: Inbound, keys: list[str]) -> bool:
        """Record the message under its keys, unless it was handled before (see `is_duplicate`). One look-up: the
        keys and the bare platform id (`p:<id>`, which tells a reused id from a new one)."""
        platform = [f"p:{inbound.message_id[:160]}"] if inbound.message_id else []
        seen = set(await s.scalars(select(m.HandledMessage.key).where(m.HandledMessage.key.in_(keys + platform))))
        if is_duplicate(keys, seen):
            return False
        if platform and platform[0] in seen:
            log.warning("message id %s was handled before with other content: handled as a new message (%s)",
                        inbound.message_id, keys[0])
        for k in keys + platform:
            if k not in seen:
                s.add(m.HandledMessage(key=k, at=inbound.at, handled_at=self.clock.now(),
                                       room_chat_id=inbound.room, sender_chat_id=inbound.sender))
        return True

    async def _handle_in(self, s: AsyncSession, inbound: Inbound, key: str) -> None:
        roster, schools = await self.rosters.get(s)
        ctx = CommandContext(session=s, roster=roster, now=self.clock.now(), renderer=self.renderer, schools=schools,
                             actor=roster.actor(inbound.sender),
                             room=roster.rooms.get(inbound.room) if inbound.room else None, inbound=inbound,
                             settings=self.settings, message_key=key, commands=handlers.COMMANDS)
        try:
            async with s.begin_nested():
                replies = await handlers.COMMANDS.route(ctx)
        except UserError as err:
            replies = [Reply(err.template, err.values)]
        await self._queue_replies(ctx, replies)

    async def _queue_replies(self, ctx: CommandContext, replies: list[Reply]) -> None:
        in_reply_to = ctx.inbound.message_id or ctx.message_key
        for i, reply in enumerate(replies):
            out = to_outbound(reply, self.renderer, key=f"{ctx.message_key}#{i}", in_reply_to=in_reply_to,
                              here=ctx.inbound.room, sender=ctx.inbound.sender, today=ctx.today)
            await enqueue(ctx.session, out, now=ctx.now, fresh=True)  # its key derives from a message just proven new

    async def _apologise(self, inbound: Inbound, key: str) -> None:
        now = self.clock.now()
        try:
            async with self.db.transaction() as s:
                if not await self._first_time(s, inbound, message_keys(inbound)):
                    return
                out = to_outbound(Reply("errors/internal.j2"), self.renderer, key=f"{key}#err",
                                  in_reply_to=inbound.message_id or key, here=inbound.room, sender=inbound.sender)
                await enqueue(s, out, now=now)
        except Exception:
            log.exception("could not even record the failure of %s", key)
