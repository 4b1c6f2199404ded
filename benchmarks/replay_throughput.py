"""End-to-end handling rate: messages per second through `dudao replay` on SQLite (or --db URL).

Builds a scenario of N messages on the demo county — findings logged, rectified, verified, queried,
listed, and ordinary chat — and replays it through the real app (parse, permission, ledger, outbox,
replay transport), timing the replay alone.

    python benchmarks/replay_throughput.py [--messages 3000] [--db URL]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bot.cli.bootstrap import build, demo_county_path, load_county, open_database, read_roster
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.transports.replay import ReplayTransport, play, read_scenario

ROOMS = [("room-syxx@chatroom", "实验小学", "wxid_zhouyonghong", "wxid_liuyang"),
         ("room-ckzx@chatroom", "城口中学", "wxid_zhouyonghong", "wxid_wangfang"),
         ("room-fxzx@chatroom", "复兴中学", "wxid_chenjing", "wxid_huangjun"),
         ("room-jgyey@chatroom", "机关幼儿园", "wxid_liming", "wxid_sunli")]


def build_lines(n: int) -> list[dict]:
    """Cycles of 6 messages per finding: log, chat, rectify, verify, query, list."""
    at, lines, number = datetime.fromisoformat("2024-03-11T08:00:00+08:00"), [], 0
    while len(lines) < n:
        room, school, sup, principal = ROOMS[number % len(ROOMS)]
        number += 1
        cycle = [(sup, f"#问题 {school} 安全稳定 第{number}处隐患 限期3天"), (principal, "收到，马上安排"),
                 (principal, f"#整改 Q{number} 已处理"), (sup, f"#验收 Q{number} 通过"),
                 (sup, f"#查询 Q{number}"), (principal, "#清单")]
        for sender, text in cycle:
            at += timedelta(seconds=5)
            lines.append({"at": at.isoformat(), "room": room, "from": sender, "id": f"b{len(lines)}", "text": text})
    return lines[:n]


async def run(n: int, db_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "bench.jsonl"
        scenario.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in build_lines(n)), encoding="utf-8")
        url = db_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings = Settings(database_url=url, evidence_dir=Path(tmp) / "evidence", _env_file=None)
        steps = read_scenario(scenario)
        db = await open_database(url)
        clock = VirtualClock(steps[0].at)
        await load_county(db, demo_county_path(), clock)
        out = io.StringIO()
        transport = ReplayTransport(clock, out, (await read_roster(db)).tz)
        bot = build(settings, clock, db, transport, paced=False)
        start = time.perf_counter()
        await play(bot, transport, steps)
        elapsed = time.perf_counter() - start
        await db.dispose()
    replies = out.getvalue().count("\n")
    print(f"replay on {url.split(':')[0]}: {n} messages ({replies} replies) in {elapsed:.2f} s = "
          f"{n / elapsed:,.0f} messages/s")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file); PostgreSQL must be empty")
    args = ap.parse_args()
    asyncio.run(run(args.messages, args.db))
