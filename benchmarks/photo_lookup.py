"""Benchmark: looking a new photo up among 100,000 stored ones for the authenticity hints (issue #25 item 3).

    python benchmarks/photo_lookup.py [--url URL] [--photos N] [--runs N]

Fills the evidence table with --photos rows (default 100,000) — random dHashes, one in ten a near copy (a few bits
flipped) of another, so band collisions and true matches both occur — then times bot.ledger.photo_hints.similar,
the look-up the notice and the desk use (candidates by any equal 16-bit band or the same sha256, then the Hamming
distance), for --runs new photos (half near copies of stored ones, half new), and prints p50/p95 in milliseconds.
The default database is a SQLite file (/tmp/dudao-bench-photos.db, recreated); --url names another, e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/dudao_bench_photos (its public schema is recreated).
A script, not a test (tests/unit/test_photo_lookup_script.py runs it small).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from sqlalchemy import insert  # noqa: E402

from benchmarks.bulk_county import NOW, reset_postgres  # noqa: E402
from bot.cli.bootstrap import open_database  # noqa: E402
from bot.ledger import photo_hash, photo_hints  # noqa: E402
from bot.storage import models as m  # noqa: E402

DEFAULT_SQLITE = "/tmp/dudao-bench-photos.db"
BATCH = 5_000


def _near(value: int, rng: random.Random, bits: int) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return photo_hash.to_signed(value & ((1 << 64) - 1))


def _row(i: int, value: int) -> dict:
    b0, b1, b2, b3 = photo_hash.bands(value)
    return dict(id=i, sender_chat_id="wxid_bench", room_chat_id=None, path=f"/nowhere/{i}.jpg",
                sha256=hashlib.sha256(str(i).encode()).hexdigest(), size=1000, name="", mime="image/jpeg",
                received_at=NOW, phash=value, phash_b0=b0, phash_b1=b1, phash_b2=b2, phash_b3=b3)


async def measure(url: str, photos: int, runs: int) -> dict:
    rng = random.Random(25)
    if url.startswith("postgresql"):
        await reset_postgres(url)
    db = await open_database(url)
    stored: list[int] = []
    async with db.engine.begin() as conn:
        batch = []
        for i in range(1, photos + 1):
            if stored and rng.random() < 0.1:
                value = _near(rng.choice(stored), rng, rng.randrange(0, 9))
            else:
                value = photo_hash.to_signed(rng.getrandbits(64))
            stored.append(value)
            batch.append(_row(i, value))
            if len(batch) == BATCH:
                await conn.execute(insert(m.Evidence.__table__), batch)
                batch = []
        if batch:
            await conn.execute(insert(m.Evidence.__table__), batch)
        if conn.dialect.name == "sqlite":
            await conn.exec_driver_sql("ANALYZE")
        else:
            await conn.exec_driver_sql("ANALYZE evidence")
    times, found = [], 0
    async with db.reading() as session:
        for run in range(runs + 1):
            value = _near(rng.choice(stored), rng, rng.randrange(0, 6)) if run % 2 else \
                photo_hash.to_signed(rng.getrandbits(64))
            probe = m.Evidence(id=-1, sha256=hashlib.sha256(f"new{run}".encode()).hexdigest(), phash=value)
            start = time.perf_counter()
            hits = await photo_hints.similar(session, probe)
            if run:  # the first one warms the caches
                times.append((time.perf_counter() - start) * 1000)
                found += bool(hits)
    await db.dispose()
    times.sort()
    return dict(photos=photos, runs=runs, p50_ms=round(statistics.median(times), 2),
                p95_ms=round(times[max(0, int(len(times) * 0.95) - 1)], 2), with_matches=found)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE}")
    ap.add_argument("--photos", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    if args.url == f"sqlite+aiosqlite:///{DEFAULT_SQLITE}":
        Path(DEFAULT_SQLITE).unlink(missing_ok=True)
    print(json.dumps(asyncio.run(measure(args.url, args.photos, args.runs))))


if __name__ == "__main__":
    main()
