"""Drive the real app (real database, parser, handlers, outbox) on a virtual clock; record what it sends.

Two ways to send: unpaced (the default: replay's and the console's way; every drain marks what it sent, nothing runs
in the background) and paced (`paced=True`: a real platform's way, as bot/cli/bootstrap.py builds it — the sender
runs in the background within small RateLimits and marks what went out lazily). `idle()` waits until the system has
nothing left to send now, so that "only one" is asserted when a late duplicate would already have gone out."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.cli.bootstrap import Bot, build, load_county, open_database
from bot.clock import VirtualClock
from bot.messages import Inbound, InboundFile, Outbound
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.roster_repo import NoCountyLoaded
from bot.transports.contract import Inlet, RateLimits, TransportError
from reminders.timing import may_speak
from tests.support.waiting import eventually

T0 = datetime.fromisoformat("2024-03-11T09:00:00+08:00")
# The paced harness's platform: every kind of limit set, the intervals small enough for a test (the rolling
# minute and hour are real time: set high, they are counted but never wait).
PACED = RateLimits(per_room_interval=0.02, between_rooms_interval=0.01, per_minute=6000, room_per_minute=3000,
                   room_per_hour=100_000)
PACED_SETTINGS = dict(outbox_per_minute=6000)  # the operator's overall cap, which bootstrap.pace applies on top
SENDER_POLL = 0.05  # seconds: the paced sender's timer (the table is read again on it, as in production every 5 s)


@dataclass
class Sent:
    at: datetime  # the virtual clock's time
    out: Outbound
    monotonic: float = 0.0  # real time (time.monotonic(), the pacing's clock)

    @property
    def text(self) -> str:
        return self.out.text


class RecordingTransport:
    name = "recording"

    def __init__(self, clock: VirtualClock, limits: RateLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits or RateLimits()
        self.sent: list[Sent] = []
        self.connected = True
        self.fail_next = 0  # make the next N sends fail (transport error)

    async def run(self, inlet: Inlet) -> None:
        return None

    async def send(self, out: Outbound) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise TransportError("simulated platform failure")
        self.sent.append(Sent(self.clock.now(), out, time.monotonic()))

    async def stop(self) -> None:
        return None


class Harness:
    def __init__(self, app: Bot, clock: VirtualClock, transport: RecordingTransport,
                 sender: asyncio.Task[None] | None = None) -> None:
        self.app, self.clock, self.transport = app, clock, transport
        self.sender = sender  # the paced harness's background sender (None: unpaced, drained by the test)
        self._seq = 0

    @property
    def paced(self) -> bool:
        return self.sender is not None

    @classmethod
    async def create(cls, url: str, tmp: Path, county: Path | None, start: datetime = T0, *,
                     paced: bool = False) -> Harness:
        """An app on `url` (upgraded; `county` loaded unless None, i.e. already in the database)."""
        settings = Settings(database_url=url, evidence_dir=tmp / "evidence", spool_dir=tmp / "spool", _env_file=None,
                            **(PACED_SETTINGS if paced else {}))
        db = await open_database(url)
        clock = VirtualClock(start)
        if county is not None:
            await load_county(db, county, clock)
        return cls.on(settings, clock, db, paced=paced)

    @classmethod
    def on(cls, settings: Settings, clock: VirtualClock, db, *, paced: bool = False) -> Harness:  # noqa: ANN001 — a bot.storage Database
        """A bot with a recording transport of its own on an existing database and clock: unpaced, or (`paced`,
        inside a running event loop) sending as for a real platform — within PACED, marks written lazily, the
        sender running in the background until `close`."""
        transport = RecordingTransport(clock, PACED if paced else None)
        bot = build(settings, clock, db, transport, paced=paced, lazy_marks=paced)
        sender = asyncio.create_task(bot.outbox.run(poll_seconds=SENDER_POLL), name="harness-sender") \
            if paced else None
        return cls(bot, clock, transport, sender)

    async def close(self) -> None:
        if self.sender is not None:  # as Bot.run stops: the sender, then what went out marked
            self.app.outbox.stop()
            await asyncio.wait_for(self.sender, 5)
            await self.app.outbox.close()
        await self.app.db.dispose()

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until nothing is left to send now (see `until_idle`)."""
        await until_idle(self.app, timeout=timeout, sender=self.sender)

    async def at(self, when: datetime | str) -> None:
        when = datetime.fromisoformat(when) if isinstance(when, str) else when
        await self.app.advance_to(when)
        await self.app.outbox.drain()

    async def say(self, room: str | None, sender: str, text: str = "", *, msg_id: str | None = None,
                  files: tuple[InboundFile, ...] = (), at: datetime | str | None = None) -> list[Sent]:
        """Send a message as `sender`; return what the bot sent because of it.

        The same text from the same sender in the same room at the same (virtual) time is one message to the
        bot (its content key), so repeat a command at a later `at`, as a person would.
        """
        if at is not None:
            await self.at(at)
        self._seq += 1
        msg_id = msg_id or f"t{self._seq}"
        before = len(self.transport.sent)
        await self.app.handle(Inbound(room=room, sender=sender, text=text, at=self.clock.now(), message_id=msg_id,
                                      files=files))
        await self.app.outbox.drain()  # paced: waits for the background sender's drain, or sends the rest
        return self.transport.sent[before:]

    async def one(self, room: str | None, sender: str, text: str, **kw: object) -> Sent:
        replies = await self.say(room, sender, text, **kw)
        assert len(replies) >= 1, f"no reply to {text!r}"
        return replies[0]


async def until_idle(bot: Bot, *, timeout: float = 5.0, sender: asyncio.Task[None] | None = None) -> None:
    """Wait until the system has nothing left to send now: the sender waits (a drain of our own, which takes its
    turn after any drain in progress, finds nothing to send) and the outbox table holds no row 'sending' (handed
    over, or sent and not yet marked) and no row pending and due — a bot-initiated row waiting out quiet hours or a
    day off is not due. Assert "only one" after this, not after a pause: a late duplicate would have gone out.

    Only the sender's public face (drain) and the table are used. `sender`: the background task running
    `OutboxSender.run`, if any (its end is an error here). The transport must be connected."""

    async def quiet() -> bool:
        if sender is not None and sender.done():
            raise AssertionError(f"the outbox sender has stopped: {sender!r}")
        if await bot.outbox.drain():
            return False  # it had something to send: look again
        return not await _left_to_send(bot)

    await eventually(quiet, timeout, what="the outbox to go idle (no row sending, none pending and due)")


async def _left_to_send(bot: Bot) -> int:
    now = bot.clock.now()
    table = m.OutboxMessage
    async with bot.db.reading() as s:
        sending = await s.scalar(select(func.count()).where(table.status == "sending"))
        due = dict((await s.execute(
            select(table.in_reply_to.is_(None), func.count())
            .where(table.status == "pending", table.next_attempt_at <= now)
            .group_by(table.in_reply_to.is_(None)))).all())
    replies, initiated = due.get(False, 0), due.get(True, 0)
    if initiated and not await _may_initiate(bot, now):
        initiated = 0  # held back until the bot may speak
    return sending + replies + initiated


async def _may_initiate(bot: Bot, now: datetime) -> bool:
    """Whether a bot-initiated row may go out now (the rule bootstrap gives the sender: reminders.timing)."""
    try:
        return may_speak(now, await bot.roster())
    except NoCountyLoaded:
        return True
