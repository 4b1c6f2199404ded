"""The fuzz of the whole path (tests/support/fuzz.py): no apology, no crash, no description shown where it may
not be. FUZZ_MESSAGES sets how many (CI: 1500 on SQLite; benchmarks/fuzz_app.py runs 100,000)."""
from __future__ import annotations

import os
from pathlib import Path

from tests.support import fuzz
from tests.support.harness import Harness


async def test_fuzzed_messages_through_the_app(sqlite_county_template: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copyfile(sqlite_county_template, tmp_path / "fuzz.db")
    h = await Harness.create(f"sqlite+aiosqlite:///{tmp_path}/fuzz.db", tmp_path, None)
    try:
        outcome = await fuzz.run(h, int(os.environ.get("FUZZ_MESSAGES", "1500")), seed=7)
    finally:
        await h.close()
    assert outcome.apologies == [] and outcome.leaks == [], (outcome.apologies[:3], outcome.leaks[:3])
