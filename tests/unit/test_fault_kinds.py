"""What bot.storage.faults.outage calls an outage (kept and tried again) and what it does not (a failure, answered
with an apology): a schema out of step is a bug, not a wait, though SQLite reports it as an OperationalError."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc as sa_exc

from bot.storage.faults import outage


def _wrapped(message: str) -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize("message", ["no such column: findings.source", "no such table: campaigns",
                                     'near "SELEC": syntax error', "table findings has no column named source"])
def test_a_statement_the_schema_cannot_run_is_no_outage(message: str) -> None:
    assert outage(_wrapped(message)) is None


@pytest.mark.parametrize(("message", "kind"), [("database is locked", "locked"),
                                               ("database or disk is full", "disk_full"),
                                               ("disk I/O error", "io"), ("unable to open database file", "connection")])
def test_the_database_away_is_an_outage(message: str, kind: str) -> None:
    assert outage(_wrapped(message)) == kind
