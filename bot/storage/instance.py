"""One bot per database: a second `dudao run` on the same database would read and send the same outbox.

The lock lives as long as the process, and a crash (kill -9) frees it at once, so a restart never waits:
- SQLite: an exclusive flock on `<database file>.lock`;
- PostgreSQL: a session-level advisory lock held on a connection of its own.
"""
from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.engine import Database

ADVISORY_KEY = 0x64756461  # "duda": the key of the PostgreSQL advisory lock


class AnotherInstance(Exception):
    """Another bot holds the database; `holder` says which, as well as we can tell."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"another dudao instance holds the database ({holder})")
        self.holder = holder


class InstanceLock:
    def __init__(self, *, file: int | None = None, connection: AsyncConnection | None = None) -> None:
        self._file, self._connection = file, connection

    async def release(self) -> None:
        if self._file is not None:
            os.close(self._file)  # closing the descriptor drops the flock
            self._file = None
        if self._connection is not None:
            await self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            await self._connection.close()
            self._connection = None


async def acquire(db: Database) -> InstanceLock:
    """Take the database for this process, or raise AnotherInstance."""
    if db.dialect == "postgresql":
        return await _advisory(db)
    database = make_url(db.url).database
    if not database or database == ":memory:":
        return InstanceLock()
    return _flock(Path(database).with_name(Path(database).name + ".lock"))


def _flock(path: Path) -> InstanceLock:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AnotherInstance(holder) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
    return InstanceLock(file=fd)


async def _advisory(db: Database) -> InstanceLock:
    connection = await db.engine.connect()
    got = await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
    if got:
        await connection.commit()  # end the implicit transaction; the session-level lock stays
        return InstanceLock(connection=connection)
    holder = await connection.scalar(text(
        "SELECT coalesce(a.client_addr::text, 'local') || ' pid ' || a.pid FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = :k LIMIT 1"),
        {"k": ADVISORY_KEY})
    await connection.close()
    raise AnotherInstance(holder or "unknown")
