"""A simulated year at a county's volume: does the database level off once the message bookkeeping is pruned?

Estimate (stated, per day): 300 schools, ~60 supervisors and office staff, the bot in ~70 rooms. Every message in
those rooms reaches the bot, ordinary chat included: 1,500 messages a day (4 handled-message keys each: 6,000 rows),
300 replies and notices (outbox rows, sent), 30 findings with 3 events each. Each day the rows are bulk-inserted at
that day's times, then the sweep's pruning runs (bot/storage/retention.py, RETENTION_DAYS=180, its real batches and
budget) and the file's size is read. Findings and events are never pruned: they grow, slowly.

    python benchmarks/retention_year.py                      # the full year (a few minutes on 2 cores)
    python benchmarks/retention_year.py --days 60 --messages 50 --retention 10   # a tiny run (CI: tests/app/test_retention.py)
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.cli.bootstrap import demo_county_path, load_county, open_database
from bot.clock import VirtualClock
from bot.storage import retention

START = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
TEXT = "各位校长：本周请完成校园安全自查，并在周五前通过“#自查”报送结果。谢谢配合！" * 3


def _stored(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def simulate(path: Path, *, days: int, messages: int, replies: int, findings: int,
                   retention_days: int) -> list[tuple[int, int, int, int]]:
    """(day, file size in bytes, handled keys, outbox rows) after each day's pruning."""
    for extra in ("", "-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    db = await open_database(f"sqlite+aiosqlite:///{path}")
    await load_county(db, demo_county_path(), VirtualClock(START))
    out, number = [], 0
    try:
        for day in range(days):
            base = START + timedelta(days=day)
            step = timedelta(seconds=36_000 / max(messages, 1))
            async with db.engine.begin() as conn:
                keys = []
                for i in range(messages):
                    at = _stored(base + i * step)
                    digest = hashlib.sha256(f"{day}:{i}".encode()).hexdigest()
                    for kind in ("id", "bare", "digest", "content"):
                        keys.append((f"wechaty:{kind}:{digest[:40]}:{day}:{i}", at, at, "room-x@chatroom",
                                     f"wxid_{i % 60}"))
                await conn.exec_driver_sql(
                    "INSERT INTO handled_messages (key, at, handled_at, room_chat_id, sender_chat_id) "
                    "VALUES (?, ?, ?, ?, ?)", keys)
                rows = [(f"reply:{day}:{i}", "room-x@chatroom", TEXT, "[]", "[]", "[]",
                         _stored(base + i * step), _stored(base + i * step), "sent", 1, _stored(base + i * step))
                        for i in range(replies)]
                await conn.exec_driver_sql(
                    "INSERT INTO outbox (key, room_chat_id, text, mentions, mention_names, files, created_at, "
                    "next_attempt_at, status, attempts, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                school = await conn.scalar(text("SELECT min(id) FROM schools"))
                finder = await conn.scalar(text("SELECT min(id) FROM people"))
                for _ in range(findings):
                    number += 1
                    at = _stored(base)
                    found = await conn.execute(text(
                        "INSERT INTO findings (number, school_id, category, severity, description, status, deadline_at, "
                        "due_date, finder_id, created_at, updated_at, closed_at, source) VALUES (:n, :s, '安全', "
                        "'一般', :d, 'closed', :at, :due, :p, :at, :at, :at, 'routine') RETURNING id"),
                        {"n": number, "s": school, "d": f"楼梯扶手松动 {number}", "at": at, "p": finder,
                         "due": base.date().isoformat()})
                    fid = found.scalar()
                    await conn.execute(text(
                        "INSERT INTO finding_events (finding_id, kind, at, raw_text, data) VALUES "
                        "(:f, 'created', :at, :t, '{}'), (:f, 'rectified', :at, :t, '{}'), "
                        "(:f, 'verify_passed', :at, :t, '{}')"), {"f": fid, "at": at, "t": "#整改 已加固"})
            await retention.prune(db, base + timedelta(hours=20), retention_days)
            async with db.engine.connect() as conn:
                kept = await conn.scalar(text("SELECT count(*) FROM handled_messages"))
                sent = await conn.scalar(text("SELECT count(*) FROM outbox"))
            size = sum(os.path.getsize(f"{path}{x}") for x in ("", "-wal") if os.path.exists(f"{path}{x}"))
            out.append((day + 1, size, int(kept), int(sent)))
    finally:
        await db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="/tmp/retention-year.db")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--messages", type=int, default=1500, help="messages a day (4 keys each)")
    ap.add_argument("--replies", type=int, default=300, help="outbox rows a day")
    ap.add_argument("--findings", type=int, default=30, help="findings a day (3 events each)")
    ap.add_argument("--retention", type=int, default=180, help="RETENTION_DAYS")
    args = ap.parse_args()
    started = time.monotonic()
    days = asyncio.run(simulate(Path(args.db), days=args.days, messages=args.messages, replies=args.replies,
                                findings=args.findings, retention_days=args.retention))
    print(f"{args.messages} messages, {args.replies} replies, {args.findings} findings a day; "
          f"RETENTION_DAYS={args.retention}; {time.monotonic() - started:.0f} s")
    print("day  size MB  handled keys  outbox rows")
    for day, size, kept, sent in days:
        if day % 30 == 0 or day == len(days):
            print(f"{day:>3}  {size / 1e6:7.1f}  {kept:>12}  {sent:>11}")


if __name__ == "__main__":
    main()
