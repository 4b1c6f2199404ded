"""The one-trip SQLite cursor (bot/storage/onehop.py) behaves as SQLAlchemy's own: rows, row counts, RETURNING,
errors turned into SQLAlchemy's, a rolled-back transaction leaves nothing; without a private name it needs (SQLAlchemy
2.0, a newer aiosqlite) the engine is left on SQLAlchemy's own cursor, said once in a warning."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import exc, select, text, update

from bot import private_names
from bot.storage import models as m
from bot.storage import onehop
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database
from bot.storage.onehop import OneHopCursor

ONE_HOP = all(private_names.available(key) for key in onehop.NAMES)


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


async def _raw(s) -> object:  # noqa: ANN001 — an AsyncSession; the adapted DBAPI connection
    return (await (await s.connection()).get_raw_connection()).dbapi_connection


@pytest.mark.skipif(not ONE_HOP, reason="this SQLAlchemy/aiosqlite lacks a name the one-trip cursor needs")
async def test_statements_go_through_the_one_trip_cursor_and_read_back_the_same(db: Database) -> None:
    async with db.transaction() as s:
        assert isinstance((await _raw(s)).cursor(), OneHopCursor)
    await _rows_and_counts(db)


async def test_without_a_private_name_the_engine_keeps_sqlalchemys_cursor(sqlite_url: str, monkeypatch,
                                                                           caplog) -> None:
    import aiosqlite

    monkeypatch.delattr(aiosqlite.Connection, "_execute")
    monkeypatch.setattr(private_names, "_warned", set())
    with caplog.at_level("WARNING", logger="dudao.private_names"):
        db = Database(sqlite_url)
    try:
        assert "aiosqlite:Connection._execute" in caplog.text and "bot/storage/onehop.py" in caplog.text
        monkeypatch.undo()  # SQLAlchemy's own cursor needs nothing private; migrations run through it
        await upgrade_database(db)
        async with db.transaction() as s:
            assert not isinstance(await _raw(s), onehop.OneHopConnection)
        await _rows_and_counts(db)
    finally:
        await db.dispose()


async def _rows_and_counts(db: Database) -> None:
    async with db.transaction() as s:
        s.add_all([m.Counter(name=f"c{i}", value=i) for i in range(5)])
    async with db.transaction() as s:
        result = await s.execute(update(m.Counter).where(m.Counter.value >= 3).values(value=0))
        assert result.rowcount == 2
        names = list(await s.scalars(update(m.Counter).where(m.Counter.value == 0).values(value=9)
                                     .returning(m.Counter.name).execution_options(synchronize_session=False)))
        assert sorted(names) == ["c0", "c3", "c4"]
    async with db.reading() as s:
        assert dict((await s.execute(select(m.Counter.name, m.Counter.value))).all()) == \
            {"c0": 9, "c1": 1, "c2": 2, "c3": 9, "c4": 9}
        assert (await s.execute(text("SELECT 1 WHERE 0"))).all() == []


async def test_errors_are_sqlalchemys_and_a_failed_transaction_leaves_nothing(db: Database) -> None:
    now = datetime.now(UTC)
    with pytest.raises(exc.IntegrityError):
        async with db.transaction() as s:
            s.add(m.HandledMessage(key="k", at=now, handled_at=now, sender_chat_id="a"))
            await s.flush()
            s.add(m.HandledMessage(key="k", at=now, handled_at=now, sender_chat_id="b"))
    with pytest.raises(exc.OperationalError):
        async with db.reading() as s:
            await s.execute(text("SELECT * FROM no_such_table"))
    async with db.reading() as s:
        assert list(await s.scalars(select(m.HandledMessage.key))) == []
