"""One bot per database: a second `dudao run` on the same database would read and send the same outbox and number
findings beside this one.

The lock lives as long as the process, and a crash (kill -9) frees it at once, so a restart never waits:
- SQLite: an exclusive flock on `<database file>.lock`;
- PostgreSQL: a session-level advisory lock held on a connection of its own (outside the pool).

It is real while the bot runs (`watch`): a PostgreSQL restart, or a backend terminated, drops the advisory lock
without a word, and a lock file can be removed. So the lock is checked every `check_seconds` — PostgreSQL: its
connection answers and pg_locks shows our key granted to that very backend (and the connection's end is noticed
the moment it closes); SQLite: the descriptor still holds the flock and the path still names that file (two system
calls, also before every transaction). When it is lost, this process fences itself at once: every transaction of
the database refuses to begin (`Fenced`, through `Database.fence`) and the outbox sender sends nothing. Then it
takes the lock again: free, it resumes; held by another instance, it has ended (`ended`, `taken_by`) and the bot
stops. A lock not confirmed for three check intervals (the checker held up) is confirmed before the next
transaction begins.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage.engine import Database
from bot.storage.faults import DatabaseAway

log = logging.getLogger("dudao.lock")

ADVISORY_KEY = 0x64756461  # "duda": the key of the PostgreSQL advisory lock
CHECK_SECONDS = 3.0  # the default interval between checks (settings: LOCK_CHECK_SECONDS)
# The lock's connection, seen from the server: a holder whose machine died (a power cut) answers no TCP keepalive,
# and the server ends its backend — freeing the lock for a standby — about 4 + 3 × 1 = 7 s after it last heard
# from it (the default, two hours, would keep a dead machine's lock that long); data the server sent it (the answer
# to a check) left unacknowledged for 7 s ends it as well (tcp_user_timeout, PostgreSQL 12 and later). Ignored on a
# Unix socket.
KEEPALIVE = {"tcp_keepalives_idle": "4", "tcp_keepalives_interval": "1", "tcp_keepalives_count": "3",
             "tcp_user_timeout": "7000"}
CHECKS_MARK = " checks "  # in a watching holder's application_name: `dudao pid N on HOST checks 3s`
_HELD = text(  # a one-bigint advisory key is (classid, objid) = (high, low 32 bits), objsubid 1
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k "
    "AND objsubid = 1 AND pid = pg_backend_pid() AND granted)")


class AnotherInstance(Exception):
    """Another bot holds the database; `holder` says which, as well as we can tell, and `since` when it took it
    (None: not known)."""

    def __init__(self, holder: str, since: datetime | None = None, *, silent_for: float | None = None,
                 checks: float | None = None, backend: int | None = None) -> None:
        super().__init__(f"another dudao instance holds the database ({holder})")
        self.holder, self.since = holder, since
        self.silent_for = silent_for  # seconds since the holder last confirmed its lock (None: not known)
        # how often the holder confirms it, as it announced when it began to (a running bot's `watch`); None: it
        # does not (an older bot, or a command such as `dudao restore` holding the database for a while)
        self.checks = checks
        self.backend = backend  # PostgreSQL: the backend that holds the advisory lock


class TakenOver(AnotherInstance):
    """This bot lost its lock while running, and another instance holds the database now: this one has stopped.
    `kept`: messages that arrived meanwhile and wait in this machine's spool (`spool`) for its next start."""

    def __init__(self, holder: str, *, kept: int = 0, spool: str = "") -> None:
        super().__init__(holder)
        self.kept, self.spool = kept, spool


class Fenced(DatabaseAway):
    """This process does not hold the database now (its instance lock was lost): it may not write or send. To the
    caller it is a database outage of kind `fenced` (a message is kept and handed in again, bot/intake.py): what it
    was about to do was not done."""

    def __init__(self, why: str) -> None:
        super().__init__("fenced")
        self.why = why

    def __str__(self) -> str:
        return f"the instance lock is not held: {self.why}"


def _now() -> float:
    return asyncio.get_running_loop().time()


class _Holding(Protocol):
    name: str  # what is held, for the log
    cheap: bool  # confirmed before every transaction (a couple of system calls), not only on the timer

    def quick(self) -> str | None:
        """What is wrong (the cheap kinds), or None."""

    async def confirm(self) -> str | None:
        """None while the lock is held; else what is wrong."""

    async def close(self) -> None:
        """Let go, as far as it still can (never raises)."""

    async def announce(self, seconds: float) -> None:
        """Say (for a standby) that this lock is confirmed every `seconds`: its age then tells a hung holder."""


class InstanceLock:
    """The database, held by this process. `held`; `lost` is set while it is not (fenced); `ended` once another
    instance holds it (`taken_by`), for good. `watch()` keeps it checked and registers it as the database's fence;
    `regained()` waits while fenced."""

    def __init__(self, db: Database, *, check_seconds: float = CHECK_SECONDS) -> None:
        self._db = db
        self._holding: _Holding | None = None  # None: nothing to hold (in-memory SQLite), or being taken again
        self.check_seconds = check_seconds
        self._lease = 3 * check_seconds  # older than this, a confirmation is renewed before the next transaction
        self._timeout = max(2 * check_seconds, 5.0)  # a check, or a new lock's connection, that takes longer failed
        self._held = True
        self._why = ""
        self._confirmed = 0.0  # loop time when the last confirmation that succeeded began
        self.lost = asyncio.Event()
        self.ended = asyncio.Event()
        self.taken_by: str | None = None
        self._back = asyncio.Event()  # held (again)
        self._over = asyncio.Event()  # ended or released: nobody waits for it any more
        self._back.set()
        self._alarm = asyncio.Event()  # wakes the watcher: the connection ended, or a check failed
        self._checking = asyncio.Lock()  # one check at a time (the lock's connection runs one query at a time)
        self._watcher: asyncio.Task[None] | None = None
        self._on_change: Callable[[], None] | None = None

    @property
    def held(self) -> bool:
        return self._held

    async def take(self) -> None:
        """Take the database for this process, or raise AnotherInstance (see `acquire`)."""
        self._holding = await _take(self._db, self._connection_ended)

    # The fence (bot.storage.engine.Fence) --------------------------------------------------------------------

    async def check(self) -> None:
        """Raise Fenced unless this process holds the database now: before every transaction, and before a send."""
        holding = self._holding
        if self._held and holding is not None:
            if holding.cheap:
                if (wrong := holding.quick()) is not None:
                    self._fence(holding, wrong)
            elif _now() - self._confirmed >= self._lease:  # the checker fell behind: ask now
                await self._confirm()
        if not self._held:
            raise Fenced(self._why)

    async def regained(self) -> bool:
        """Wait while fenced: True once the lock is held again, False when another instance has the database (or
        the lock was released)."""
        if self._held:
            return True
        waits = [asyncio.ensure_future(self._back.wait()), asyncio.ensure_future(self._over.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return self._held

    # Watching ------------------------------------------------------------------------------------------------

    def watch(self, on_change: Callable[[], None] | None = None) -> None:
        """Keep the lock checked while the bot runs and fence the database while it is not held; `on_change` is
        called when it is lost, held again, or ended."""
        self._on_change = on_change
        self._db.fence = self
        self._confirmed = _now()
        if self._holding is not None and self._watcher is None:
            self._watcher = asyncio.create_task(self._watch(), name="instance-lock")

    async def _announce(self) -> None:
        holding = self._holding
        if holding is not None:
            try:
                await asyncio.wait_for(holding.announce(self.check_seconds), self._timeout)
            except Exception as error:  # noqa: BLE001 — a standby then never takes this holder for hung
                log.warning("instance lock: could not announce its checks (%s: %s)", type(error).__name__, error)

    async def _watch(self) -> None:
        await self._announce()
        # `_over` too: Python 3.11's wait_for may swallow a cancellation that comes as its timeout expires (fixed in
        # 3.12), and `release` must not then wait for a watcher that goes on (seen: a test hung in release)
        while not self.ended.is_set() and not self._over.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._alarm.wait(), self.check_seconds)
            self._alarm.clear()
            if self._held:
                await self._confirm()
            if not self._held:
                await self._take_again()

    async def _confirm(self) -> None:
        async with self._checking:
            holding = self._holding
            if not self._held or holding is None:
                return
            began = _now()
            try:
                wrong = await asyncio.wait_for(holding.confirm(), self._timeout)
            except TimeoutError:
                wrong = f"{holding.name}: the check got no answer within {self._timeout:g} s"
            except Exception as error:  # noqa: BLE001 — any failure to confirm it is a lock not known to be held
                wrong = f"{holding.name}: the check failed ({type(error).__name__}: {error})"
            if wrong is None:
                self._confirmed = began
            else:
                self._fence(holding, wrong)

    def _fence(self, holding: _Holding, wrong: str) -> None:
        """The lock is lost: from now on nothing is written or sent (the fence), until it is taken again."""
        if not self._held or holding is not self._holding:
            return
        self._held, self._why = False, wrong
        self._back.clear()
        self.lost.set()
        log.error("instance lock LOST (%s): this bot has stopped handling messages and sending (fenced); it tries "
                  "to take the lock again: if it is free the bot resumes, if another instance holds it this one "
                  "stops", wrong)
        self._alarm.set()
        self._changed()

    def _connection_ended(self, holding: _Holding) -> None:
        """The PostgreSQL connection that holds the lock closed (a restart, a terminated backend, the network)."""
        self._fence(holding, f"{holding.name}: the connection to PostgreSQL closed")

    async def _take_again(self) -> None:
        old, self._holding = self._holding, None
        if old is not None:
            await old.close()
        failures, pause = 0, min(self.check_seconds, 1.0)  # the database back: the lock taken within a second
        while not self._over.is_set():
            try:
                holding = await asyncio.wait_for(_take(self._db, self._connection_ended), self._timeout)
            except AnotherInstance as other:
                self.taken_by = other.holder
                log.error("instance lock: another dudao instance (%s) holds the database now; this bot stops (it "
                          "has handled and sent nothing since the lock was lost)", other.holder)
                self.ended.set()
                self._over.set()
                self._changed()
                return
            except Exception as error:  # noqa: BLE001 — the database away: still fenced, try again
                failures += 1
                if failures == 1 or failures % max(1, round(60 / pause)) == 0:
                    log.warning("instance lock: cannot take it again yet (%s: %s); still fenced, trying every %g s",
                                type(error).__name__, error, pause)
                await asyncio.sleep(pause)
                continue
            self._holding, self._confirmed, self._held = holding, _now(), True
            await self._announce()
            self.lost.clear()
            self._back.set()
            log.warning("instance lock taken again (%s): handling messages and sending resume",
                        holding.name if holding is not None else "nothing to hold")
            self._changed()
            return

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:  # noqa: BLE001 — the lock's own state is already right
                log.exception("instance lock: a listener failed")

    async def release(self) -> None:
        """Let go of the database (at a stop): the watcher ends, the fence is taken down, the lock freed."""
        self._over.set()  # the watcher ends at its next turn, should a cancellation be lost (see _watch)
        self._alarm.set()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self._db.fence is self:
            self._db.fence = None
        holding, self._holding = self._holding, None
        self._held = False
        if holding is not None:
            await holding.close()


async def acquire(db: Database, *, check_seconds: float = CHECK_SECONDS) -> InstanceLock:
    """Take the database for this process, or raise AnotherInstance. `watch()` it while the bot runs."""
    lock = InstanceLock(db, check_seconds=check_seconds)
    await lock.take()
    return lock


async def _take(db: Database, ended: Callable[[_Holding], None]) -> _Holding | None:
    if db.dialect == "postgresql":
        return await _advisory(db.url, ended)
    path = lock_path(db)
    return None if path is None else _flock(path)


# SQLite: a flock on a file beside the database ---------------------------------------------------------------


class _File:
    cheap = True

    def __init__(self, fd: int, path: Path) -> None:
        self.fd, self.path = fd, path
        st = os.fstat(fd)
        self.identity = (st.st_dev, st.st_ino)
        self.name = f"the flock on {path}"

    def quick(self) -> str | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return f"{self.name}: the lock file was removed"
        except OSError as error:
            return f"{self.name}: the lock file cannot be read ({error})"
        if (st.st_dev, st.st_ino) != self.identity:
            return f"{self.name}: the path names another file now"
        try:  # taking again what this descriptor holds changes nothing; it fails if another holds that file
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return f"{self.name}: another process holds it"
        except OSError as error:
            return f"{self.name}: the descriptor cannot hold it ({error})"
        return None

    async def confirm(self) -> str | None:
        wrong = self.quick()
        if wrong is None:  # a sign of life for a standby (the file's mtime): this holder is not hung
            with contextlib.suppress(OSError):
                os.utime(self.fd)
        return wrong

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)  # closing the descriptor drops the flock

    async def announce(self, seconds: float) -> None:
        content = os.pread(self.fd, 400, 0).decode(errors="replace").strip().splitlines()
        kept = [line for line in content if not line.startswith("checks ")]
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, "\n".join([*kept, f"checks {seconds:g}"]).encode(), 0)


def _flock(path: Path) -> _File:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder, since, checks = _who(os.pread(fd, 400, 0))
        silent_for = max(0.0, time.time() - os.fstat(fd).st_mtime)  # a watching holder touches it at every check
        os.close(fd)
        raise AnotherInstance(holder, since, silent_for=silent_for, checks=checks) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, _signature().encode(), 0)
    return _File(fd, path)


def _signature() -> str:
    """What a lock (or standby) file says of its holder: `pid N on HOST` and, on a second line, since when."""
    return f"pid {os.getpid()} on {socket.gethostname()}\nsince {datetime.now(UTC).isoformat()}"


def _who(content: bytes) -> tuple[str, datetime | None, float | None]:
    """The holder, its `since` and its `checks` interval from a lock file's content (an older bot's file has the
    first line only; `checks` is there while a bot watches its lock)."""
    lines = content.decode(errors="replace").strip().splitlines() or ["unknown"]
    since, checks = None, None
    for line in lines[1:]:
        with contextlib.suppress(ValueError):
            if line.startswith("since "):
                since = datetime.fromisoformat(line.removeprefix("since ").strip())
            elif line.startswith("checks "):
                checks = float(line.removeprefix("checks "))
    return lines[0].strip() or "unknown", since, checks


def lock_path(db: Database) -> Path | None:
    """The SQLite database's lock file (None: PostgreSQL, or an in-memory database)."""
    if db.dialect == "postgresql":
        return None
    database = make_url(db.url).database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".lock")


# PostgreSQL: a session-level advisory lock on a connection of its own ------------------------------------------


class _Advisory:
    cheap = False

    def __init__(self, engine: AsyncEngine, connection: AsyncConnection, driver: Any, pid: int,
                 ended: Callable[[_Holding], None]) -> None:
        self.engine, self.connection, self.driver, self.pid = engine, connection, driver, pid
        self.name = f"the advisory lock on PostgreSQL backend {pid}"
        self._ended = ended
        driver.add_termination_listener(self._closed)

    def _closed(self, _driver: Any) -> None:
        self._ended(self)

    def quick(self) -> str | None:
        return f"{self.name}: the connection is closed" if self.driver.is_closed() else None

    async def confirm(self) -> str | None:
        if (wrong := self.quick()) is not None:
            return wrong
        if not await self.connection.scalar(_HELD, {"k": ADVISORY_KEY}):
            return f"{self.name}: pg_locks no longer shows it held"
        return None

    async def announce(self, seconds: float) -> None:
        suffix = f"{CHECKS_MARK}{seconds:g}s"
        name = f"dudao pid {os.getpid()} on {socket.gethostname()}"[:63 - len(suffix)] + suffix
        await self.connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": name})

    async def close(self) -> None:
        self.driver.remove_termination_listener(self._closed)
        if not self.driver.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY}), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.connection.close(), 5)
        with contextlib.suppress(Exception):
            await self.engine.dispose()


async def _advisory(url: str, ended: Callable[[_Holding], None]) -> _Advisory:
    # Its own engine without a pool: the lock's connection is never handed to a transaction, a dead one is never
    # reused, and each statement commits by itself (no transaction left open on it for hours).
    # Named after this process: a second bot that finds the lock held says by whom.
    name = f"dudao pid {os.getpid()} on {socket.gethostname()}"[:63]
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                                 connect_args={"server_settings": {"application_name": name, **KEEPALIVE}})
    try:
        connection = await engine.connect()
        try:
            got, pid = (await connection.execute(text("SELECT pg_try_advisory_lock(:k), pg_backend_pid()"),
                                                 {"k": ADVISORY_KEY})).one()
            if got:
                raw = await connection.get_raw_connection()
                return _Advisory(engine, connection, raw.driver_connection, pid, ended)
            other = await _pg_holder(connection)
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close()
            raise
        await connection.close()
    except BaseException:
        await engine.dispose()
        raise
    await engine.dispose()
    raise other or AnotherInstance("unknown")


_HOLDER = text(
    "SELECT coalesce(nullif(a.application_name, '') || ', ', '') || coalesce(a.client_addr::text, 'local') "
    "|| ' backend ' || a.pid, a.backend_start, a.pid, "
    # the holder's checks are the lock connection's only queries: how long since the last one began
    "CASE WHEN a.state = 'idle' THEN extract(epoch FROM now() - coalesce(a.query_start, a.backend_start)) END "
    "FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = 0 "
    "AND l.objid = :k AND l.objsubid = 1 AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1")  # per database


async def _pg_holder(connection: AsyncConnection) -> AnotherInstance | None:
    """Who holds the advisory lock (since its connection began: the lock is taken on a connection of its own, at
    once), or None when nobody does."""
    row = (await connection.execute(_HOLDER, {"k": ADVISORY_KEY})).first()
    if row is None:
        return None
    announced = re.search(re.escape(CHECKS_MARK) + r"([0-9.]+)s, ", row[0] or "")
    return AnotherInstance(row[0] or "unknown", row[1], backend=row[2],
                           silent_for=None if row[3] is None else float(row[3]),
                           checks=float(announced.group(1)) if announced else None)
