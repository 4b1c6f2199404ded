"""The one-trip SQLite cursor (bot/storage/onehop.py) behaves as SQLAlchemy's own: rows, row counts, RETURNING,
errors turned into SQLAlchemy's, a rolled-back transaction leaves nothing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import exc, select, text, update

from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.onehop import OneHopCursor


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


async def test_statements_go_through_the_one_trip_cursor_and_read_back_the_same(db: Database) -> None:
    async with db.transaction() as s:
        raw = (await (await s.connection()).get_raw_connection()).dbapi_connection
        assert isinstance(raw.cursor(), OneHopCursor)
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
