"""Our end-to-end rate beside the floor, in one run, on SQLite and on PostgreSQL side by side.

- floor: one async-ORM transaction writing 4 rows (a message's record, a finding, its event and a reply), on the
  same engine settings (SQLite WAL + synchronous=FULL; PostgreSQL as configured) — one commit a message; also
  the same transaction as our messages run it (`Database.unit`: one greenlet a unit, bot/storage/direct.py), for
  comparison — the ratios are against the async floor;
- one by one: `dudao replay` over a #问题/#整改/#验收/#查询/#清单/chat mix (each message waits for the one before);
- burst: the same lines handed in as a gateway delivers a backlog (a window of messages at once): group commit;
- drain: a backlog of rows queued while the platform was away, sent unpaced (rows/s);
and statements and BEGINs per message (SQLAlchemy's before_cursor_execute).

    PYTHONPATH=. python benchmarks/throughput_vs_floor.py [--messages 1500] [--window 16] [--backlog 10000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/dudao_bench_fast | --no-postgres]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from benchmarks.bulk_county import reset_postgres
from benchmarks.replay_throughput import build_lines
from bot.cli.bootstrap import Bot, build, demo_county_path, load_county, open_database, read_roster
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage import models as m
from bot.transports.replay import ReplayTransport, Step, play, read_scenario


@dataclass
class Figures:
    floor: float = 0.0
    unit_floor: float = 0.0
    one_by_one: float = 0.0
    burst: float = 0.0
    statements: float = 0.0
    begins: float = 0.0
    burst_statements: float = 0.0
    burst_begins: float = 0.0
    drain: float = 0.0


async def floor(url: str, n: int) -> float:
    """Transactions per second, each writing 4 rows (counters rows: the smallest table we have), on SQLAlchemy's own
    aiosqlite cursor (not our one-trip one: the floor is what the bare async ORM does)."""
    from bot.storage.engine import Database
    from bot.storage.migrate import upgrade_database

    db = Database(url, one_hop=False)
    await upgrade_database(db)
    start = time.perf_counter()
    for i in range(n):
        async with db.transaction() as s:
            s.add_all([m.Counter(name=f"floor-{i}-{k}", value=k) for k in range(4)])
    elapsed = time.perf_counter() - start
    await db.dispose()
    return n / elapsed


async def unit_floor(url: str, n: int) -> float:
    """The floor's transaction run as our messages run theirs (Database.unit: one greenlet a unit, our cursor)."""
    from bot.storage.engine import Database
    from bot.storage.migrate import upgrade_database

    db = Database(url)
    await upgrade_database(db)

    async def write(s, i: int) -> None:  # noqa: ANN001 — a DirectSession
        s.add_all([m.Counter(name=f"unit-{i}-{k}", value=k) for k in range(4)])

    start = time.perf_counter()
    for i in range(n):
        await db.unit(lambda s, i=i: write(s, i))
    elapsed = time.perf_counter() - start
    await db.dispose()
    return n / elapsed


async def _bot(url: str, tmp: Path, steps: list[Step]) -> tuple[Bot, ReplayTransport, list[str]]:
    db = await open_database(url)
    clock = VirtualClock(steps[0].at)
    await load_county(db, demo_county_path(), clock)
    transport = ReplayTransport(clock, io.StringIO(), (await read_roster(db)).tz)
    bot = build(Settings(database_url=url, evidence_dir=tmp / "evidence", _env_file=None), clock, db, transport,
                paced=False)
    statements: list[str] = []
    for engine in db.sync_engines:
        event.listen(engine, "before_cursor_execute",
                     lambda *a: None if a[2].startswith("BEGIN") else statements.append(a[2]))
        event.listen(engine, "begin", lambda *a: statements.append("BEGIN"))  # either backend
    return bot, transport, statements


def _per_message(statements: list[str], n: int) -> tuple[float, float]:
    begins = sum(1 for s in statements if s == "BEGIN")
    return len(statements) / n, begins / n


async def one_by_one(url: str, steps: list[Step], tmp: Path) -> tuple[float, float, float]:
    bot, transport, statements = await _bot(url, tmp, steps)
    await bot.drain_outbox()  # the start's read of the table
    statements.clear()
    start = time.perf_counter()
    await play(bot, transport, steps)
    elapsed = time.perf_counter() - start
    await bot.db.dispose()
    return (len(steps) / elapsed, *_per_message(statements, len(steps)))


async def burst(url: str, steps: list[Step], tmp: Path, window: int) -> tuple[float, float, float]:
    """Each window of lines handed in at once (as a reconnecting gateway delivers what waited), the clock at the
    window's last line; the app takes whatever waits together."""
    bot, _, statements = await _bot(url, tmp, steps)
    await bot.drain_outbox()
    statements.clear()
    start = time.perf_counter()
    for i in range(0, len(steps), window):
        chunk = steps[i:i + window]
        bot.clock.advance_to(chunk[-1].at)
        await asyncio.gather(*(bot.handle(step.inbound) for step in chunk))
        await bot.drain_outbox()
    await bot.settle()
    elapsed = time.perf_counter() - start
    await bot.db.dispose()
    return (len(steps) / elapsed, *_per_message(statements, len(steps)))


async def drain(url: str, steps: list[Step], tmp: Path, backlog: int) -> float:
    """Rows per second: a backlog queued while the platform was away, then sent unpaced."""
    bot, transport, _ = await _bot(url, tmp, steps)
    transport.connected = False
    lines = [s for s in steps if s.inbound and "#清单" in s.inbound.text] * (backlog // 100 + 1)
    for i in range(0, backlog, 100):  # 100 messages' replies per transaction, quickly
        chunk = [s.inbound for s in lines[i:i + 100]]
        await asyncio.gather(*(bot.handle(_renumbered(inbound, i + k)) for k, inbound in enumerate(chunk)))
    transport.connected = True
    start = time.perf_counter()
    sent = await bot.drain_outbox()
    await bot.settle()
    elapsed = time.perf_counter() - start
    await bot.db.dispose()
    return sent / elapsed


def _renumbered(inbound, i: int):  # noqa: ANN001, ANN202 — an Inbound
    from dataclasses import replace
    return replace(inbound, message_id=f"backlog-{i}", text=f"{inbound.text} {i}")


async def measure(url: str, floor_url: str, n: int, window: int, backlog: int, tmp: Path,
                  reset: bool = False) -> Figures:
    scenario = tmp / "bench.jsonl"
    scenario.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in build_lines(n)), encoding="utf-8")
    steps = read_scenario(scenario)
    f = Figures()
    if reset:
        await reset_postgres(url)
    f.one_by_one, f.statements, f.begins = await one_by_one(url, steps, tmp)
    if reset:
        await reset_postgres(url)
    else:
        url = url.replace("bench.db", "burst.db")
    f.burst, f.burst_statements, f.burst_begins = await burst(url, steps, tmp, window)
    if reset:
        await reset_postgres(url)
    else:
        url = url.replace("burst.db", "drain.db")
    f.drain = await drain(url, steps, tmp, backlog)
    if reset:
        await reset_postgres(floor_url)
    f.floor = await floor(floor_url, n)
    if reset:
        await reset_postgres(floor_url)
    f.unit_floor = await unit_floor(floor_url.replace("floor.db", "unit-floor.db"), n)
    return f


def show(name: str, f: Figures) -> None:
    print(f"{name}: floor {f.floor:,.0f} tx/s | one by one {f.one_by_one:,.0f} msg/s (×{f.one_by_one / f.floor:.2f}; "
          f"{f.statements:.1f} statements, {f.begins:.2f} BEGINs a message) | burst {f.burst:,.0f} msg/s "
          f"(×{f.burst / f.floor:.2f}; {f.burst_statements:.1f} statements, {f.burst_begins:.2f} BEGINs a message)"
          f" | backlog drain {f.drain:,.0f} rows/s"
          + (f" | (the floor's transaction as a unit of ours: {f.unit_floor:,.0f} tx/s)" if f.unit_floor else ""))


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", f"sqlite+aiosqlite:///{tmp}/floor.db",
                               args.messages, args.window, args.backlog, Path(tmp))
        show("SQLite    ", sqlite)
    if args.postgres and not args.no_postgres:
        with tempfile.TemporaryDirectory() as tmp:
            pg = await measure(args.postgres, args.postgres, args.messages, args.window, args.backlog, Path(tmp),
                               reset=True)
            show("PostgreSQL", pg)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--backlog", type=int, default=10000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/dudao_bench_fast")
    parser.add_argument("--no-postgres", action="store_true")
    asyncio.run(main(parser.parse_args()))
