"""A second `dudao run` on a database another instance holds stands by: it waits for the instance lock
(bot/storage/instance.py) and takes it — and with it the chat connection, the sweep and the sender, which the caller
starts only then — once the holder is gone.

While it waits it is seen, so that `dudao status` can say what each instance does:
- PostgreSQL: a connection of its own named `dudao standby pid N on HOST` (pg_stat_activity), on which it asks
  every `poll` seconds whether anybody holds the advisory lock; nobody: it takes it (on a new connection, as a
  first start does). The standby may run on another machine: a holder that dies with its machine is let go by the
  server when its connection answers no keepalive (instance.KEEPALIVE, about 11 s).
- SQLite: a file `<database>.standby.<pid>` beside the lock file, flocked while it waits (a killed standby's file
  is left, unlocked: `status` passes over it and the next standby of that pid overwrites it); every `poll` seconds
  it tries the lock file. Same machine only: it covers a crashed (or killed) process, not a dead machine.

A standby writes nothing to the database and never connects to the chat platform before it holds the lock.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage import instance
from bot.storage.engine import Database

log = logging.getLogger("dudao.lock")

POLL_SECONDS = 1.0  # how often a standby asks whether the lock is free (the takeover's delay, at most)
STANDBY_PREFIX = "dudao standby "  # the application_name of a PostgreSQL standby's connection


async def stand_by(db: Database, *, check_seconds: float = instance.CHECK_SECONDS, poll: float = POLL_SECONDS,
                   waiting: Callable[[instance.AnotherInstance], None] | None = None) -> instance.InstanceLock:
    """The database's instance lock for this process: at once if it is free, else once its holder lets go or dies.
    `waiting(holder)` is called when this process begins to stand by, and again whenever another instance holds it
    (a standby elsewhere took over first). A database that is away meanwhile: still waiting, said in the log."""
    lock = instance.InstanceLock(db, check_seconds=check_seconds)
    try:
        await lock.take()
        return lock
    except instance.AnotherInstance as other:
        held_by: instance.AnotherInstance | None = other
    presence = _PgPresence(db.url) if db.dialect == "postgresql" else _FilePresence(instance.lock_path(db))
    shown: str | None = None
    failures = 0
    try:
        await presence.show()
        while True:
            if held_by is not None and held_by.holder != shown:
                shown = held_by.holder
                log.warning("instance lock held by %s: this bot stands by and takes over when it is gone", shown)
                if waiting is not None:
                    waiting(held_by)
            await asyncio.sleep(poll)
            try:
                held_by = await presence.holder()
                if held_by is None:
                    await lock.take()
                    log.warning("instance lock taken: the standby takes over (was held by %s)", shown)
                    return lock
            except instance.AnotherInstance as other:  # another standby was quicker
                held_by = other
            except Exception as error:  # noqa: BLE001 — the database away: still standing by
                failures += 1
                if failures == 1 or failures % max(1, round(60 / poll)) == 0:
                    log.warning("standby: cannot ask for the instance lock (%s: %s); still standing by, asking "
                                "every %g s", type(error).__name__, error, poll)
                await presence.reset()
    finally:
        await presence.close()


class _PgPresence:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine | None = None
        self.connection: AsyncConnection | None = None

    async def show(self) -> None:
        name = f"{STANDBY_PREFIX}pid {os.getpid()} on {socket.gethostname()}"[:63]
        self.engine = create_async_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={
            "server_settings": {"application_name": name, **instance.KEEPALIVE}})
        with contextlib.suppress(Exception):  # the database away: connected at the next question
            self.connection = await asyncio.wait_for(self.engine.connect(), 10)

    async def holder(self) -> instance.AnotherInstance | None:
        assert self.engine is not None
        if self.connection is None:
            self.connection = await asyncio.wait_for(self.engine.connect(), 10)
        return await asyncio.wait_for(instance._pg_holder(self.connection), 10)

    async def reset(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)

    async def close(self) -> None:
        await self.reset()
        if self.engine is not None:
            with contextlib.suppress(Exception):
                await self.engine.dispose()


class _FilePresence:
    def __init__(self, lock: Path | None) -> None:
        self.path = None if lock is None else lock.with_name(f"{lock.name.removesuffix('.lock')}.standby.{os.getpid()}")
        self.fd: int | None = None

    async def show(self) -> None:
        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, 0)
            os.pwrite(fd, instance._signature().encode(), 0)
            self.fd = fd
        except OSError as error:  # not seen by `status`; it stands by all the same
            log.warning("standby: cannot write %s (%s): `dudao status` will not list this standby", self.path, error)

    async def holder(self) -> instance.AnotherInstance | None:
        return None  # the lock file is tried at once: trying it is as cheap as asking

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        if self.fd is not None and self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


# `dudao status` ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """An instance: who (`pid N on HOST`, or the PostgreSQL connection's name and address), since when."""

    who: str
    since: datetime | None


@dataclass(frozen=True)
class Instances:
    active: Seen | None
    standbys: list[Seen]


async def instances(db: Database) -> Instances:
    """Which instance holds the database, since when, and which stand by."""
    if db.dialect == "postgresql":
        return await _pg_instances(db.url)
    return _file_instances(instance.lock_path(db))


async def _pg_instances(url: str) -> Instances:
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            holder = await instance._pg_holder(conn)
            rows = (await conn.execute(text(
                "SELECT application_name || ', ' || coalesce(client_addr::text, 'local') || ' backend ' || pid, "
                "backend_start FROM pg_stat_activity WHERE application_name LIKE :p AND datname = current_database() "
                "ORDER BY backend_start"), {"p": STANDBY_PREFIX + "%"})).all()
    finally:
        await engine.dispose()
    active = None if holder is None else Seen(holder.holder, holder.since)
    return Instances(active, [Seen(who.removeprefix(STANDBY_PREFIX), since) for who, since in rows])


def _file_instances(lock: Path | None) -> Instances:
    if lock is None:
        return Instances(None, [])
    active = _held_file(lock)
    standbys = [seen for path in sorted(lock.parent.glob(f"{lock.name.removesuffix('.lock')}.standby.*"))
                if (seen := _held_file(path)) is not None]
    return Instances(active, sorted(standbys, key=lambda s: (s.since is None, s.since or datetime.min, s.who)))


def _held_file(path: Path) -> Seen | None:
    """Who holds the flock on `path`, or None when nobody does (or there is no such file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # taken: nobody holds it (let go at once, below)
        except BlockingIOError:
            who, since = instance._who(os.pread(fd, 400, 0))
            return Seen(who, since)
        return None
    finally:
        os.close(fd)
