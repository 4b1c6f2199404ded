"""Drive the real app (real database, parser, handlers, outbox) on a virtual clock; record what it sends."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.cli.bootstrap import Bot, build, load_county, open_database
from bot.clock import VirtualClock
from bot.messages import Inbound, InboundFile, Outbound
from bot.settings import Settings
from bot.transports.contract import Inlet, RateLimits, TransportError

T0 = datetime.fromisoformat("2024-03-11T09:00:00+08:00")


@dataclass
class Sent:
    at: datetime
    out: Outbound

    @property
    def text(self) -> str:
        return self.out.text


class RecordingTransport:
    name = "recording"
    limits = RateLimits()

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.sent: list[Sent] = []
        self.connected = True
        self.fail_next = 0  # make the next N sends fail (transport error)

    async def run(self, inlet: Inlet) -> None:
        return None

    async def send(self, out: Outbound) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise TransportError("simulated platform failure")
        self.sent.append(Sent(self.clock.now(), out))

    async def stop(self) -> None:
        return None


class Harness:
    def __init__(self, app: Bot, clock: VirtualClock, transport: RecordingTransport) -> None:
        self.app, self.clock, self.transport = app, clock, transport
        self._seq = 0

    @classmethod
    async def create(cls, url: str, tmp: Path, county: Path | None, start: datetime = T0) -> Harness:
        """An app on `url` (upgraded; `county` loaded unless None, i.e. already in the database)."""
        settings = Settings(database_url=url, evidence_dir=tmp / "evidence", spool_dir=tmp / "spool", _env_file=None)
        db = await open_database(url)
        clock = VirtualClock(start)
        if county is not None:
            await load_county(db, county, clock)
        return cls.on(settings, clock, db)

    @classmethod
    def on(cls, settings: Settings, clock: VirtualClock, db) -> Harness:  # noqa: ANN001 — a bot.storage Database
        """A bot (unpaced, with a recording transport of its own) on an existing database and clock."""
        transport = RecordingTransport(clock)
        return cls(build(settings, clock, db, transport, paced=False, lazy_marks=False), clock, transport)

    async def close(self) -> None:
        await self.app.db.dispose()

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
        await self.app.outbox.drain()
        return self.transport.sent[before:]

    async def one(self, room: str | None, sender: str, text: str, **kw: object) -> Sent:
        replies = await self.say(room, sender, text, **kw)
        assert len(replies) >= 1, f"no reply to {text!r}"
        return replies[0]
