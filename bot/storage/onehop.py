"""One hand-off to aiosqlite's thread a statement, not four.

aiosqlite runs each SQLite connection in a thread of its own; SQLAlchemy's adapter asks it for a cursor, to
execute, to fetch and to close — four trips through the thread's queue and back to the event loop for one
statement, and most of a message's time was spent there (a profile of the replay: ~47 trips a message, the event
loop waiting in epoll for a quarter of the wall time). This cursor does the four in one function run in that
thread. Everything else (errors, transactions, the pool, server-side cursors) stays SQLAlchemy's.

It reaches into two private names — aiosqlite's `Connection._execute(fn)` (queue a function for the connection's
thread) and `Connection._conn` (the sqlite3 connection in it) — which is why aiosqlite is pinned below 0.23 in
pyproject.toml; `install` checks they exist and leaves the engine as it is otherwise.
"""
from __future__ import annotations

import collections
import logging
from typing import Any

from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

log = logging.getLogger("dudao.storage")


class OneHopCursor(sa_aiosqlite.AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose every execute is one trip to the connection's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor: nothing to open, nothing to close
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid = None, -1, None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:  # the rows are read already and there is no cursor to close
        return None

    def execute(self, operation: Any, parameters: Any = None) -> None:
        def run(conn: Any) -> tuple:
            cursor = conn.cursor()
            try:
                cursor.execute(operation, () if parameters is None else parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else None
                return description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        try:
            self._description, rows, self._rowcount, self._lastrowid = await_(self._run(run))
        except Exception as error:  # noqa: BLE001 — SQLAlchemy turns it into its own error
            self._adapt_connection._handle_exception(error)
        self._rows = collections.deque(rows or ())

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        def run(conn: Any) -> tuple:
            cursor = conn.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                return cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        try:
            self._rowcount, self._lastrowid = await_(self._run(run))
        except Exception as error:  # noqa: BLE001
            self._adapt_connection._handle_exception(error)
        self._description = None
        self._rows.clear()

    async def _run(self, fn: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            return await self._connection._execute(fn, self._connection._conn)


class OneHopConnection(sa_aiosqlite.AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


def install(engine: AsyncEngine) -> bool:
    """Make `engine`'s new connections use OneHopCursor (this engine only); False when aiosqlite lacks what it
    needs (then nothing changes)."""
    import aiosqlite

    if not (hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn")):
        log.warning("aiosqlite %s: the one-trip cursor is not available; using SQLAlchemy's",
                    getattr(aiosqlite, "__version__", "?"))
        return False
    dbapi = engine.sync_engine.dialect.loaded_dbapi
    connect = dbapi.connect

    def one_hop_connect(*args: Any, **kwargs: Any) -> Any:
        connection = connect(*args, **kwargs)
        if type(connection) is sa_aiosqlite.AsyncAdapt_aiosqlite_connection:
            connection.__class__ = OneHopConnection
        return connection

    dbapi.connect = one_hop_connect
    return True
