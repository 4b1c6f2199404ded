"""The door messages come in by: each is handed to the app at once — or, while the database cannot take it (an
outage: the connection lost, the disk full, a lock held too long), kept in the spool (bot/spool.py, fsynced
before the platform is told it arrived) and handed in later, in order, with backoff; also after a restart.

While anything waits, later messages wait behind it (the order of a conversation stays). The sender of a kept
message hears one short "系统繁忙" per outage and conversation — sent straight through the transport, the outbox
being in the database that is away. When the spool itself cannot be written (the same full disk), the message is
kept in memory, tried again, and the log says loudly that a crash now would lose it. The log says once a minute
what is wrong and how much waits, and names each kept message (sender, room, its first 40 characters).

When the database is back, `recovered` runs (the bootstrap reclaims outbox rows a lost commit left 'sending').
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.messages import Inbound, Outbound
from bot.redaction import redact
from bot.render import Renderer
from bot.spool import Spool
from bot.storage.faults import DatabaseAway

log = logging.getLogger("dudao.intake")
BUSY = "errors/busy.j2"
REPORT_EVERY = 60.0  # seconds between the log's reminders that the database is away


class Handles(Protocol):
    """The app's side (bot.app.App): DatabaseAway when the database could not take the message."""

    async def handle(self, inbound: Inbound) -> bool: ...


@dataclass
class _Kept:
    inbound: Inbound
    number: int | None  # its number in the spool; None: only in memory (the spool could not be written)


@dataclass
class _Outage:
    kind: str
    since: float
    reported: float
    told: set[str]  # the conversations told "系统繁忙" in this outage


class Intake:
    """Hands messages to `app`, keeping in `spool` what the database cannot take now (see the module)."""

    def __init__(self, app: Handles, spool: Spool, renderer: Renderer, *,
                 tell: Callable[[Outbound], Awaitable[None]] | None = None,
                 recovered: Callable[[], Awaitable[None]] | None = None,
                 first_retry: float = 0.5, last_retry: float = 5.0) -> None:
        self.app, self.spool, self.renderer = app, spool, renderer
        self.tell, self.recovered = tell, recovered
        self.first_retry, self.last_retry = first_retry, last_retry
        self._kept: list[_Kept] = []
        self._outage: _Outage | None = None
        self._delay = first_retry
        self._next_try = 0.0  # time.monotonic() of the next attempt in an outage
        self._retrying = asyncio.Lock()
        self._kick = asyncio.Event()

    @property
    def waiting(self) -> int:
        """How many messages wait to be handled."""
        return len(self._kept)

    @property
    def away(self) -> str | None:
        """The kind of the outage going on, if one is."""
        return self._outage.kind if self._outage else None

    def load(self) -> int:
        """At start: what a stop or a crash left in the spool waits again, first in line; how many."""
        self._kept[:0] = [_Kept(inbound, n) for n, inbound in self.spool.load()]
        if self._kept:
            log.warning("spool: %d message(s) kept while the database was away are handled now", len(self._kept))
            self._kick.set()
        return len(self._kept)

    async def handle(self, inbound: Inbound) -> bool:
        """Handle `inbound` now, or keep it: True when it was handled or kept (the platform may forget it), False
        for a duplicate or a message that could not be handled."""
        if self._kept:  # behind what waits: a conversation's order stays
            await self._keep([inbound])
            if self._outage is None:  # waiting from before a restart: the database may well take them now
                await self.retry()
            return True
        try:
            return await self.app.handle(inbound)
        except DatabaseAway as away:
            self._away(away)
            await self._keep([inbound])
            return True

    async def handle_many(self, inbounds: list[Inbound]) -> list[bool]:
        """Messages that arrived together: handed in at once (group commit); those the database could not take
        are kept, in order."""
        if self._kept:
            await self._keep(inbounds)
            if self._outage is None:
                await self.retry()
            return [True] * len(inbounds)
        results = await asyncio.gather(*(self.app.handle(i) for i in inbounds), return_exceptions=True)
        away = [r for r in results if isinstance(r, DatabaseAway)]
        if away:
            self._away(away[0])
            await self._keep([i for i, r in zip(inbounds, results, strict=True) if isinstance(r, DatabaseAway)])
        for r in results:
            if isinstance(r, BaseException) and not isinstance(r, DatabaseAway):
                raise r
        return [True if isinstance(r, DatabaseAway) else bool(r) for r in results]

    async def run(self) -> None:
        """Until cancelled: hand in what waits when kicked (a new message, a start) or, in an outage, when its
        backoff is up."""
        while True:
            timeout = None
            if self._kept:
                timeout = max(0.0, self._next_try - time.monotonic()) if self._outage else 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=timeout)
            self._kick.clear()
            if self._outage is not None and time.monotonic() < self._next_try:
                self._report()
                continue  # kicked by a new message in an outage: the backoff decides
            try:
                await self.retry()
            except Exception:  # noqa: BLE001 — the loop must outlive a bug in one round; the message stays kept
                log.exception("spool: a retry failed")
            self._report()

    async def retry(self) -> int:
        """Hand in what waits, oldest first, until the database refuses again; how many were handed in."""
        if self._retrying.locked():
            return 0  # the running round takes what was just kept too
        async with self._retrying:
            done = 0
            self._save_unsaved()
            while self._kept:
                kept = self._kept[0]
                try:
                    await self.app.handle(kept.inbound)
                except DatabaseAway as away:
                    self._away(away)
                    self._next_try = time.monotonic() + self._delay
                    self._delay = min(self._delay * 2, self.last_retry)
                    return done
                self._kept.pop(0)
                done += 1
                if kept.number is not None:
                    try:
                        self.spool.done(kept.number)
                    except OSError as error:  # handled again after a restart: its key makes it a duplicate
                        log.warning("spool: could not record message %d as handled (%s)", kept.number, error)
            self._delay = self.first_retry
            if self._outage is not None:
                await self._back(done)
            return done

    # ------------------------------------------------------------------------------------------------------

    def _away(self, away: DatabaseAway) -> None:
        now = time.monotonic()
        if self._outage is None:
            self._outage = _Outage(away.kind, now, now, set())
            self._next_try = now + self._delay
            log.error("database unavailable (%s): %s — messages are kept in %s and handled when it is back",
                      away.kind, redact(repr(away.error or away))[:300], self.spool.path)
        else:
            self._outage.kind = away.kind

    async def _keep(self, inbounds: list[Inbound]) -> None:
        for inbound in inbounds:
            try:
                number: int | None = self.spool.add(inbound)
            except OSError as error:
                number = None
                log.critical("spool %s cannot be written (%s): message from %s kept in memory only — a crash now "
                             "would lose it", self.spool.path, error, inbound.sender)
            self._kept.append(_Kept(inbound, number))
            log.warning("kept for later (database %s): from %s in %s: %s", self.away or "busy", inbound.sender,
                        inbound.room or "a private chat", redact(inbound.text[:40]))
            await self._tell_busy(inbound)
        self._kick.set()

    def _save_unsaved(self) -> None:
        for kept in self._kept:
            if kept.number is None:
                try:
                    kept.number = self.spool.add(kept.inbound)
                except OSError:
                    return

    async def _tell_busy(self, inbound: Inbound) -> None:
        """Once per outage and conversation: the message is kept, no need to send it again."""
        if self._outage is None or self.tell is None:
            return
        where = inbound.room or f"to:{inbound.sender}"
        if where in self._outage.told:
            return
        self._outage.told.add(where)
        out = Outbound(room=inbound.room, to=None if inbound.room else inbound.sender,
                       text=self.renderer.render(BUSY), in_reply_to=inbound.message_id,
                       key=f"busy:{where}:{self._outage.since}")
        try:
            await self.tell(out)
        except Exception as error:  # noqa: BLE001 — a courtesy: the message itself is kept either way
            log.warning("could not tell %s the bot is busy: %s", where, error)

    def _report(self) -> None:
        """Once a minute while the database is away: what is wrong and how much waits."""
        outage = self._outage
        now = time.monotonic()
        if outage is not None and now - outage.reported >= REPORT_EVERY:
            outage.reported = now
            unsaved = sum(1 for k in self._kept if k.number is None)
            log.error("database still unavailable (%s) after %.0f s: %d message(s) waiting%s", outage.kind,
                      now - outage.since, len(self._kept),
                      f", {unsaved} of them in memory only" if unsaved else "")

    async def _back(self, done: int) -> None:
        assert self._outage is not None  # called only at the end of an outage
        log.warning("database back after %.0f s (%s): %d kept message(s) handled",
                    time.monotonic() - self._outage.since, self._outage.kind, done)
        self._outage = None
        if self.recovered is not None:
            try:
                await self.recovered()
            except Exception:  # noqa: BLE001 — the start's recovery does it again at the next restart
                log.exception("after the outage: could not settle the outbox")
