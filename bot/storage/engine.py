"""The async engine: SQLite (WAL, BEGIN IMMEDIATE, synchronous=FULL) by default, PostgreSQL by URL."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger("dudao.storage")
# Set in session.info by whatever changes the county (its version): the roster cache is invalidated after commit.
ROSTER_CHANGED = "dudao_roster_changed"


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """SQLite needs three things for a safe single-writer ledger.

    - WAL so the outbox sender reads while a handler writes;
    - synchronous=FULL: with NORMAL, WAL may lose the last commits on power loss, and the inbox
      (handled ids) and outbox must survive exactly;
    - BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails at once with
      SQLITE_BUSY when another connection wrote meanwhile; IMMEDIATE takes the write lock up front
      and waits (busy_timeout) instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
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
        _prepare_sqlite(engine)
        from bot.storage.onehop import install

        if one_hop:
            install(engine)  # one trip to aiosqlite's thread a statement (see bot/storage/onehop.py)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """The engine and the session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        self.roster_generation = 0  # bumped after each commit that changed the county (see RosterCache)
        self.engine = make_engine(url, **kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.engine.execution_options(dudao_read_only=True),
                                                 expire_on_commit=False)

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

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (on SQLite a deferred transaction, which takes no write lock)."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
