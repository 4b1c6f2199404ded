"""A budget of SQL statements per command kind (handling, then sending its reply), so that a change that adds
round trips to the hot path fails here. Counted on SQLite with SQLAlchemy's before_cursor_execute (BEGIN,
SAVEPOINT and RELEASE included). Lower the budget when you make a path cheaper.

A message is one transaction: BEGIN, the dedupe INSERT … ON CONFLICT, the command's own reads and writes, the
reply rows (written claimed, handed to the sender in memory). Sending reads nothing back: the 2 statements are the
marks (BEGIN, one UPDATE) that a running bot folds into the next message's transaction."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from bot.messages import Inbound
from tests.support.harness import Harness

ROOM, SUPERVISOR, PRINCIPAL = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"
# kind: (sender, text, statements to handle it, statements to send its replies)
BUDGET = {
    # 7: one indexed look for the photos of a #问题 that failed just before (they become this one's 问题照片)
    "#问题": (SUPERVISOR, "#问题 实验小学 扶手松动 限期3天", 7, 2),
    "chat": (PRINCIPAL, "收到", 2, 0),
    "#整改": (PRINCIPAL, "#整改 Q2 已加固", 7, 2),
    "#验收": (SUPERVISOR, "#验收 Q2 通过", 6, 2),
    "#查询": (SUPERVISOR, "#查询 Q2", 6, 2),
    "#清单": (PRINCIPAL, "#清单", 4, 2),
}


@pytest.fixture
async def counted(sqlite_url: str, tmp_path: Path):
    from tests.support.paths import DEMO_COUNTY

    h = await Harness.create(sqlite_url, tmp_path, DEMO_COUNTY)
    await h.say(ROOM, SUPERVISOR, "#问题 实验小学 热身")  # Q1: caches warm, as in a running bot
    statements: list[str] = []
    for engine in h.app.db.sync_engines:
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    yield h, statements
    await h.close()


async def test_statements_per_command_stay_within_budget(counted) -> None:
    h, statements = counted
    over = []
    for kind, (sender, text, handle_budget, send_budget) in BUDGET.items():
        statements.clear()
        await h.app.app.handle(Inbound(room=ROOM, sender=sender, text=text, at=h.clock.now(), message_id=kind))
        handled = len(statements)
        statements.clear()
        await h.app.drain_outbox()
        if handled > handle_budget or len(statements) > send_budget:
            over.append(f"{kind}: {handled}/{handle_budget} to handle, {len(statements)}/{send_budget} to send")
    assert over == []
