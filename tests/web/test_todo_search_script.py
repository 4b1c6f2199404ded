"""benchmarks/todo_search.py run small (2,000 findings on SQLite), so that the script the 1,000,000-finding figures
come from keeps working: it builds its county, logs in as each role and gets every page it times (each answer
checked to be a 200 in the script itself)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from benchmarks import bulk_county, todo_search


def test_the_benchmark_runs_small(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(bulk_county, "EXTRA_DISTRICTS", bulk_county.EXTRA_DISTRICTS)  # the script narrows it
    results = asyncio.run(todo_search.measure(f"sqlite+aiosqlite:///{tmp_path / 'todo.db'}", 2_000, 1, False))
    roles = {role for _, role in results}
    assert roles == {"督导室", "责任区负责人", "督学", "校长"}
    assert {label for label, _ in results} == {label for label, *_ in todo_search._cases(2_000)}
    assert all(p50 > 0 and p95 >= p50 for p50, p95 in results.values())
