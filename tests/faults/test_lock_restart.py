"""Two bots never act on one database at the same time, even across a PostgreSQL restart (issue 21, item 3).

Real `dudao run` processes on a PostgreSQL server of the test's own (tests/support/db_faults.py's OwnPostgres: a
throw-away cluster on a free port, restarted at will), fed `#问题` commands by the Wechaty gateway stand-in, which hands every event to
every bot connected and delivers the last 30 s again to a new connection (tests/support/faults.py). Each bot logs in
as a role of its own, so the server's log (`log_statement = mod`) says who wrote what, and when.

- Resumed: the server restarts under a running bot; the bot fences itself the moment its lock's connection closes,
  keeps the commands that arrive (the spool, as in a database outage, with no word to their senders), takes the
  lock again once the server is back and handles them; a second bot then refuses to start; SIGTERM stops the first
  with status 0 and no traceback.
- Taken over: the server restarts while the first bot cannot log in again; a second bot starts and takes the
  database; the first, able to log in again, finds it held and exits 1 with a word for the operator, having written
  nothing since the restart; the second handles everything (the commands the first kept included: the gateway
  delivers them again to the second).

Every command makes one finding, every finding's reply goes out once, no `uq_findings_number` collision, no
apology."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support import faults
from tests.support.db_faults import OwnPostgres
from tests.support.faults import MARK, ROOMS, GatewayStandIn
from tests.support.waiting import eventually

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not OwnPostgres.available(),
                                 reason="no PostgreSQL server of the test's own: no server binaries, or root without "
                                        "runuser")]

CHECK = "0.3"  # LOCK_CHECK_SECONDS of the bots
# `%m [%p] %u@%d ` then e.g. `LOG:  execute __asyncpg_stmt_5__: INSERT INTO findings …`
WRITE = re.compile(r"^(\S+ \S+) \S+ \[\d+\] (\w+)@(\w+) LOG:\s+(?:statement|execute [^:]*):\s+(INSERT|UPDATE|DELETE)",
                   re.M)


class Server:
    """The cluster, its URLs (by role and database) and its log."""

    def __init__(self, own: OwnPostgres, url: str) -> None:
        self.own, self.base = own, url

    def url(self, user: str = "postgres", database: str = "postgres") -> str:
        return make_url(self.base).set(username=user, database=database).render_as_string(hide_password=False)

    async def restart(self) -> None:
        await self.own.ctl("restart", "-m", "fast")

    def log_text(self) -> str:
        log = self.own.root / "pg.log"
        return log.read_text(errors="replace") if log.exists() else ""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Server]:
    # Not under pytest's tmp_path: any pytest session that starts meanwhile makes /tmp/pytest-of-<user> 0700 again,
    # and the `postgres` user (the server's, when we are root) could no longer reach its own directory.
    root = Path(tempfile.mkdtemp(prefix="dudao-lock-pg-"))
    own = OwnPostgres(root / "pg")
    try:
        server = Server(own, asyncio.run(own.start()))
        asyncio.run(_prepare(server))
        yield server
    finally:
        asyncio.run(own.stop())
        shutil.rmtree(root, ignore_errors=True)


async def _sql(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _prepare(pg: Server) -> None:
    """Who wrote what, when, in the server's log; two bot roles; a template database with the schema and the demo
    county."""
    from bot.cli.bootstrap import load_county, open_database
    from bot.clock import SystemClock
    from tests.support.paths import DEMO_COUNTY

    await _sql(pg.url(), "ALTER SYSTEM SET log_statement = 'mod'", "ALTER SYSTEM SET log_timezone = 'UTC'",
               "ALTER SYSTEM SET log_line_prefix = '%m [%p] %u@%d '", "ALTER SYSTEM SET fsync = off",
               "SELECT pg_reload_conf()", "CREATE ROLE bot_a SUPERUSER LOGIN", "CREATE ROLE bot_b SUPERUSER LOGIN",
               "CREATE DATABASE county")
    db = await open_database(pg.url(database="county"))
    await load_county(db, DEMO_COUNTY, SystemClock())
    await db.dispose()


@dataclass
class World:
    pg: Server
    database: str
    standin: GatewayStandIn
    tmp: Path
    sent_commands: int = 0

    def env(self, role: str) -> dict[str, str]:
        env = faults._env(self.tmp, self.standin)
        env.pop("COUNTY_FILE")  # loaded once: a start only reads it
        env.update(DATABASE_URL=self.pg.url(user=role, database=self.database), LOCK_CHECK_SECONDS=CHECK,
                   LOG_LEVEL="WARNING", SPOOL_DIR=str(self.tmp / f"spool-{role}"))  # two machines: two spools
        return env

    async def start(self, name: str, role: str, *args: str) -> Bot:
        out = (self.tmp / f"{name}.log").open("ab")
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", *args, cwd=self.tmp,
                                                       env=self.env(role), stdout=out, stderr=out)
        return Bot(name, process, self.tmp / f"{name}.log")

    def send(self, n: int) -> range:
        """`n` more commands, one per room in turn; their numbers."""
        first = self.sent_commands
        for i in range(first, first + n):
            room, _, supervisor, school = ROOMS[i % len(ROOMS)]
            self.standin.text(supervisor, f"#问题 {school} 隐患{i}号 限期5天", room=room)
        self.sent_commands += n
        return range(first, first + n)

    def answered(self) -> set[int]:
        return {int(n) for t in self.standin.sent_texts for n in MARK.findall(t.text)}

    async def all_answered(self, timeout: float = 15) -> None:
        """Every command so far answered, and its reply marked sent (marks are written after a moment's idle: a
        reply sent and not marked would go out again from a bot that takes the database over)."""
        await eventually(lambda: self.answered() >= set(range(self.sent_commands)), timeout=timeout)
        await eventually(self._all_marked, timeout=timeout)

    async def _all_marked(self) -> bool:
        engine = create_async_engine(self.pg.url(database=self.database))
        try:
            async with engine.connect() as conn:
                return not await conn.scalar(text(
                    "SELECT count(*) FROM outbox WHERE status <> 'sent' AND text LIKE '%隐患%号%'"))
        finally:
            await engine.dispose()

    async def sql(self, statement: str, user: str = "postgres") -> None:
        await _sql(self.pg.url(user=user, database=self.database), statement)

    async def restart(self) -> None:
        await self.pg.restart()

    def writes(self) -> list[tuple[datetime, str]]:
        """(time, role) of every INSERT, UPDATE or DELETE on this test's database, from the server's log."""
        return [(datetime.fromisoformat(at).replace(tzinfo=UTC), user) for at, user, database, _ in WRITE.findall(self.pg.log_text())
                if database == self.database]

    async def check(self) -> None:
        engine = create_async_engine(self.pg.url(database=self.database))
        async with engine.connect() as conn:
            found = Counter(int(n) for (d,) in await conn.execute(text("SELECT description FROM findings"))
                            for n in MARK.findall(d))
        await engine.dispose()
        replies = Counter(int(n) for t in self.standin.sent_texts for n in set(MARK.findall(t.text)))
        commands = range(self.sent_commands)
        assert [i for i in commands if found[i] != 1] == [], found  # none lost, none twice
        assert [i for i in commands if replies[i] != 1] == [], replies  # each answered once
        assert not [t.text for t in self.standin.sent_texts if "抱歉" in t.text]  # no apology
        logs = "".join(p.read_text(errors="replace") for p in self.tmp.glob("*.log"))
        assert "uq_findings_number" not in logs and "IntegrityError" not in logs


@dataclass
class Bot:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def logged(self, words: str, timeout: float = 10) -> None:
        await eventually(lambda: words in self.output(), timeout=timeout)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


@pytest.fixture
async def world(cluster: Server, tmp_path: Path) -> AsyncIterator[World]:
    database = f"t{os.getpid()}_{len(list(tmp_path.parent.iterdir()))}"
    await _sql(cluster.url(), f"CREATE DATABASE {database} TEMPLATE county")
    standin = await GatewayStandIn.demo()
    try:
        yield World(cluster, database, standin, tmp_path)
    finally:
        await standin.stop()
        await _sql(cluster.url(), "ALTER ROLE bot_a LOGIN", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


async def test_a_restart_under_a_running_bot_fences_it_until_it_holds_the_lock_again(world: World) -> None:
    a = await world.start("a", "bot_a")
    b: Bot | None = None
    try:
        await eventually(lambda: world.standin.subscribers >= 1, timeout=30)
        world.send(8)
        await world.all_answered()

        restart = asyncio.create_task(world.restart())
        await a.logged("instance lock LOST")  # the lock's connection closed as the server went down
        world.send(8)  # arrive while it is fenced: held, not lost, not apologised for
        await restart
        await a.logged("instance lock taken again")
        await world.all_answered()

        b = await world.start("b", "bot_b", "--no-wait")  # the lock is held again: a second bot may not start
        assert await asyncio.wait_for(b.process.wait(), 30) == 1
        assert "另一个督导助手正在使用这个数据库" in b.output()
        world.send(4)
        await world.all_answered()

        assert await a.stop() == 0  # SIGTERM after the episode: a normal stop
        assert "Traceback" not in a.output()
        await world.check()
        assert {role for _, role in world.writes()} == {"bot_a"}  # the refused bot wrote nothing
    finally:
        a.kill()
        if b is not None:
            b.kill()


async def test_a_bot_that_lost_its_lock_to_another_stops_and_the_other_handles_everything(world: World) -> None:
    a = await world.start("a", "bot_a")
    b: Bot | None = None
    try:
        await eventually(lambda: world.standin.subscribers >= 1, timeout=30)
        world.send(8)
        await world.all_answered()

        await world.sql("ALTER ROLE bot_a NOLOGIN")  # it keeps its connections, and cannot make new ones
        await world.restart()
        await a.logged("instance lock LOST")
        restarted = datetime.now(UTC)
        world.send(8)  # the first bot holds these, fenced; the second hears them again when it connects
        b = await world.start("b", "bot_b")
        await world.all_answered(timeout=30)

        await world.sql("ALTER ROLE bot_a LOGIN")  # now it can ask again: the database is the other's
        assert await asyncio.wait_for(a.process.wait(), 15) == 1
        assert "接管了这个数据库" in a.output() and "Traceback" not in a.output()
        assert "8 条消息保存在本机的待处理文件里" in a.output()  # what it kept meanwhile, for its next start
        world.send(4)
        await world.all_answered()

        assert await b.stop() == 0
        assert "Traceback" not in b.output()
        await world.check()
        writes = world.writes()
        assert not [at for at, role in writes if role == "bot_a" and at >= restarted]  # fenced from the restart on
        first_b = min(at for at, role in writes if role == "bot_b")
        assert max(at for at, role in writes if role == "bot_a") < first_b  # one writer at a time
    finally:
        a.kill()
        if b is not None:
            b.kill()


async def test_a_restart_of_the_server_is_not_a_takeover_by_a_standby(world: World) -> None:
    """A standby waits beside the running bot; the server restarts (every advisory lock dropped): the running bot
    takes its lock again and goes on, the standby goes on standing by (it lets the holder ask first after an
    outage) — and takes over once the running bot stops."""
    a = await world.start("a", "bot_a")
    b: Bot | None = None
    try:
        await eventually(lambda: world.standin.subscribers >= 1, timeout=30)
        b = await world.start("b", "bot_b")
        await b.logged("本实例作为备用实例等待")
        world.send(4)
        await world.all_answered()

        await world.restart()
        await a.logged("instance lock taken again")
        world.send(4)
        await world.all_answered()
        await asyncio.sleep(2)  # the real passage of time under test: the standby's quiet time after the outage
        assert "the standby takes over" not in b.output() and b.process.returncode is None
        assert world.standin.subscribers == 1

        assert await a.stop() == 0
        await b.logged("已接管这个数据库", timeout=20)
        await eventually(lambda: world.standin.subscribers >= 1, timeout=30)
        world.send(4)
        await world.all_answered()
        assert await b.stop() == 0
        assert "Traceback" not in a.output() + b.output()
        await world.check()
    finally:
        a.kill()
        if b is not None:
            b.kill()
