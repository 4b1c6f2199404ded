"""Database faults as an operator meets them, against `dudao run` (a real child process) and the gateway stand-in:
commands arrive at a steady rate while the database goes away — a lock another process holds past SQLite's busy
timeout, a full disk (SQLite on a small tmpfs, filled), a PostgreSQL server of our own stopped and started — and,
in one case, the bot is killed while messages wait in its spool. Afterwards: every command handled once, every
reply sent, the "系统繁忙" notices counted, and how long after the fault ended the last reply went out.

Run it all with `PYTHONPATH=. python benchmarks/database_faults.py`; CI runs small ones (tests/faults)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.faults import MARK, ROOMS, GatewayStandIn, _answered, last_answered
from tests.support.paths import REPO
from tests.support.waiting import eventually

BUSY = "系统繁忙"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class Outcome:
    fault: str
    sent: int = 0
    handled: int = 0
    lost: int = 0
    duplicated: int = 0
    notices: int = 0
    recovery_seconds: float | None = None

    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.handled == self.sent

    def line(self) -> str:
        recovery = "—" if self.recovery_seconds is None else f"{self.recovery_seconds:.1f} s"
        return (f"{self.fault:<34} sent {self.sent:>4} | handled {self.handled:>4} | lost {self.lost} | "
                f"duplicated {self.duplicated} | 系统繁忙 notices {self.notices:>2} | recovery {recovery}")


class Fault:
    """A fault with a start and an end (both awaited in the scenario's timeline)."""

    name = "fault"

    async def begin(self) -> None: ...

    async def end(self) -> None: ...


class HeldLock(Fault):
    """Another process holds SQLite's write lock (BEGIN IMMEDIATE) — past the bot's 30 s busy timeout when held
    that long."""

    def __init__(self, db: Path) -> None:
        self.db, self.child = db, None
        self.name = "SQLite lock held by another process"

    async def begin(self) -> None:
        code = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE');"
                "print('held', flush=True); sys.stdin.readline(); c.execute('ROLLBACK')")
        self.child = await asyncio.create_subprocess_exec(sys.executable, "-c", code, str(self.db),
                                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.child.stdout is not None
        await self.child.stdout.readline()

    async def end(self) -> None:
        assert self.child is not None and self.child.stdin is not None
        self.child.stdin.write(b"\n")
        await self.child.stdin.drain()
        await self.child.wait()


class FullDisk(Fault):
    """The database's disk fills up: a filler file takes what is left of a small tmpfs; removed at the end."""

    def __init__(self, mount: Path) -> None:
        self.mount = mount
        self.name = "SQLite on a full disk"

    async def begin(self) -> None:
        with contextlib.suppress(OSError), open(self.mount / "filler", "wb") as f:
            while True:
                f.write(b"\0" * 65536)

    async def end(self) -> None:
        (self.mount / "filler").unlink()


class PostgresDown(Fault):
    """A PostgreSQL server of our own, stopped (fast shutdown: connections cut) and started again."""

    def __init__(self, server: OwnPostgres) -> None:
        self.server = server
        self.name = "PostgreSQL stopped"

    async def begin(self) -> None:
        await self.server.ctl("stop", "-m", "fast")

    async def end(self) -> None:
        await self.server.ctl("start")


class OwnPostgres:
    """A throw-away PostgreSQL cluster on a free port (initdb as the postgres user when we are root)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pgdata"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def _as_owner(self, *argv: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)

    async def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            for folder in self.root.parents:  # the postgres user must reach its folder (a temp dir is 0700)
                if folder == Path(folder.anchor):
                    break
                os.chmod(folder, folder.stat().st_mode | 0o111)
        await _run(self._as_owner(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"))
        await self.ctl("start")
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def ctl(self, action: str, *extra: str) -> None:
        argv = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.root / "pg.log"),
                "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", action, *extra]
        await _run(self._as_owner(*argv))

    async def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.ctl("stop", "-m", "immediate")


async def _run(argv: list[str]) -> None:
    # from a folder everyone may enter: PostgreSQL's tools, run as the postgres user, fail in one they may not
    child = await asyncio.create_subprocess_exec(*argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")
    out, _ = await child.communicate()
    if child.returncode:
        raise RuntimeError(f"{argv[0]} failed: {out.decode(errors='replace')[-500:]}")


def _env(tmp: Path, standin: GatewayStandIn, url: str, spool: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "EVIDENCE_DIR": str(tmp / "evidence"), "SPOOL_DIR": str(spool),
            "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
            "LOG_LEVEL": os.environ.get("FAULT_LOG_LEVEL", "WARNING"),
            "WECHATY_PUPPET_SERVICE_ENDPOINT": standin.endpoint, "WECHATY_PUPPET_SERVICE_TOKEN": "fault-token",
            "WECHATY_ROOM_INTERVAL_SECONDS": "0", "WECHATY_BETWEEN_ROOMS_SECONDS": "0",
            "OUTBOX_PER_MINUTE": "100000", "WECHATY_PER_MINUTE": "100000", "OUTBOX_BACKOFF_SECONDS": "0.2",
            "PYTHONPATH": str(REPO)}


@contextlib.asynccontextmanager
async def _standin() -> AsyncIterator[GatewayStandIn]:
    standin = await GatewayStandIn.demo()
    try:
        yield standin
    finally:
        await standin.stop()


async def scenario(tmp: Path, fault: Callable[[Path, str], Awaitable[tuple[str, Fault]]] | None = None, *,
                   commands: int = 100, rate: float = 5.0, fault_from: float = 0.2, fault_seconds: float = 20.0,
                   kill_after: float | None = None, spool: Path | None = None,
                   url: str | None = None) -> Outcome:
    """`commands` at `rate` a second; the fault begins after `fault_from` of them and lasts `fault_seconds`.
    `fault(tmp, url)` makes the fault and says the database URL to use (default: a SQLite file in tmp).
    `kill_after`: the bot is killed that long into the fault (commands go on arriving) and started at its end."""
    url = url or f"sqlite+aiosqlite:///{tmp}/bot.db"
    made = await fault(tmp, url) if fault else (url, None)
    url, the_fault = made
    spool = spool or tmp / "spool"
    outcome = Outcome(the_fault.name if the_fault else "none", sent=commands)
    log = tmp / "bot.log"
    async with _standin() as standin:
        env = _env(tmp, standin, url, spool)

        async def start() -> asyncio.subprocess.Process:
            out = log.open("ab")
            return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp, env=env,
                                                        stdout=out, stderr=out)

        child = await start()
        ended_at = None
        killer: asyncio.Task[None] | None = None
        recovering: asyncio.Task[float] | None = None
        try:
            await eventually(lambda: standin.subscribers >= 1, timeout=60, what="the bot connected to the gateway")
            began = int(commands * fault_from)
            for i in range(commands):
                if the_fault and i == began:
                    await the_fault.begin()
                    fault_ends = time.monotonic() + fault_seconds
                    if kill_after is not None:  # let some wait in the spool, then kill the bot
                        killer = asyncio.create_task(_kill(child, kill_after))
                if the_fault and ended_at is None and i > began and time.monotonic() >= fault_ends:
                    await the_fault.end()
                    ended_at = time.monotonic()
                    recovering = asyncio.create_task(_recovered(standin, i, ended_at))
                    if killer is not None:
                        await killer
                        child = await start()
                room, _, supervisor, school = ROOMS[i % len(ROOMS)]
                standin.text(supervisor, f"#问题 {school} 隐患{i}号 限期5天", room=room)
                await asyncio.sleep(1 / rate)  # the people's pace: `rate` commands a second
            if the_fault and ended_at is None:
                await asyncio.sleep(max(0.0, fault_ends - time.monotonic()))  # the fault lasts its time
                await the_fault.end()
                ended_at = time.monotonic()
                recovering = asyncio.create_task(_recovered(standin, commands, ended_at))
                if killer is not None:
                    await killer
                    child = await start()
            with contextlib.suppress(TimeoutError):
                await eventually(lambda: _answered(standin) >= commands, timeout=180, what="every command answered")
            if recovering is not None:
                with contextlib.suppress(TimeoutError):
                    outcome.recovery_seconds = await recovering
            with contextlib.suppress(TimeoutError):
                await _settled(standin, url)  # a late duplicate would be in the database by now
        finally:
            if child.returncode is None:
                child.send_signal(signal.SIGTERM)
                await asyncio.wait_for(child.wait(), 60)
        found = await _findings(url)
        outcome.handled = sum(1 for i in range(commands) if found[i])
        outcome.lost = sum(1 for i in range(commands) if not found[i])
        outcome.duplicated = sum(n - 1 for n in found.values() if n > 1)
        outcome.notices = sum(1 for t in standin.sent_texts if BUSY in t.text)
    return outcome


async def _recovered(standin: GatewayStandIn, sent: int, since: float) -> float:
    """Seconds from `since` (the fault's end) until every one of the first `sent` commands (those sent before it
    ended) is answered."""
    def answered() -> bool:
        done = {int(n) for t in standin.sent_texts for n in MARK.findall(t.text)}
        return all(i in done for i in range(sent))

    await eventually(answered, timeout=180, what="a reply to every command sent before the fault ended")
    return time.monotonic() - since


async def _kill(child: asyncio.subprocess.Process, after: float) -> None:
    await asyncio.sleep(after)  # that far into the fault, by design
    child.send_signal(signal.SIGKILL)
    await child.wait()


async def _settled(standin: GatewayStandIn, url: str) -> None:
    """Nothing more on its way: a last message answered (after all that waited before it), then no reply left to
    send in the bot's outbox."""
    await last_answered(standin)
    await eventually(lambda: _no_reply_waiting(url), timeout=30, what="the bot's outbox to hold no reply to send")


async def _no_reply_waiting(url: str) -> bool:
    """True once the bot's outbox holds no reply it has yet to send or to mark sent."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            waiting = (await conn.execute(text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                                               "AND in_reply_to IS NOT NULL"))).scalar()
    finally:
        await engine.dispose()
    return waiting == 0


async def _findings(url: str) -> Counter[int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT description FROM findings"))).all()
    finally:
        await engine.dispose()
    return Counter(int(n) for (d,) in rows for n in MARK.findall(d))


# The faults, each made in the scenario's folder ----------------------------------------------------------------

async def held_lock(tmp: Path, url: str) -> tuple[str, Fault]:
    await _prepare(url)
    return url, HeldLock(tmp / "bot.db")


async def full_disk(tmp: Path, url: str) -> tuple[str, Fault]:
    mount = tmp / "small-disk"
    mount.mkdir()
    await _run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)])
    url = f"sqlite+aiosqlite:///{mount}/bot.db"
    await _prepare(url)
    return url, FullDisk(mount)


def full_disk_available() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


async def unmount(tmp: Path) -> None:
    with contextlib.suppress(RuntimeError):
        await _run(["umount", "-l", str(tmp / "small-disk")])


async def _prepare(url: str) -> None:
    """The schema and the demo county, before the clock starts (a migration is not the fault under test)."""
    from bot.cli.bootstrap import load_county, open_database
    from bot.clock import SystemClock

    db = await open_database(url)
    await load_county(db, REPO / "bot/data/demo-county.yaml", SystemClock())
    await db.dispose()


async def run_named(tmp: Path, name: str, *, spool_elsewhere: bool = False, **options: object) -> Outcome:
    """One of the faults by name (held_lock, held_lock+kill, full_disk, full_disk_same, postgres)."""
    if name.startswith("held_lock"):
        outcome = await scenario(tmp, held_lock, **options)
    elif name.startswith("full_disk"):
        try:
            outcome = await scenario(tmp, full_disk, spool=tmp / "spool" if spool_elsewhere else tmp / "small-disk"
                                     / "spool", **options)
        finally:
            await unmount(tmp)
        outcome.fault += " (spool on another disk)" if spool_elsewhere else " (spool on it too: in memory)"
    elif name == "postgres":
        server = OwnPostgres(tmp / "pg")
        try:
            url = await server.start()
            await _prepare(url)

            async def stopped(_tmp: Path, url: str) -> tuple[str, Fault]:
                return url, PostgresDown(server)

            outcome = await scenario(tmp, stopped, url=url, **options)
        finally:
            await server.stop()
    else:
        raise ValueError(name)
    if "kill" in name:
        outcome.fault += " + bot killed"
    return outcome
