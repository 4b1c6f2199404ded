"""When the database cannot be used just now: the errors that mean "try again later" (an outage), told apart from
the errors that mean "this cannot be done" (a bug, a constraint). A message that meets an outage is kept and tried
again (bot/intake.py); one that meets anything else is answered with an apology."""
from __future__ import annotations

import errno
import sqlite3

from sqlalchemy import exc as sa_exc

# SQLite's OperationalError also says "this statement cannot run here": trying it again later gives the same answer
_NOT_AN_OUTAGE = ("no such table", "no such column", "syntax error", "has no column named")
_DISK = {errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EIO: "io", errno.EROFS: "io"}


class DatabaseAway(Exception):
    """The database could not be used just now (`kind`: connection, disk_full, locked, io, fenced, other); what was
    being done did not happen — or, when the connection was lost at the commit, may have: doing it again must be
    safe (a message's key makes it so)."""

    def __init__(self, kind: str, error: BaseException | None = None) -> None:
        super().__init__(f"database unavailable ({kind}): {error!r}" if error else f"database unavailable ({kind})")
        self.kind = kind
        self.error = error


def outage(error: BaseException) -> str | None:
    """The kind of outage `error` (or what caused it) is, or None when it is not one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _kind(current)
        if kind is not None:
            return kind
        current = current.__cause__ or current.__context__
    return None


def _kind(error: BaseException) -> str | None:
    if isinstance(error, DatabaseAway):
        return error.kind
    text = str(error).lower()
    if isinstance(error, sa_exc.IntegrityError | sa_exc.ProgrammingError | sa_exc.DataError):
        return None  # the statement, not the database: trying again gives the same answer
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return "connection"
    if isinstance(error, sa_exc.OperationalError | sqlite3.OperationalError | sa_exc.InterfaceError
                   | sa_exc.TimeoutError | sa_exc.DisconnectionError | sqlite3.InterfaceError):
        if any(sign in text for sign in _NOT_AN_OUTAGE):
            return None  # the statement or the schema (SQLite reports these as OperationalError too): a bug, not a wait
        if "full" in text:
            return "disk_full"
        if "locked" in text or "busy" in text:
            return "locked"
        if "disk i/o" in text or "readonly" in text or "read-only" in text:
            return "io"
        return "connection"
    if isinstance(error, ConnectionError | TimeoutError):
        return "connection"
    if isinstance(error, OSError) and error.errno in _DISK:
        return _DISK[error.errno]
    name = type(error).__module__ + "." + type(error).__name__
    if name.startswith("asyncpg.") and ("connection" in name.lower() or "CannotConnectNow" in name
                                        or "AdminShutdown" in name or "ConnectionDoesNotExist" in name):
        return "connection"
    return None
