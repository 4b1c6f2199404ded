"""The one session type of the project: what handlers, reminder rules and reports may call on a database session.

Two classes satisfy it, checked by the type checker (mypy, in CI): SQLAlchemy's `AsyncSession` (the desk, the
CLI, the sender, every read) and `DirectSession` (bot/storage/direct.py: a message's or a sweep's unit of work
run at once, see `Database.unit`). Code that takes a session annotates it `Session`; anything not offered here is
not to be used on it (it would fail on one of the two at run time).

`execute` returns `Any`: SQLAlchemy types it `Result`, though a DML statement gives a `CursorResult` (`rowcount`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import ScalarResult

E = TypeVar("E")


class Session(Protocol):
    """A database session inside a transaction its caller owns (it never commits or rolls back itself)."""

    @property
    def info(self) -> Any:
        """Per-transaction bookkeeping of the unit of work's hooks (bot.storage.engine.CommitHook) — theirs only."""

    @property
    def bind(self) -> Any: ...

    def add(self, instance: object) -> None: ...

    def add_all(self, instances: Iterable[object]) -> None: ...

    async def execute(self, statement: Any, params: Any = None) -> Any: ...

    async def scalars(self, statement: Any, params: Any = None) -> ScalarResult[Any]: ...

    async def scalar(self, statement: Any, params: Any = None) -> Any: ...

    async def get(self, entity: type[E], ident: Any) -> E | None: ...

    async def flush(self, objects: Sequence[Any] | None = None) -> None: ...

    def begin_nested(self) -> AbstractAsyncContextManager[Any]: ...


if TYPE_CHECKING:  # what the type checker proves: both session classes are Sessions
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.storage.direct import DirectSession

    _async: type[Session] = AsyncSession
    _direct: type[Session] = DirectSession
