"""The 整改台账 workbook at scale: time and peak memory of writing N findings (default 100,000) with the real code
(bot.reports.ledger_book: rows read 500 at a time, openpyxl write-only). Peak memory is the Python heap's
(tracemalloc) during the write, and the process's peak RSS before and after.

    PYTHONPATH=. python benchmarks/ledger_workbook.py [--findings 100000] [--schools 5000]
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import true

from benchmarks.bulk_county import NOW, build
from bot.reports.ledger_book import ledger_rows, write_ledger
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database
from bot.storage.roster_repo import load_roster


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(findings: int, schools: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{tmp}/ledger.db")
        await upgrade_database(db)
        await build(db, schools, findings)
        async with db.reading() as s:
            roster = await load_roster(s)
        before = _peak_rss_mb()
        tracemalloc.start()
        start = time.perf_counter()
        async with db.reading() as s:
            written = await write_ledger(Path(tmp) / "整改台账.xlsx", ledger_rows(s, roster, NOW, true()),
                                         county=roster.county, generated=NOW.astimezone(roster.tz))
        elapsed = time.perf_counter() - start
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = (Path(tmp) / "整改台账.xlsx").stat().st_size
        await db.dispose()
    print(f"{written:,} rows in {elapsed:.1f} s ({written / elapsed:,.0f} rows/s); file {size / 1e6:.1f} MB; "
          f"Python heap peak {heap_peak / 1e6:.1f} MB during the write; process peak RSS {before:.0f} MB before, "
          f"{_peak_rss_mb():.0f} MB after")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=5_000)
    args = parser.parse_args()
    asyncio.run(main(args.findings, args.schools))
