"""Our end-to-end rate beside the floor, in one run: the floor is one async-ORM transaction writing 4 rows (a
message's record, a finding, its event and a reply) on the same engine settings (SQLite WAL + synchronous=FULL,
or PostgreSQL); ours is `dudao replay` over a #问题/#整改/#验收/#查询/#清单/chat mix. Also statements and
transactions per message.

    PYTHONPATH=. python benchmarks/throughput_vs_floor.py [--messages 1500] [--db URL]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from benchmarks.replay_throughput import build_lines
from bot.cli.bootstrap import build, demo_county_path, load_county, open_database, read_roster
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage import models as m
from bot.transports.replay import ReplayTransport, play, read_scenario


async def floor(url: str, n: int) -> float:
    """Transactions per second, each writing 4 rows (counters rows: the smallest table we have)."""
    db = await open_database(url)
    start = time.perf_counter()
    for i in range(n):
        async with db.transaction() as s:
            s.add_all([m.Counter(name=f"floor-{i}-{k}", value=k) for k in range(4)])
    elapsed = time.perf_counter() - start
    await db.dispose()
    return n / elapsed


async def ours(url: str, n: int, tmp: Path) -> tuple[float, float, float]:
    scenario = tmp / "bench.jsonl"
    scenario.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in build_lines(n)), encoding="utf-8")
    steps = read_scenario(scenario)
    db = await open_database(url)
    clock = VirtualClock(steps[0].at)
    await load_county(db, demo_county_path(), clock)
    transport = ReplayTransport(clock, io.StringIO(), (await read_roster(db)).tz)
    bot = build(Settings(database_url=url, evidence_dir=tmp / "evidence", _env_file=None), clock, db, transport,
                paced=False)
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    start = time.perf_counter()
    await play(bot, transport, steps)
    elapsed = time.perf_counter() - start
    await db.dispose()
    commits = sum(1 for s in statements if s.startswith(("BEGIN", "begin")))
    return n / elapsed, len(statements) / n, commits / n


async def main(n: int, db_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = db_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        floor_url = db_url or f"sqlite+aiosqlite:///{tmp}/floor.db"
        rate, per_message, transactions = await ours(url, n, Path(tmp))
        floor_rate = await floor(floor_url, n)
    print(f"{url.split(':')[0]}: ours {rate:,.0f} messages/s, floor {floor_rate:,.0f} transactions/s, "
          f"ratio {rate / floor_rate:.2f}; {per_message:.1f} statements and {transactions:.1f} BEGINs a message")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--db")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.db))
