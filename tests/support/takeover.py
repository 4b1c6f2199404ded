"""A standby taking over (issue 28, item 1): real `dudao run` processes on one database — SQLite (same machine) or
PostgreSQL — against the Wechaty gateway stand-in (tests/support/faults.py: it hands every event to every connected
bot and delivers the last 30 s again to a new connection, as a gateway does after a login). The active one is killed
with SIGKILL; the standby takes the lock, connects and handles what the first left. Used by
tests/faults/test_takeover.py and benchmarks/takeover.py (the takeover time)."""
from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support import faults
from tests.support.faults import MARK, ROOMS, GatewayStandIn
from tests.support.waiting import eventually

REPLY = "已登记问题"  # in the reply to a `#问题` command; a text with a command's mark and without it is a reminder


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def logged(self, words: str, timeout: float = 30) -> None:
        await eventually(lambda: words in self.output(), timeout=timeout, what=f"{self.name} to say {words}")

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)


@dataclass
class World:
    url: str
    tmp: Path
    standin: GatewayStandIn
    sent_commands: int = 0
    lock_check_seconds: str = "1"  # LOCK_CHECK_SECONDS of the bots (a standby asks every min(1, this) s)
    most_subscribers: int = 0  # the most bots connected to the gateway at once (sampled every 10 ms)
    _sampler: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    async def open(cls, url: str, tmp: Path) -> World:
        world = cls(url, tmp, await GatewayStandIn.demo())
        world._sampler = asyncio.create_task(world._sample())
        return world

    async def close(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        await self.standin.stop()

    async def _sample(self) -> None:
        while True:
            self.most_subscribers = max(self.most_subscribers, self.standin.subscribers)
            await asyncio.sleep(0.01)

    def env(self, name: str) -> dict[str, str]:
        env = faults._env(self.tmp, self.standin)
        env.pop("COUNTY_FILE")  # the database has the county already
        env.update(DATABASE_URL=self.url, LOCK_CHECK_SECONDS=self.lock_check_seconds, LOG_LEVEL="WARNING")
        if self.url.startswith("postgresql"):  # two machines: a spool each (SQLite: one machine, one spool)
            env["SPOOL_DIR"] = str(self.tmp / f"spool-{name}")
        return env

    async def start(self, name: str, *args: str) -> Child:
        log = self.tmp / f"{name}.log"
        out = log.open("ab")
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", *args, cwd=self.tmp,
                                                       env=self.env(name), stdout=out, stderr=out)
        return Child(name, process, log)

    def send(self, n: int) -> None:
        for i in range(self.sent_commands, self.sent_commands + n):
            room, _, supervisor, school = ROOMS[i % len(ROOMS)]
            self.standin.text(supervisor, f"#问题 {school} 隐患{i}号 限期5天", room=room)
        self.sent_commands += n

    async def stream(self, rate: float, until: asyncio.Event) -> None:
        """Commands at `rate` a second until `until` is set."""
        while not until.is_set():
            self.send(1)
            await asyncio.sleep(1 / rate)

    def replies(self) -> Counter[int]:
        return Counter(int(n) for t in self.standin.sent_texts if REPLY in t.text for n in set(MARK.findall(t.text)))

    def reminders(self) -> list[str]:
        return [t.text for t in self.standin.sent_texts if REPLY not in t.text and MARK.search(t.text)]

    async def all_answered(self, timeout: float = 60) -> None:
        await eventually(lambda: set(self.replies()) >= set(range(self.sent_commands)), timeout=timeout,
                         what="a reply to every command")

    async def sql(self, statement: str, **params: object) -> list[tuple]:
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    async def connected_again(self, since: float, timeout: float = 30) -> float:
        """Seconds from `since` (time.monotonic) until a bot is connected to the gateway."""
        await eventually(lambda: self.standin.subscribers >= 1, timeout=timeout,
                         what="a bot connected to the gateway")
        return time.monotonic() - since


async def takeover_time(world: World, a: Child, b: Child) -> float:
    """Kill the active `a` (SIGKILL) once `b` stands by; seconds until `b` is connected to the gateway."""
    await b.logged("stands by")
    await eventually(lambda: world.standin.subscribers == 1, timeout=30, what="the active bot connected")
    killed = time.monotonic()
    a.kill()
    await a.process.wait()
    await eventually(lambda: world.standin.subscribers == 0, timeout=10, what="the stream to end")
    return await world.connected_again(killed)
