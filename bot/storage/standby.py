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

A running bot that is alive but hung (its lock not confirmed for `hung_checks` of the check intervals it announced:
the file's mtime, the lock connection's last query) is ended by the standby, which then takes over (see
`stand_by`). A holder that announced no interval (an older bot; `dudao restore` or `db copy` holding the database
for a while) is never taken for hung.

A standby writes nothing to the database and never connects to the chat platform before it holds the lock.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
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
# After the database was away (a PostgreSQL restart drops every advisory lock), the standby lets this long pass before
# it takes a free lock: the holder, fenced meanwhile, asks for it again every second and keeps it — a restart of the
# server is not a takeover. A holder that died meanwhile is taken over this much later.
AFTER_OUTAGE = 3.0
STANDBY_PREFIX = "dudao standby "  # the application_name of a PostgreSQL standby's connection


async def stand_by(db: Database, *, check_seconds: float = instance.CHECK_SECONDS, poll: float = POLL_SECONDS,
                   waiting: Callable[[instance.AnotherInstance], None] | None = None,
                   hung_checks: float | None = None,
                   hung: Callable[[instance.AnotherInstance], None] | None = None) -> instance.InstanceLock:
    """The database's instance lock for this process: at once if it is free, else once its holder lets go or dies.
    `waiting(holder)` is called when this process begins to stand by, and again whenever another instance holds it
    (a standby elsewhere took over first). A database that is away meanwhile: still waiting, said in the log.

    A holder hung (its lock not confirmed for `hung_checks` of the intervals it announced — a running bot confirms it
    every few seconds while its event loop turns) is ended, `hung(holder)` called first: PostgreSQL: its lock's
    backend terminated (should it wake, it finds its lock gone and another holding it, and stops); SQLite: the
    process /proc/locks names as holding the lock file killed (SIGKILL; same machine). None: a holder is never
    ended."""
    lock = instance.InstanceLock(db, check_seconds=check_seconds)
    try:
        await lock.take()
        return lock
    except instance.AnotherInstance as other:
        held_by: instance.AnotherInstance | None = other
    presence = _PgPresence(db.url) if db.dialect == "postgresql" else _FilePresence(instance.lock_path(db))
    shown: str | None = None
    ended: set[str] = set()
    failures, quiet_until = 0, 0.0
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
                if held_by is None and asyncio.get_running_loop().time() < quiet_until:
                    continue  # the database just came back: its holder, fenced meanwhile, takes its lock again first
                if held_by is None:
                    await lock.take()
                    log.warning("instance lock taken: the standby takes over (was held by %s)", shown)
                    return lock
            except instance.AnotherInstance as other:  # held (or another standby was quicker)
                held_by = other
            except Exception as error:  # noqa: BLE001 — the database away: still standing by
                failures += 1
                if failures == 1 or failures % max(1, round(60 / poll)) == 0:
                    log.warning("standby: cannot ask for the instance lock (%s: %s); still standing by, asking "
                                "every %g s", type(error).__name__, (str(error).splitlines() or [""])[0], poll)
                await presence.reset()
                quiet_until = asyncio.get_running_loop().time() + AFTER_OUTAGE
                continue
            if held_by is not None and hung_checks is not None and held_by.checks is not None \
                    and (held_by.silent_for or 0) > hung_checks * held_by.checks \
                    and held_by.holder not in ended:  # once: should ending it fail, a person has to
                ended.add(held_by.holder)
                log.error("instance lock: its holder %s has not confirmed it for %.0f s (hung): this standby ends it "
                          "and takes over", held_by.holder, held_by.silent_for)
                if hung is not None:
                    hung(held_by)
                try:
                    await presence.end(held_by)
                except Exception as error:  # noqa: BLE001 — not allowed, or gone meanwhile
                    log.error("standby: could not end the hung holder %s (%s: %s); stop it by hand",
                              held_by.holder, type(error).__name__, error)
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

    async def end(self, holder: instance.AnotherInstance) -> None:
        if holder.backend is not None and self.connection is not None:
            await asyncio.wait_for(self.connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"),
                                                           {"pid": holder.backend}), 10)

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
        self.lock = lock
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

    async def end(self, holder: instance.AnotherInstance) -> None:
        if self.lock is None:
            return
        pid = _flock_holder(self.lock)
        if pid is None or pid == os.getpid():
            return
        log.error("standby: killing process %d (it holds %s and does not answer)", pid, self.lock)
        os.kill(pid, signal.SIGKILL)

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        if self.fd is not None and self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _flock_holder(path: Path) -> int | None:
    """The process that holds a flock on the file at `path`, as /proc/locks says (Linux), or None."""
    try:
        st = os.stat(path)
        locks = Path("/proc/locks").read_text()
    except OSError:
        return None
    inode = f":{st.st_ino}"
    for line in locks.splitlines():
        fields = line.split()
        # `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF` (a blocked waiter's line has `->` after the number)
        if "->" in fields or len(fields) < 6 or fields[1] != "FLOCK":
            continue
        device = fields[5].split(":")
        if len(device) == 3 and f":{device[2]}" == inode and \
                os.makedev(int(device[0], 16), int(device[1], 16)) == st.st_dev:
            return int(fields[4])
    return None


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
            who, since, _ = instance._who(os.pread(fd, 400, 0))
            return Seen(who, since)
        return None
    finally:
        os.close(fd)
