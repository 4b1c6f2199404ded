"""One hand-off to aiosqlite's thread a statement, not four.

aiosqlite runs each SQLite connection in a thread of its own; SQLAlchemy's adapter asks it for a cursor, to
execute, to fetch and to close — four trips through the thread's queue and back to the event loop for one
statement, and most of a message's time was spent there (a profile of the replay: ~47 trips a message, the event
loop waiting in epoll for a quarter of the wall time). This cursor does the four in one function run in that
thread. Everything else (errors, transactions, the pool, server-side cursors) stays SQLAlchemy's.

It reaches into private names of aiosqlite (`Connection._execute(fn)`: queue a function for the connection's thread;
`Connection._conn`: the sqlite3 connection in it — which is why aiosqlite is pinned below 0.23) and of SQLAlchemy
2.1's aiosqlite adapter (the cursor's slots, the connection's `_cursor_cls` and execute mutex); every one is a row of
bot/private_names.py. `install` looks them all up first: when one is missing (SQLAlchemy 2.0's adapter has another
shape) it says which and leaves the engine on SQLAlchemy's own cursor, the public path.
"""
from __future__ import annotations

import collections
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import util as sa_util
from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import concurrency

from bot.private_names import check as check_private_names

log = logging.getLogger("dudao.storage")

if TYPE_CHECKING:  # SQLAlchemy 2.1's, which the one-trip cursor is written for
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection as _AdapterConnection
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor as _AdapterCursor
    from sqlalchemy.util import EMPTY_DICT
    from sqlalchemy.util.concurrency import await_
else:  # looked up, not imported: on a SQLAlchemy without them (2.0) this module still imports, and install() says
    # why the cursor is not used. The classes below are only ever used after install() found every name.
    await_ = getattr(concurrency, "await_", None)
    EMPTY_DICT = getattr(sa_util, "EMPTY_DICT", None)
    _AdapterCursor = getattr(sa_aiosqlite, "AsyncAdapt_aiosqlite_cursor", object)
    _AdapterConnection = getattr(sa_aiosqlite, "AsyncAdapt_aiosqlite_connection", object)
NAMES = ("onehop-aiosqlite", "onehop-sqlalchemy")  # their rows in bot/private_names.py


class OneHopCursor(_AdapterCursor):
    """A client-side cursor whose every execute is one trip to the connection's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor: nothing to open, nothing to close
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection.driver_connection
        self._cursor = None  # type: ignore[assignment]  # none to open: execute runs its own in the thread
        self._soft_closed_memoized = EMPTY_DICT
        self._rows: collections.deque[Any] = collections.deque()
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


class OneHopConnection(_AdapterConnection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


def install(engine: AsyncEngine) -> bool:
    """Make `engine`'s new connections use OneHopCursor (this engine only); False when aiosqlite or SQLAlchemy
    lacks a name it needs (each said in a warning, once a process): then nothing changes."""
    if check_private_names(*NAMES):
        return False
    dbapi: Any = engine.sync_engine.dialect.loaded_dbapi  # SQLAlchemy's adapted aiosqlite module
    connect = dbapi.connect

    def one_hop_connect(*args: Any, **kwargs: Any) -> Any:
        connection = connect(*args, **kwargs)
        if type(connection) is _AdapterConnection:
            connection.__class__ = OneHopConnection
        return connection

    dbapi.connect = one_hop_connect
    return True
