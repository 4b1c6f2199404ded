"""The engine (SQLite with WAL, BEGIN IMMEDIATE and synchronous=FULL by default, PostgreSQL by URL) and the unit of
work: one transaction, with the hooks that ride along every commit."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session as SyncSession
from sqlalchemy.orm import sessionmaker

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


def make_direct_engine(url: str) -> Engine | None:
    """The same SQLite file on the sync driver (the standard library's sqlite3), for units run at once in a thread of
    their own (see Database.unit); None for an in-memory database (one connection only) and for PostgreSQL, where a
    sync driver bought nothing: psycopg in a thread measured the same rate as asyncpg on the event loop, the time
    there being the server's round trips. On a file, this path carries ~1.5x the messages a second of aiosqlite
    (benchmarks/throughput_vs_floor.py: 494 against 328 one by one, 763 against 421 in bursts, 2 cores)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    engine = create_engine(parsed.set(drivername="sqlite+pysqlite"), pool_reset_on_return=None,
                           connect_args={"check_same_thread": False})  # used by the database thread only
    _prepare_sqlite(engine)
    return engine


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

    # `begin` and `after_commit` always run on the event loop (they may touch what the loop owns: senders, caches);
    # `before_commit` runs where the unit's statements do — in the database thread for a file SQLite (Database.unit).


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
        # A file SQLite: the same file on the sync driver, for units run at once in a thread of their own (`unit`)
        self.direct_engine = make_direct_engine(url)
        self._direct_sessions = (sessionmaker(self.direct_engine, expire_on_commit=False)
                                 if self.direct_engine is not None else None)
        self._thread: ThreadPoolExecutor | None = None  # started at the first unit

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine statements go through (for event listeners: counting, tracing)."""
        return [self.engine.sync_engine, *([self.direct_engine] if self.direct_engine is not None else [])]

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

        The body sees a DirectSession (bot/storage/direct.py) and runs at once, without suspending. On a file SQLite,
        over the sync driver in the database thread: one hand-off for the whole unit, where aiosqlite makes one a
        statement. Elsewhere (PostgreSQL, an in-memory SQLite), over the async session's sync Session inside one
        greenlet (`run_sync`): one greenlet a unit, not one a statement. The fence is checked and the hooks' `begin`
        and `after_commit` run here, on the event loop. A cancelled caller does not stop a unit halfway in the
        thread: it finishes, the hooks' `after_commit` still runs, then the cancellation goes on."""
        if self.fence is not None:
            await self.fence.check()
        if self._direct_sessions is None:
            async with self.sessions() as session:
                async with session.begin():
                    self._begin(session)
                    result = await session.run_sync(self._run_at_once, body)
                self._committed(session)
            return result
        direct = DirectSession(self._direct_sessions())  # no connection yet: that is taken in the thread
        self._begin(direct)
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="dudao-db")
        future = asyncio.get_running_loop().run_in_executor(self._thread, self._run_direct, direct, body)
        try:
            result = await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])
            if not future.cancelled() and future.exception() is None:
                self._committed(direct)
            raise
        self._committed(direct)
        return result

    def _run_at_once(self, sync: SyncSession, body: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        return self._body_and_hooks(DirectSession(sync), body)

    def _run_direct(self, direct: DirectSession, body: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        """In the database thread: the unit and the hooks' `before_commit`, in one transaction."""
        with direct.sync_session as sync, sync.begin():
            return self._body_and_hooks(direct, body)

    def _body_and_hooks(self, direct: DirectSession, body: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        """The unit's body, then every hook's `before_commit`, each run at once (inside the open transaction)."""
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
        if self._thread is not None:  # after the unit running there, if any
            thread, self._thread = self._thread, None
            await asyncio.get_running_loop().run_in_executor(None, thread.shutdown)
        if self.direct_engine is not None:
            self.direct_engine.dispose()
