"""The one place that wires everything: `build_app(settings, transport, clock)`.

App.handle(inbound) is the whole life of a message: dedupe, parse, permission, change state and queue
the replies — all in one transaction — then wake the outbox sender.
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
from bot.domain.schools import SchoolIndex
from bot.handling import Context, Reply, UserError
from bot.messages import Inbound, Outbound
from bot.outbox import OutboxSender, enqueue
from bot.parsing import commands as c
from bot.parsing.parser import parse
from bot.render import Renderer
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_repo import NoCountyLoaded, county_version, load_roster
from bot.transports.base import Transport

log = logging.getLogger("dudao.app")
UNBOUND_ROOM_COMMANDS = (c.Help, c.BindRoom)
OPEN_TO_STRANGERS = (c.Help, c.Bind, c.Unknown)


def content_key(inbound: Inbound) -> str:
    """A deterministic key from sender, room, the platform's timestamp and the content (never random)."""
    basis = "\x1f".join([inbound.sender, inbound.room or "", inbound.at.isoformat(), inbound.text,
                         *(hashlib.sha256(f.data).hexdigest() for f in inbound.files)])
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()


def message_keys(inbound: Inbound) -> list[str]:
    """The keys a message is known by: the platform id (when there is one) and its content key.

    Some puppets renumber messages between sessions and deliver old ones again: seen under either key,
    a message is a duplicate. The first key names the message (outbox keys derive from it).
    """
    keys = [f"id:{inbound.message_id}"[:200]] if inbound.message_id else []
    return [*keys, content_key(inbound)]


def message_key(inbound: Inbound) -> str:
    return message_keys(inbound)[0]


class App:
    def __init__(self, settings: Settings, transport: Transport, clock: Clock, db: Database,
                 renderer: Renderer | None = None) -> None:
        self.settings, self.transport, self.clock, self.db = settings, transport, clock, db
        self.renderer = renderer or Renderer()
        self.set_transport(transport)
        self._roster: Roster | None = None
        self._schools: SchoolIndex | None = None
        self._lock = asyncio.Lock()  # one message at a time: ids, numbering and the ledger stay simple and exact
        self.scheduler = None  # reminders.scheduler.Scheduler, set by build_app when reminders are wired

    def set_transport(self, transport: Transport | None, *, paced: bool = True) -> None:
        """Attach the transport (and the outbox sender that paces messages for it)."""
        self.transport = transport
        if transport is not None:
            per_minute = min(filter(None, (transport.limits.per_minute, self.settings.outbox_per_minute)))
            transport.limits = replace(transport.limits, per_minute=per_minute)
        self.outbox = OutboxSender(self.db, transport, self.clock, self.renderer, paced=paced and transport is not None,
                                   max_attempts=self.settings.outbox_max_attempts,
                                   backoff=self.settings.outbox_backoff_seconds)
        self.outbox.may_initiate = self.may_initiate

    async def advance_to(self, at: datetime) -> None:
        """Virtual clock only: run whatever is scheduled up to `at`, each job at its own time, then move to `at`."""
        if self.scheduler is not None:
            await self.scheduler.run_until(self, at)
        self.clock.advance_to(at)

    async def roster(self, session: AsyncSession) -> tuple[Roster, SchoolIndex]:
        version = await county_version(session)
        if self._roster is None or self._roster.version != version:
            self._roster = await load_roster(session)
            self._schools = SchoolIndex(list(self._roster.schools.values()))
        return self._roster, self._schools

    async def may_initiate(self, now: datetime) -> bool:
        """May the bot speak on its own at `now` (a working day, outside quiet hours)?"""
        from reminders.timing import may_speak

        try:
            return may_speak(now, await self.current_roster())
        except NoCountyLoaded:
            return True

    async def current_roster(self) -> Roster:
        async with self.db.reading() as s:
            return (await self.roster(s))[0]

    def exclusive(self) -> asyncio.Lock:
        """Held while a message is handled or a sweep runs: one change to the ledger at a time."""
        return self._lock

    async def last_handled_at(self) -> datetime | None:
        async with self.db.reading() as s:
            return await s.scalar(select(func.max(m.HandledMessage.at)))

    async def handle(self, inbound: Inbound) -> bool:
        """Handle one inbound message once; returns False when it was a duplicate (or could not be handled)."""
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
        self.outbox.wake()
        return True

    async def _first_time(self, s: AsyncSession, inbound: Inbound, keys: list[str]) -> bool:
        """Record the message under all its keys, unless one of them was handled before."""
        seen = await s.scalar(select(func.count()).select_from(m.HandledMessage).where(m.HandledMessage.key.in_(keys)))
        if seen:
            return False
        for k in keys:
            s.add(m.HandledMessage(key=k, at=inbound.at, handled_at=self.clock.now(), room_chat_id=inbound.room,
                                   sender_chat_id=inbound.sender))
        return True

    async def _handle_in(self, s: AsyncSession, inbound: Inbound, key: str) -> None:
        roster, schools = await self.roster(s)
        ctx = Context(session=s, roster=roster, schools=schools, actor=roster.actor(inbound.sender),
                      room=roster.rooms.get(inbound.room) if inbound.room else None, inbound=inbound,
                      now=self.clock.now(), settings=self.settings, message_key=key, renderer=self.renderer)
        try:
            async with s.begin_nested():
                replies = await self._route(ctx)
        except (UserError, c.ParseError) as err:
            replies = [Reply(err.template, err.values)]
        await self.queue_replies(s, ctx, replies)

    async def _route(self, ctx: Context) -> list[Reply]:
        inbound = ctx.inbound
        if inbound.files and ctx.actor.known and self._room_bound(ctx):
            return await handlers.photos(ctx)
        if not inbound.text:
            return []
        command = parse(inbound.text, self.settings.bot_name, private=ctx.private, mentions_bot=inbound.mentions_bot)
        if command is None:
            return [Reply("help/private_hint.j2", {})] if ctx.private else []
        if not self._room_bound(ctx) and not isinstance(command, UNBOUND_ROOM_COMMANDS):
            return []
        if not self._room_bound(ctx) and isinstance(command, c.BindRoom) and not ctx.actor.is_office:
            return []
        if not ctx.actor.known and not isinstance(command, OPEN_TO_STRANGERS):
            return [Reply("refusals/not_allowed.j2", dict(who="unknown", action="", school=""))]
        return await handlers.dispatch(command, ctx)

    @staticmethod
    def _room_bound(ctx: Context) -> bool:
        return ctx.private or (ctx.room is not None and ctx.room.scope is not None)

    async def queue_replies(self, s: AsyncSession, ctx: Context, replies: list[Reply]) -> None:
        for i, reply in enumerate(replies):
            room = reply.room or (None if reply.to else ctx.inbound.room)
            to = reply.to or (None if room else ctx.inbound.sender)
            text = self.renderer.render(reply.template, **reply.values)
            mentioned = [p for p in reply.mention if p.chat_id]
            out = Outbound(room=room, to=to, text=text, mentions=tuple(p.chat_id for p in mentioned),
                           mention_names=tuple(p.name for p in mentioned), files=reply.files,
                           in_reply_to=ctx.inbound.message_id or ctx.message_key, key=f"{ctx.message_key}#{i}")
            await enqueue(s, out, now=ctx.now)

    async def _apologise(self, inbound: Inbound, key: str) -> None:
        now = self.clock.now()
        try:
            async with self.db.transaction() as s:
                if not await self._first_time(s, inbound, message_keys(inbound)):
                    return
                text = self.renderer.render("errors/internal.j2")
                await enqueue(s, Outbound(room=inbound.room, to=None if inbound.room else inbound.sender, text=text,
                                          in_reply_to=inbound.message_id or key, key=f"{key}#err"), now=now)
        except Exception:
            log.exception("could not even record the failure of %s", key)


def build_app(settings: Settings, transport: Transport | None, clock: Clock, db: Database | None = None) -> App:
    from reminders.scheduler import Scheduler

    app = App(settings, transport, clock, db or Database(settings.database_url))
    app.scheduler = Scheduler()
    return app
