"""An overlong message through the console and WeCom to the real core (Wechaty's is in test_wechaty_e2e.py): the
console reads at most TEXT_CAP characters of a line (the rest is counted, not kept); the Inbound keeps only the
beginning and the length; the sender is asked to shorten it, and the next message is handled as usual."""
from __future__ import annotations

import asyncio
import io
from pathlib import Path

from sqlalchemy import func, select

from bot.messages import TEXT_CAP
from bot.storage import models as m
from bot.transports.console import ConsoleTransport
from tests.support.waiting import eventually as wecom_eventually
from tests.support.wecom_world import ROOM as WECOM_ROOM
from tests.support.wecom_world import SUPERVISOR as WECOM_SUPERVISOR
from tests.support.wecom_world import wecom_world

SYXX, ZHOU = "room-syxx@chatroom", "wxid_zhouyonghong"


async def test_the_console_keeps_the_beginning_of_a_10_mb_line_and_its_length(harness) -> None:
    h = harness
    line = "#问题 实验小学 " + "很" * (10 * 1024 * 1024)
    script = f"/as 周永红\n/room 实验小学督导联络群\n{line}\n#问题 实验小学 扶手松动\n/quit\n"
    console = ConsoleTransport(stdin=io.StringIO(script), stdout=io.StringIO())
    await asyncio.wait_for(console.run(h.app), 30)
    texts = [s.text for s in h.transport.sent]
    assert f"这条消息有 {len(line):,} 个字，超过了 2000 字的上限" in texts[0]
    assert "已登记" in texts[1] and "Q1" in texts[1] and len(texts) == 2


def test_a_line_the_console_cuts_keeps_its_newline_and_what_follows() -> None:
    console = ConsoleTransport(stdin=io.StringIO("x" * (3 * TEXT_CAP) + "\nnext\n"), stdout=io.StringIO())

    async def two() -> list[tuple[str, int] | None]:
        return [await console._readline(), await console._readline()]

    first, second = asyncio.run(two())
    assert first is not None and first[1] == 3 * TEXT_CAP and len(first[0]) <= TEXT_CAP + 1
    assert second == ("next", 4)


async def test_wecom_hands_in_the_beginning_and_the_length(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        big = "@督导助手 #问题 实验小学 " + "很" * 300_000  # 900 KB: within WeCom's frame
        world.standin.text(WECOM_SUPERVISOR, big, chatid=WECOM_ROOM)
        world.standin.text(WECOM_SUPERVISOR, "@督导助手 #问题 实验小学 扶手松动", chatid=WECOM_ROOM)
        await wecom_eventually(lambda: len(world.said()) >= 2)
        first, second = world.said()
        assert "超过了 2000 字的上限" in first.content and "已登记" in second.content
        async with world.bot.db.reading() as s:
            assert await s.scalar(select(func.count()).select_from(m.Finding)) == 1
