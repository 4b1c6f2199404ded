"""The fuzz of the whole path (tests/support/fuzz.py): no apology, no crash, no description shown where it may
not be. 300 messages by default, 1500 in the slow set (CI runs both, on SQLite); FUZZ_MESSAGES sets the slow one's
size (benchmarks/fuzz_app.py runs 100,000)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import fuzz
from tests.support.harness import Harness


@pytest.mark.parametrize("messages", [300, pytest.param(int(os.environ.get("FUZZ_MESSAGES", "1500")),
                                                       marks=pytest.mark.slow, id="slow")])
async def test_fuzzed_messages_through_the_app(messages: int, sqlite_county_template: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copyfile(sqlite_county_template, tmp_path / "fuzz.db")
    h = await Harness.create(f"sqlite+aiosqlite:///{tmp_path}/fuzz.db", tmp_path, None)
    try:
        outcome = await fuzz.run(h, messages, seed=7)
    finally:
        await h.close()
    assert outcome.apologies == [] and outcome.leaks == [], (outcome.apologies[:3], outcome.leaks[:3])
