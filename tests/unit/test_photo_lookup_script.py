"""benchmarks/photo_lookup.py run small (3,000 photos on SQLite), so that the script behind the 100,000-photo
figure keeps working, and the look-up finds the near copies it plants."""
from __future__ import annotations

import asyncio

from benchmarks import photo_lookup


def test_the_photo_lookup_benchmark_runs_small(tmp_path) -> None:
    result = asyncio.run(photo_lookup.measure(f"sqlite+aiosqlite:///{tmp_path / 'photos.db'}", 3_000, 20))
    assert result["photos"] == 3_000 and result["runs"] == 20
    assert 0 < result["with_matches"] <= 20  # half the probes are near copies of stored photos
    assert result["p50_ms"] < 50
