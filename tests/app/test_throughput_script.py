"""benchmarks/throughput_vs_floor.py in a small run (the full run is a script; its figures go in the notes): it
keeps working, and what it measures holds — group commit takes several messages a transaction, one by one takes
one, and the floor's transaction runs on both paths."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.throughput_vs_floor import Figures, measure


@pytest.mark.slow  # a benchmark script's run
async def test_the_throughput_script_measures_group_commit_and_the_floor(tmp_path: Path) -> None:
    f: Figures = await measure(f"sqlite+aiosqlite:///{tmp_path}/bench.db", f"sqlite+aiosqlite:///{tmp_path}/floor.db",
                               n=96, window=16, backlog=300, tmp=tmp_path)
    assert min(f.floor, f.unit_floor, f.one_by_one, f.burst, f.drain) > 0
    assert 1.0 <= f.begins <= 1.1  # replay: one transaction a message (the marks folded in), and a sweep or two
    assert f.burst_begins <= 0.25  # 16 at a time: the first alone, the rest together
    assert f.statements <= 7 and f.burst_statements <= 7  # the budget test's figures, on the benchmark's mix
