"""A message's database work as one synchronous unit on a sync driver: the AsyncSession surface over a sync Session.

The handlers are `async def` and `await session.execute(...)`. Over SQLAlchemy's AsyncSession every statement is a
greenlet switch, a trip to the driver's thread or socket through the event loop and back; measured on the replay,
that and the async adapters were a third of a message's time. `DirectSession` offers the same methods as
coroutines that call a sync `Session` at once — they never suspend — so a whole unit (dedupe, the handler, the
outbox rows, the commit) runs as one plain function call (`run_at_once`): on SQLite in a thread of its own, one
hand-off a unit instead of one a statement; on PostgreSQL inside one greenlet of the async session (its driver
still awaits the server underneath, out of the handlers' sight). See Database.unit.

Only what the handling path uses is offered; anything else is an AttributeError in the tests, not a silent await.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class DirectSession:
    """AsyncSession's methods, run at once on a sync Session (see the module's docstring)."""

    __slots__ = ("sync_session",)

    def __init__(self, sync_session: Session) -> None:
        self.sync_session = sync_session

    @property
    def info(self) -> dict[Any, Any]:
        return self.sync_session.info

    @property
    def bind(self) -> Any:
        return self.sync_session.bind

    def add(self, instance: object) -> None:
        self.sync_session.add(instance)

    def add_all(self, instances: Any) -> None:
        self.sync_session.add_all(instances)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.execute(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalars(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.get(*args, **kwargs)

    async def flush(self, objects: Any = None) -> None:
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
