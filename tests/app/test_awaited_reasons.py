"""bot.routing.awaiting: a reason awaited after a tapped 不通过 is the person's for 10 minutes, then no longer; one a
person (a newer tap replaces it); taken once."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.routing import awaiting

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def test_a_reason_is_awaited_ten_minutes_and_taken_once(sqlite_db) -> None:
    async def wait(s, command: str, at: datetime) -> None:
        await awaiting.wait_for(s, sender="u1", room="r1", command=command, now=at)

    await sqlite_db.unit(lambda s: wait(s, "#验收 Q1 不通过", NOW))
    await sqlite_db.unit(lambda s: wait(s, "#验收 Q2 不通过", NOW))  # the newer tap replaces the older
    assert await sqlite_db.unit(lambda s: awaiting.waiting(s, "u1", NOW + timedelta(minutes=9)))
    assert await sqlite_db.unit(lambda s: awaiting.take(s, "u2", NOW)) is None
    assert await sqlite_db.unit(lambda s: awaiting.take(s, "u1", NOW + timedelta(minutes=9))) == "#验收 Q2 不通过"
    assert await sqlite_db.unit(lambda s: awaiting.take(s, "u1", NOW)) is None  # taken

    await sqlite_db.unit(lambda s: wait(s, "#验收 Q3 不通过", NOW))
    assert not await sqlite_db.unit(lambda s: awaiting.waiting(s, "u1", NOW + timedelta(minutes=10)))
    assert await sqlite_db.unit(lambda s: awaiting.take(s, "u1", NOW + timedelta(minutes=11))) is None
