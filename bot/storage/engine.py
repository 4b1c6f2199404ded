"""The engines: SQLite (WAL, BEGIN IMMEDIATE, synchronous=FULL) by default, PostgreSQL by URL — async for the
service, and on SQLite the same file on the sync driver for the units of work run at once (`Database.unit`)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

from bot.storage.direct import DirectSession, run_at_once

T = TypeVar("T")

log = logging.getLogger("dudao.storage")
# Set in session.info by whatever changes the county (its version): the roster cache is invalidated after commit.
ROSTER_CHANGED = "dudao_roster_changed"


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
    """The same SQLite file on the sync driver (the standard library's sqlite3), for units run at once in the
    database thread (see Database.unit); None for an in-memory database (one connection only) and for PostgreSQL,
    where a sync driver bought nothing: psycopg in the thread measured the same rate as asyncpg on the event loop
    (benchmarks/throughput_vs_floor.py), the time there being the server's round trips."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    engine = create_engine(parsed.set(drivername="sqlite+pysqlite"), pool_reset_on_return=None,
                           connect_args={"check_same_thread": False})  # used by the database thread only
    _prepare_sqlite(engine)
    return engine


class Database:
    """The engine and the session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        self.roster_generation = 0  # bumped after each commit that changed the county (see RosterCache)
        self.engine = make_engine(url, **kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.engine.execution_options(dudao_read_only=True),
                                                 expire_on_commit=False)
        # SQLite: the same file on the sync driver, for units run at once in a thread of their own (see `unit`)
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

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session, one transaction: committed when the block ends, rolled back if it raises."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            if session.info.pop(ROSTER_CHANGED, False):
                self.roster_generation += 1

    async def unit(self, body: Callable[[AsyncSession], Awaitable[T]], *,
                   committed: Callable[[T], None] | None = None) -> T:
        """Run `body` in one transaction (committed when it returns, rolled back if it raises) and return its result;
        `committed(result)` runs on the event loop after the commit.

        The body sees a DirectSession (bot/storage/direct.py) and runs at once, without suspending. On SQLite over
        the sync driver in the database thread: one hand-off for every statement of the unit. Elsewhere (PostgreSQL,
        an in-memory SQLite) over the async session's sync Session inside one greenlet (`run_sync`): one greenlet a
        unit, where each `await session.…` was one (10% more messages a second in bursts on PostgreSQL). A cancelled
        caller does not stop a unit halfway in the thread: it finishes, `committed` still runs, then the
        cancellation goes on."""
        if self._direct_sessions is None:
            async with self.transaction() as s:
                result = await s.run_sync(lambda sync: run_at_once(body(DirectSession(sync))))  # type: ignore[arg-type]
            if committed is not None:
                committed(result)
            return result
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="dudao-db")
        future = asyncio.get_running_loop().run_in_executor(self._thread, self._run_direct, body)
        try:
            result, changed = await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])
            if future.exception() is None:
                self._after_direct(*future.result(), committed)
            raise
        self._after_direct(result, changed, committed)
        return result

    def _run_direct(self, body: Callable[[Any], Awaitable[T]]) -> tuple[T, bool]:
        assert self._direct_sessions is not None
        with self._direct_sessions() as session:
            with session.begin():
                result = run_at_once(body(DirectSession(session)))  # type: ignore[arg-type]
            return result, bool(session.info.pop(ROSTER_CHANGED, False))

    def _after_direct(self, result: T, changed: bool, committed: Callable[[T], None] | None) -> None:
        if changed:
            self.roster_generation += 1  # here, on the event loop: the cache reads it there
        if committed is not None:
            committed(result)

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
