"""How long a standby takes to take over when the active `dudao run` is killed (SIGKILL), with the production
timings (LOCK_CHECK_SECONDS=3: a standby asks for the lock every second), on SQLite and — when TEST_DATABASE_URL
is set — PostgreSQL. Real `dudao run` processes against the Wechaty gateway stand-in (tests/support/takeover.py).

    .venv/bin/python benchmarks/takeover.py [rounds]
    TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/takeover.py

Each round: the active bot runs, a standby waits; the active one is killed and a command is sent at once. Printed,
per database: seconds from the kill to the standby connected to the gateway, and to the reply to that command;
then the standby is the active one and a new standby starts for the next round.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.cli.bootstrap import load_county, open_database  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from tests.support.paths import DEMO_COUNTY  # noqa: E402
from tests.support.takeover import World, takeover_time  # noqa: E402
from tests.support.waiting import eventually  # noqa: E402


async def _county(url: str) -> None:
    db = await open_database(url)
    try:
        await load_county(db, DEMO_COUNTY, SystemClock())
    finally:
        await db.dispose()


async def _admin(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def measure(url: str, tmp: Path, rounds: int) -> tuple[list[float], list[float]]:
    await _county(url)
    world = await World.open(url, tmp)
    world.lock_check_seconds = "3"  # the default
    connected, replied = [], []
    children = []
    try:
        active = await world.start("bot0")
        children.append(active)
        await eventually(lambda: world.standin.subscribers == 1, timeout=60, what="the first bot connected")
        for n in range(1, rounds + 1):
            standby = await world.start(f"bot{n}")
            children.append(standby)
            await standby.logged("stands by")
            killed = time.monotonic()
            took = await takeover_time(world, active, standby)
            world.send(1)  # sent right after the kill: it waits at the gateway for the new active one
            await world.all_answered(timeout=60)
            connected.append(took)
            replied.append(time.monotonic() - killed)
            print(f"  round {n}: connected {took:.2f} s, replied {replied[-1]:.2f} s after the kill", flush=True)
            active = standby
    finally:
        for child in children:
            child.kill()
        await world.close()
    return connected, replied


def _summary(name: str, connected: list[float], replied: list[float]) -> str:
    return (f"{name}: takeover (kill → standby connected) median {statistics.median(connected):.2f} s, "
            f"max {max(connected):.2f} s; kill → reply to a command sent at the kill median "
            f"{statistics.median(replied):.2f} s, max {max(replied):.2f} s ({len(connected)} rounds)")


async def main(rounds: int) -> None:
    lines = []
    with tempfile.TemporaryDirectory(prefix="dudao-takeover-") as tmp:
        print("SQLite (same machine):", flush=True)
        sqlite = Path(tmp) / "sqlite"
        sqlite.mkdir()
        lines.append(_summary("SQLite", *await measure(f"sqlite+aiosqlite:///{sqlite}/bot.db", sqlite, rounds)))
        base = os.environ.get("TEST_DATABASE_URL")
        if base:
            name = f"dudao_takeover_{os.getpid()}"
            await _admin(base, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
            pg = Path(tmp) / "pg"
            pg.mkdir()
            try:
                print("PostgreSQL:", flush=True)
                url = make_url(base).set(database=name).render_as_string(hide_password=False)
                lines.append(_summary("PostgreSQL", *await measure(url, pg, rounds)))
            finally:
                await _admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
