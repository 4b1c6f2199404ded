"""The chat connection itself down: the alert goes by a path that still works — the office room's group robot webhook
(bot/cli/health.py, WecomTransport.send_without_connection) — and the recovery over the connection once it is back;
without a webhook key, one message on reconnection saying how long the bot was away. The real WeCom transport
against the local stand-in (its HTTP half stays up while its long connection is gone). Short times: the alert after
0.6 s unwell, the connection's grace 0.2 s (the same code, the minutes made small)."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from tests.support.waiting import eventually
from tests.support.wecom_world import World, county_with_webhook, wecom_world

OFFICE_ROOM, LIU = "room-office@chatroom", "wxid_liujianguo"


async def _down_then_up(world: World) -> tuple[list[str], list[str]]:
    """The office room speaks (so the stand-in lets the bot write there), WeCom goes away for a while, comes back;
    the alerter checked along the way. Returns (said while down, said after)."""
    health, alerter = world.bot.health, world.bot.alerter
    assert health is not None and alerter is not None
    health.chat_grace = timedelta(seconds=0.2)
    world.standin.text(LIU, "大家好", chatid=OFFICE_ROOM)  # the stand-in lets the bot write there from now on
    await world.standin.stop()
    await eventually(lambda: not world.transport.connected)
    down: list[str] = []
    for _ in range(12):  # ~1.2 s down: past the grace and the 0.6 s
        health.observe()
        down += await alerter.tick()
        await asyncio.sleep(0.1)
    await world.standin.start()
    await eventually(lambda: world.transport.connected, 10)
    up = await alerter.tick()
    assert await alerter.tick() == []
    return down, up


async def test_the_alert_goes_by_the_office_rooms_webhook_while_the_connection_is_down(tmp_path: Path) -> None:
    county = county_with_webhook(tmp_path, OFFICE_ROOM, "KEY-OFFICE")
    async with wecom_world(tmp_path, county=county, alert_after_minutes=0.01) as world:
        world.standin.http.webhook_keys.add("KEY-OFFICE")
        down, up = await _down_then_up(world)
        (alert,) = down
        assert "与聊天平台断开" in alert
        (post,) = world.standin.http.posts
        assert post.key == "KEY-OFFICE" and post.content == alert
        (recovered,) = up
        assert "已重新连上聊天平台" in recovered
        await eventually(lambda: world.said(containing="已重新连上聊天平台"))
        assert [s.conversation for s in world.said(containing="系统")] == [OFFICE_ROOM]


async def test_without_a_webhook_the_office_is_told_on_reconnection_how_long_the_bot_was_away(
        tmp_path: Path) -> None:
    async with wecom_world(tmp_path, alert_after_minutes=0.01) as world:
        down, up = await _down_then_up(world)
        assert down == [] and world.standin.http.posts == []
        (back,) = up
        assert "刚才与聊天平台断开了约 1 分钟，现已恢复" in back
        await eventually(lambda: world.said(containing="现已恢复"))
