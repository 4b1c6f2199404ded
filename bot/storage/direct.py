"""A unit of work run at once: the AsyncSession surface over the sync Session of the async session's greenlet.

The handlers are `async def` and `await session.execute(...)`. Over SQLAlchemy's AsyncSession every statement is
its own greenlet switch; measured on the replay, one greenlet a unit instead of one a statement was 10% more
messages a second in bursts on PostgreSQL. `DirectSession` offers the same methods (bot.storage.session.Session)
as coroutines that call a sync `Session` at once — they never suspend — so a whole unit (dedupe, the handler, the
outbox rows) runs as one plain function call (`run_at_once`) inside `AsyncSession.run_sync`; the driver still
awaits the database underneath, out of the handlers' sight. See Database.unit.

Only what the Session protocol offers is here; anything else is a type error, and an AttributeError in the tests.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ScalarResult
from sqlalchemy.orm import Session as SyncSession

T = TypeVar("T")
E = TypeVar("E")


class DirectSession:
    """AsyncSession's methods, run at once on a sync Session (see the module's docstring); a
    bot.storage.session.Session, as the type checker verifies."""

    __slots__ = ("sync_session",)

    def __init__(self, sync_session: SyncSession) -> None:
        self.sync_session = sync_session

    @property
    def info(self) -> dict[Any, Any]:
        return self.sync_session.info

    @property
    def bind(self) -> Any:
        return self.sync_session.bind

    def add(self, instance: object) -> None:
        self.sync_session.add(instance)

    def add_all(self, instances: Iterable[object]) -> None:
        self.sync_session.add_all(instances)

    async def execute(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync_session.execute(statement, params, **kw)

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> ScalarResult[Any]:
        return self.sync_session.scalars(statement, params, **kw)

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync_session.scalar(statement, params, **kw)

    async def get(self, entity: type[E], ident: Any, **kw: Any) -> E | None:
        return self.sync_session.get(entity, ident, **kw)

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        self.sync_session.flush(objects)

    @contextlib.asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[Any]:
        with self.sync_session.begin_nested() as nested:
            yield nested


class Suspended(RuntimeError):
    """A coroutine run by `run_at_once` awaited something that really waits (not a DirectSession call)."""


def run_at_once(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end, without an event loop; Suspended if it does suspend."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise Suspended("a direct unit awaited something outside the database session")
