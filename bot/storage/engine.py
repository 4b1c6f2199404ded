"""The engine (SQLite with WAL, BEGIN IMMEDIATE and synchronous=FULL by default, PostgreSQL by URL) and the unit of
work: one transaction, with the hooks that ride along every commit."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session as SyncSession

from bot.storage.direct import DirectSession, run_at_once
from bot.storage.session import Session

T = TypeVar("T")
H = TypeVar("H", bound="CommitHook")

log = logging.getLogger("dudao.storage")


def _prepare_sqlite(engine: Engine) -> None:
    """SQLite needs three things for a safe single-writer ledger.

    - WAL so the outbox sender reads while a handler writes;
    - synchronous=FULL: with NORMAL, WAL may lose the last commits on power loss, and the inbox
      (handled ids) and outbox must survive exactly;
    - BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails at once with
      SQLITE_BUSY when another connection wrote meanwhile; IMMEDIATE takes the write lock up front
      and waits (busy_timeout) instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read-only session (Database.reading) needs no write lock: a deferred BEGIN lets it run beside a writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("dudao_read_only") else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Every session ends its own transaction (commit, or the rollback of Session.close; Connection.close rolls back
    # too): the pool's extra ROLLBACK on each return is a round trip a message (1 of ~20 hand-offs to aiosqlite's
    # thread) for nothing.
    kwargs.setdefault("pool_reset_on_return", None)
    one_hop = kwargs.pop("one_hop", True)  # False: SQLAlchemy's own aiosqlite cursor (the benchmark's floor)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        _prepare_sqlite(engine.sync_engine)
        from bot.storage.onehop import install

        if one_hop:
            install(engine)  # one trip to aiosqlite's thread a statement (see bot/storage/onehop.py)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


class CommitHook(Protocol):
    """Bookkeeping that rides along every transaction of a Database, owned by whoever registers it (the outbox's
    sent marks and in-memory hand-over, the roster cache's generation). State for one transaction lives in
    `session.info` under the hook's own key."""

    def begin(self, session: Session) -> None:
        """The transaction has begun (nothing is written yet)."""

    async def before_commit(self, session: Session) -> None:
        """The body is done; write what must commit with it."""

    def after_commit(self, session: Session) -> None:
        """It committed (on the event loop; never after a rollback)."""


class Fence(Protocol):
    """Whether this process may change the database now. A running bot's instance lock (bot.storage.instance)
    registers itself as its database's fence: while the lock is lost, no transaction begins and nothing is sent."""

    async def check(self) -> None:
        """Raise (bot.storage.instance.Fenced) unless this process may write and send now."""


class Database:
    """The engine, the session factory and the unit of work (`transaction()`, `unit()`), with the hooks every
    transaction carries (`hooks`) and the fence every one passes first (`fence`)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.engine.execution_options(dudao_read_only=True),
                                                 expire_on_commit=False)
        self.hooks: list[CommitHook] = []
        self.fence: Fence | None = None  # checked before every transaction begins (reads are not fenced)

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine statements go through (for event listeners: counting, tracing)."""
        return [self.engine.sync_engine]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def hook(self, kind: type[H]) -> H:
        """This database's hook of `kind`, registered on first use (one a database)."""
        for hook in self.hooks:
            if isinstance(hook, kind):
                return hook
        hook = kind()
        self.hooks.append(hook)
        return hook

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session, one transaction: committed when the block ends, rolled back if it raises."""
        if self.fence is not None:
            await self.fence.check()
        async with self.sessions() as session:
            async with session.begin():
                self._begin(session)
                yield session
                for hook in self.hooks:
                    await hook.before_commit(session)
            self._committed(session)

    async def unit(self, body: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        """Run `body` in one transaction (committed when it returns, rolled back if it raises) and return its result.

        The body sees a DirectSession (bot/storage/direct.py) and runs at once, without suspending, inside one
        greenlet of the async session (`run_sync`): one greenlet a unit, not one a statement."""
        if self.fence is not None:
            await self.fence.check()
        async with self.sessions() as session:
            async with session.begin():
                self._begin(session)
                result = await session.run_sync(self._run_at_once, body)
            self._committed(session)
        return result

    def _run_at_once(self, sync: SyncSession, body: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        direct = DirectSession(sync)
        result = run_at_once(body(direct))
        for hook in self.hooks:
            run_at_once(hook.before_commit(direct))
        return result

    def _begin(self, session: Session) -> None:
        for hook in self.hooks:
            hook.begin(session)

    def _committed(self, session: Session) -> None:
        for hook in self.hooks:
            hook.after_commit(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (on SQLite a deferred transaction, which takes no write lock)."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
