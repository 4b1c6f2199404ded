"""The application: handle one message, or run one sweep — each one transaction with the replies it queues.

App.handle(inbound) is the whole life of a message: dedupe, parse, permission, change state and queue the replies
in the outbox, all in one transaction. App.sweep(now) asks the reminder rules what is due and queues it, the same
way. The App sends nothing itself and knows no transport: the outbox's hook on every transaction hands the
replies to the sender after the commit (bot.outbox.handover).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, select

import handlers
from bot.clock import Clock
from bot.contract import CommandContext, Context, Later, Reply, UserError, to_outbound
from bot.domain.roster import Roster
from bot.messages import CARD_CLICK, Inbound, Outbound
from bot.outbox import cancel_pending, carried_card, enqueue, update_pending
from bot.redaction import redact
from bot.render import Renderer
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.faults import DatabaseAway, outage
from bot.storage.inserts import insert_new_returning, insert_new_unless_returning
from bot.storage.roster_repo import NoCountyLoaded, RosterCache
from bot.storage.session import Session
from bot.text import clean, visible
from reminders.sweep import sweep as sweep_rules

log = logging.getLogger("dudao.app")
APOLOGY = "errors/internal.j2"  # the answer to a message whose handling failed (its reply key ends in #err)
KEY_CHARS = 200  # handled_messages.key


def content_key(inbound: Inbound) -> str:
    """A deterministic key from sender, room, the platform's timestamp and the content (never random): the message's
    name where the platform gives no stable id."""
    basis = "\x1f".join([inbound.sender, inbound.room or "", inbound.at.isoformat(), inbound.text,
                         *(hashlib.sha256(f.data).hexdigest() for f in inbound.files)])
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()


def scoped_key(scope: str, message_id: str) -> str:
    """The key of a message whose platform id is unique within `scope` (`m:<scope>:<id>`; a digest when too long)."""
    key = f"m:{scope}:{message_id}"
    return key if len(key) <= KEY_CHARS else "m:" + hashlib.sha256(f"{scope}\x1f{message_id}".encode()).hexdigest()


def bare_id_key(message_id: str) -> str:
    """`p:<id>`: the platform id alone, recorded beside the keys of a message whose ids are not scoped (it tells a
    reused id), and by every message with an id before ids were scoped (a redelivery of one is still recognised)."""
    return f"p:{message_id[:160]}"


def message_keys(inbound: Inbound) -> list[str]:
    """The keys a message is known by; the first names it (outbox keys derive from it).

    Ids unique within a scope (`Inbound.id_scope`: WeCom's msgid, a Wechaty id within its account's puppet): the
    id alone, in its scope — neither the timestamp nor the content takes part, so a redelivery with another or no
    create_time is the same message, and the same words twice under two ids are two messages. Ids that may be
    renumbered or reused (no scope): the id with a short digest of the content (a reused id with new content is a
    new message) and the content key (a renumbered redelivery). Without an id: the content key alone.
    """
    if inbound.message_id and inbound.id_scope:
        return [scoped_key(inbound.id_scope, inbound.message_id)]
    content = content_key(inbound)
    if not inbound.message_id:
        return [content]
    return [f"id:{inbound.message_id[:160]}:{content[2:14]}", content]


def message_key(inbound: Inbound) -> str:
    return message_keys(inbound)[0]


class _Duplicate(Exception):
    """Raised inside a message's transaction when it turns out a duplicate: rolls back what was recorded."""


@dataclass
class _Waiting:
    inbound: Inbound
    keys: list[str]
    done: asyncio.Future[bool]
    shown: list[str] | None = None  # a desk command (App.act): the sender's answers, shown on the page, not sent

    @property
    def key(self) -> str:
        return self.keys[0]


class App:
    """One message, or every message waiting together (group commit), in one transaction with its replies."""

    def __init__(self, settings: Settings, clock: Clock, db: Database, renderer: Renderer | None = None) -> None:
        self.settings, self.clock, self.db = settings, clock, db
        self.renderer = renderer or Renderer()
        self.rosters = RosterCache(db)
        self._lock = asyncio.Lock()  # one transaction at a time: ids, numbering and the ledger stay simple and exact
        self._waiting: list[_Waiting] = []

    async def current_roster(self) -> Roster:
        async with self.db.reading() as s:
            return (await self.rosters.get(s))[0]

    async def last_handled_at(self) -> datetime | None:
        async with self.db.reading() as s:
            return await s.scalar(select(func.max(m.HandledMessage.at)))

    async def card(self, card: str) -> Outbound | None:
        """The message whose buttons went out on card `card` (a tap's answer updates that card)."""
        async with self.db.reading() as s:
            return await carried_card(s, card)

    async def spoken_privately(self, chat_ids: list[str]) -> set[str]:
        """Which of `chat_ids` have written to the bot in a private chat (recorded with their message)."""
        if not chat_ids:
            return set()
        async with self.db.reading() as s:
            return set(await s.scalars(select(m.PrivateChat.chat_id).where(m.PrivateChat.chat_id.in_(chat_ids))))

    async def handle(self, inbound: Inbound) -> bool:
        return await self._submit(inbound, None)

    async def act(self, inbound: Inbound) -> list[str] | None:
        """A command from the desk (a form on a finding's page): handled exactly as `handle` handles a chat message
        — the same dedupe, routing, permission check, events and outbox rows, in one transaction — except that the
        answers meant for the sender are given back (rendered) for the page to show instead of being queued for a
        chat; what others must hear is queued as from chat. None: a duplicate (the same form sent twice)."""
        shown: list[str] = []
        return shown if await self._submit(inbound, shown) else None

    async def _submit(self, inbound: Inbound, shown: list[str] | None) -> bool:
        """Handle one inbound message once; False when it was a duplicate (or could not be handled); DatabaseAway
        when the database could not take it now (nothing of it was recorded — or, lost at the commit, all of it).

        Group commit: messages that arrive while a transaction runs wait together, and the first of them to get
        the lock handles them all in one transaction, each in its own SAVEPOINT (one bad message rolls back
        alone). A lone message is not delayed. Replies reach the sender after the commit (bot.outbox.handover)."""
        # the text without invisible format characters (bot.text.visible: a bidirectional override, a zero-width
        # space) from here on: in the ledger, the replies, the desk, the workbooks. Ids stay as sent.
        inbound = replace(inbound, text=visible(clean(inbound.text)), sender=clean(inbound.sender),
                          room=clean(inbound.room) if inbound.room else None)
        me = _Waiting(inbound, message_keys(inbound), asyncio.get_running_loop().create_future(), shown)
        self._waiting.append(me)
        async with self._lock:
            if not me.done.done():
                batch, self._waiting = self._waiting, []
                try:
                    await (self._alone(batch[0]) if len(batch) == 1 else self._together(batch))
                except DatabaseAway as away:  # none of those left was handled: each caller keeps its own
                    for w in batch:
                        if not w.done.done():
                            w.done.set_exception(away)
                finally:  # a cancellation in the middle: what was not handled waits for the next holder
                    self._waiting[:0] = [w for w in batch if not w.done.done()]
        return me.done.result()

    async def handle_many(self, inbounds: list[Inbound]) -> list[bool]:
        """Messages that arrived together: handed in at once, in order, so they wait (and commit) together."""
        return list(await asyncio.gather(*(self.handle(inbound) for inbound in inbounds)))

    async def sweep(self, now: datetime | None = None) -> int:
        """Queue every reminder and digest due at `now`; returns how many notices were queued."""
        at = now or self.clock.now()

        async def body(s: Session) -> int:
            roster, _ = await self.rosters.get(s, recheck=True)  # a sweep also notices an outside county load
            return await sweep_rules(Context(session=s, roster=roster, now=at, renderer=self.renderer))

        async with self._lock:
            queued = await self.db.unit(body)
        if queued:
            log.info("sweep at %s queued %d notices", at.isoformat(), queued)
        return queued

    # Handling: one ladder of outcomes (`_settle`) for a message alone, in a group, and for its answer ----------

    async def _settle(self, w: _Waiting, attempt: Callable[[], Awaitable[object]]) -> bool | Reply:
        """Run `attempt` (a message's handling, or the recording of its answer) and say how it ended: True done,
        False not handled (a duplicate, no county yet), or the answer to record instead — a refusal the sender
        should hear (UserError) or an apology for a failure. An outage of the database is no failure of the
        message: DatabaseAway, for the caller to keep the message and try again (bot/intake.py)."""
        try:
            await attempt()
        except DatabaseAway:
            raise
        except _Duplicate:
            log.info("duplicate message %s ignored", w.key)
            return False
        except NoCountyLoaded:
            log.error("message %s not handled: no county loaded (run `dudao county load FILE`)", w.key)
            return False
        except UserError as err:  # a card button's refusal is the clicker's alone: told privately
            alone = w.inbound.event == CARD_CLICK and w.inbound.room is not None
            return Reply(err.template, err.values, to=w.inbound.sender if alone else None)
        except Exception as err:
            if (kind := outage(err)) is not None:
                raise DatabaseAway(kind, err) from err
            log.exception("failed to handle message %s (from %s in %s: %s); answering with an apology", w.key,
                          w.inbound.sender, w.inbound.room or "a private chat", redact(w.inbound.text[:40]))
            return Reply(APOLOGY)
        return True

    async def _alone(self, w: _Waiting) -> None:
        """One message, no SAVEPOINT: a refusal or a failure rolls it all back and records the answer anew, in a
        transaction of its own."""
        outcome = await self._settle(w, lambda: self.db.unit(lambda s: self._record_and_handle(s, w)))
        if isinstance(outcome, Reply):
            answer = outcome
            outcome = await self._settle(w, lambda: self.db.unit(lambda s: self._record_answer(s, w, answer)))
            if isinstance(outcome, Reply):
                log.error("could not even record the answer to %s", w.key)
                outcome = False
        w.done.set_result(outcome)

    async def _together(self, batch: list[_Waiting]) -> None:
        async def body(s: Session) -> list[bool]:
            return [await self._nested(s, w) for w in batch]

        try:
            results = await self.db.unit(body)
        except DatabaseAway:
            raise
        except Exception as err:  # the transaction itself failed (the commit, a bug): one at a time
            if (kind := outage(err)) is not None:
                raise DatabaseAway(kind, err) from err
            log.exception("a group of %d messages failed together; handling them one at a time", len(batch))
            for w in batch:
                if not w.done.done():
                    await self._alone(w)
            return
        for w, result in zip(batch, results, strict=True):
            w.done.set_result(result)

    async def _nested(self, s: Session, w: _Waiting) -> bool:
        """One message of a group in a SAVEPOINT; its answer, if it failed, in another (a failure there fails the
        group, which is then handled one at a time)."""
        async def attempt() -> None:
            async with s.begin_nested():
                await self._record_and_handle(s, w)

        outcome = await self._settle(w, attempt)
        if not isinstance(outcome, Reply):
            return outcome
        async with s.begin_nested():
            await self._record_answer(s, w, outcome)
        return True

    async def _record_and_handle(self, s: Session, w: _Waiting) -> None:
        if not await self._first_time(s, w.inbound, w.keys):
            raise _Duplicate
        await self._handle_in(s, w.inbound, w.key, w.shown)

    async def _record_answer(self, s: Session, w: _Waiting, answer: Reply) -> None:
        """Record the message with only `answer` (a refusal, an apology)."""
        if not await self._first_time(s, w.inbound, w.keys):
            raise _Duplicate
        await self._queue(s, w.inbound, w.key, [answer], shown=w.shown)

    async def _first_time(self, s: Session, inbound: Inbound, keys: list[str]) -> bool:
        """Record the message under its keys in one INSERT … ON CONFLICT DO NOTHING; False when one of them was
        recorded before (a duplicate: the caller rolls the insert back).

        A scoped id: its one key, unless its bare id `p:<id>` was recorded (a message handled before ids were
        scoped, redelivered after the upgrade). Otherwise: the keys and the bare id, which tells a reused id (seen
        alone: another message under the same id, handled as new, with a warning)."""
        row = {"at": inbound.at, "handled_at": self.clock.now(), "room_chat_id": inbound.room,
               "sender_chat_id": inbound.sender}
        if inbound.room is None and inbound.event is None and inbound.via is None:  # a private chat exists now
            (await s.scalars(insert_new_returning(s, m.PrivateChat, "chat_id"),
                             {"chat_id": inbound.sender, "since": inbound.at})).all()
        if inbound.message_id and inbound.id_scope:
            bare = bare_id_key(inbound.message_id)
            statement = insert_new_unless_returning(s, m.HandledMessage, "key")
            if (await s.scalars(statement, {**row, "key": keys[0], "unless": bare})).first() is not None:
                return True
            await self._reused(s, inbound, [keys[0], bare])
            return False
        platform = [bare_id_key(inbound.message_id)] if inbound.message_id else []
        every = list(dict.fromkeys(keys + platform))
        new = set(await s.scalars(insert_new_returning(s, m.HandledMessage, "key"), [{**row, "key": k} for k in every]))
        seen = set(every) - new
        if not seen.isdisjoint(keys):
            return False
        if platform and platform[0] in seen:
            log.warning("message id %s was handled before with other content: handled as a new message (%s)",
                        inbound.message_id, keys[0])
        return True

    @staticmethod
    async def _reused(s: Session, inbound: Inbound, keys: list[str]) -> None:
        """A scoped id seen before is a redelivery; unless the platform gave the id to another sender or room: that
        message cannot be handled under its id, and the log says so (a platform whose ids are unique never does)."""
        first = (await s.execute(select(m.HandledMessage.sender_chat_id, m.HandledMessage.room_chat_id)
                                 .where(m.HandledMessage.key.in_(keys)).limit(1))).first()
        if first is not None and (first.sender_chat_id, first.room_chat_id) != (inbound.sender, inbound.room):
            log.warning("message id %s (%s) was handled before from another sender or room: the platform reused the "
                        "id, and this message from %s is not handled", inbound.message_id, inbound.id_scope,
                        inbound.sender)

    async def _handle_in(self, s: Session, inbound: Inbound, key: str, shown: list[str] | None = None) -> None:
        """Route the message and queue its replies; a UserError (a refusal, a typo) is raised to the caller."""
        roster, schools = await self.rosters.get(s)
        person = roster.people.get(inbound.person_id) if inbound.person_id is not None else None
        actor = roster.actor_of(person, inbound.sender) if person is not None and person.active \
            else roster.actor(inbound.sender)
        ctx = CommandContext(session=s, roster=roster, now=self.clock.now(), renderer=self.renderer, schools=schools,
                             actor=actor,
                             room=roster.rooms.get(inbound.room) if inbound.room else None, inbound=inbound,
                             settings=self.settings, message_key=key, commands=handlers.COMMANDS)
        await self._queue(s, inbound, key, await handlers.COMMANDS.route(ctx), today=ctx.today, shown=shown)

    async def _queue(self, s: Session, inbound: Inbound, key: str, replies: list[Reply], *,
                     today: date | None = None, shown: list[str] | None = None) -> None:
        """Write the replies to the outbox: each under the message's key and its place (`#0`, `#1`…; `#err` for an
        apology), a `Later` under its own key, changing the one that waits. A desk command (`shown` a list): what
        would go back to the sender is rendered into `shown` instead (set anew each time: a group that failed
        and is handled again one by one leaves nothing of its first try)."""
        in_reply_to = inbound.message_id or key
        now = self.clock.now()
        if today is None and (roster := self.rosters.peek()) is not None:
            today = now.astimezone(roster.tz).date()
        if shown is not None:
            shown.clear()
        for i, reply in enumerate(replies):
            if shown is not None and reply.room is None and reply.to in (None, inbound.sender):
                if not (isinstance(reply, Later) and reply.withdraw):
                    shown.append(self.renderer.render(reply.template, **{"today": today, **reply.values}))
                continue
            if isinstance(reply, Later):
                await self._queue_later(s, inbound, in_reply_to, reply, now=now, today=today)
                continue
            suffix = "#err" if reply.template == APOLOGY else f"#{i}"
            out = to_outbound(reply, self.renderer, key=f"{key}{suffix}", in_reply_to=in_reply_to,
                              here=inbound.room, sender=inbound.sender, today=today)
            # its key derives from a message just proven new: not looked up
            await enqueue(s, out, now=now, fresh=True)

    async def _queue_later(self, s: Session, inbound: Inbound, in_reply_to: str, reply: Later, *, now: datetime,
                           today: date | None) -> None:
        if reply.withdraw:
            await cancel_pending(s, reply.key)
            return
        out = to_outbound(reply, self.renderer, key=reply.key, in_reply_to=in_reply_to, here=inbound.room,
                          sender=inbound.sender, today=today)
        if not await update_pending(s, reply.key, text=out.text, not_before=reply.not_before,
                                    mentions=(out.mentions, out.mention_names)) \
                and reply.not_before is not None:
            await enqueue(s, out, now=now, not_before=reply.not_before)
