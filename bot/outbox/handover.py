"""The outbox's part in every transaction of a Database (a bot.storage.engine.CommitHook): what the senders sent is
marked 'sent' in the next transaction anybody commits, and what a transaction queued reaches a sender in memory.

- begin: the first attached sender that accepts more takes this transaction's replies: `enqueue` writes them
  'sending' (claimed) instead of 'pending' (`claims`);
- before commit: the ids every sender sent since the last commit are marked 'sent', in one statement;
- after commit: each sender forgets the ids marked; the claimant gets its claimed rows to send from memory, and
  every sender hears of the rows left 'pending' (due now: read the table; later: not before then).

Nothing here runs after a rollback: the marks wait for the next commit and the rows were never written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import inspect

from bot.outbox.status import SENDING, SENT, mark
from bot.storage import models as m
from bot.storage.session import Session

if TYPE_CHECKING:
    from datetime import datetime

_UNIT = "dudao_outbox_unit"  # session.info: this transaction's outbox bookkeeping (a _Unit)


class Taker(Protocol):
    """A sender's side of the hand-over (bot.outbox.sender.OutboxSender)."""

    def accepts(self) -> bool: ...
    def take(self, rows: list[m.OutboxMessage]) -> None: ...
    def unmarked(self) -> list[int]: ...
    def marked(self, ids: list[int]) -> None: ...
    def now(self) -> datetime: ...


@dataclass
class _Unit:
    claimant: Taker | None
    marks: list[tuple[Taker, list[int]]]
    queued: list[m.OutboxMessage] = field(default_factory=list)


class Handover:
    """One a Database (`db.hook(Handover)`); the senders working on it attach themselves."""

    def __init__(self) -> None:
        self.senders: list[Taker] = []

    def attach(self, sender: Taker) -> None:
        if sender not in self.senders:
            self.senders.append(sender)

    def detach(self, sender: Taker) -> None:
        if sender in self.senders:
            self.senders.remove(sender)

    def begin(self, session: Session) -> None:
        claimant = next((s for s in self.senders if s.accepts()), None)
        marks = [(s, ids) for s in self.senders if (ids := s.unmarked())]
        session.info[_UNIT] = _Unit(claimant, marks)

    async def before_commit(self, session: Session) -> None:
        unit: _Unit | None = session.info.get(_UNIT)
        if unit is not None and unit.marks:
            ids = [i for _, sent in unit.marks for i in sent]
            await mark(session, ids, status=SENT, at=unit.marks[0][0].now())

    def after_commit(self, session: Session) -> None:
        unit: _Unit | None = session.info.pop(_UNIT, None)
        if unit is None:
            return
        for sender, ids in unit.marks:
            sender.marked(ids)
        rows = [r for r in unit.queued if inspect(r).has_identity]  # not those a savepoint rolled back
        if not rows:
            return
        for sender in self.senders:
            sender.take(rows if sender is unit.claimant else [r for r in rows if r.status != SENDING])


def claims(session: Session) -> bool:
    """May replies queued in this transaction be written claimed (a sender takes them in memory after the commit)?"""
    unit: _Unit | None = session.info.get(_UNIT)
    return unit is not None and unit.claimant is not None


def note_queued(session: Session, row: m.OutboxMessage) -> None:
    """`row` was queued in this transaction: the senders hear of it once it commits."""
    unit: _Unit | None = session.info.get(_UNIT)
    if unit is not None:
        unit.queued.append(row)
