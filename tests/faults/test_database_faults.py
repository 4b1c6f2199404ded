"""Database faults in small (tests/support/db_faults.py; the full run is benchmarks/database_faults.py): `dudao run`
against the gateway stand-in while the database is away — nothing lost, nothing handled twice, one 系统繁忙 per
conversation, everything answered once it is back."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import db_faults

pytestmark = pytest.mark.slow
ROOMS = 4  # tests/support/faults.ROOMS: one notice per conversation


def _check(outcome: db_faults.Outcome, tmp: Path) -> None:
    log = (tmp / "bot.log").read_text(errors="replace") if (tmp / "bot.log").exists() else ""
    assert outcome.ok(), (outcome, log[-3000:])
    assert outcome.notices <= ROOMS, outcome  # one per outage and conversation at the most


async def test_a_lock_held_past_the_busy_timeout_loses_nothing_even_when_the_bot_is_killed_meanwhile(
        tmp_path: Path) -> None:
    outcome = await db_faults.run_named(tmp_path, "held_lock+kill", commands=40, rate=5, fault_seconds=36,
                                        kill_after=33)
    _check(outcome, tmp_path)


@pytest.mark.skipif(not db_faults.full_disk_available(), reason="mounting a small tmpfs needs root")
async def test_a_full_disk_with_the_spool_on_it_too_loses_nothing(tmp_path: Path) -> None:
    outcome = await db_faults.run_named(tmp_path, "full_disk_same", commands=30, rate=10, fault_seconds=3)
    _check(outcome, tmp_path)
    assert outcome.notices >= 1


@pytest.mark.skipif(not db_faults.OwnPostgres.available(), reason="no PostgreSQL server binaries here")
async def test_postgresql_stopped_and_started_loses_nothing(tmp_path: Path) -> None:
    outcome = await db_faults.run_named(tmp_path, "postgres", commands=30, rate=10, fault_seconds=3)
    _check(outcome, tmp_path)
    assert outcome.notices >= 1
