"""The connection never goes deaf: a clean close, a silent half-open socket and a WeCom restart each lose nothing
and send nothing twice; a disconnected_event stops the reconnecting; a wrong secret is refused with a clear log
line, and the secret never appears in any log."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.cli.bootstrap import build, load_county, open_database
from bot.clock import SystemClock
from bot.transports.wecom import WecomTransport
from tests.support.harness import until_idle
from tests.support.waiting import eventually
from tests.support.wecom_standin import WecomStandIn
from tests.support.wecom_world import COUNTY, FAST, PRINCIPAL, ROOM, SUPERVISOR, World, wecom_settings, wecom_world

FINDING = "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天"


async def _finding_then(world: World) -> None:
    world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
    await eventually(lambda: world.said(containing="已登记"))


async def _after_the_break(world: World, subscribes: int) -> None:
    """A message sent while the bot was away is answered once it is back, and nothing went out twice."""
    world.standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)
    await eventually(lambda: world.standin.subscribes > subscribes and world.transport.connected, timeout=10)
    await eventually(lambda: world.said(containing="待验收"), timeout=10)
    await until_idle(world.bot)
    assert len(world.said(containing="已登记")) == 1 and len(world.said(containing="待验收")) == 1


async def test_a_clean_close_is_followed_by_a_reconnect(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _finding_then(world)
        await world.standin.close_connection(1000)
        await _after_the_break(world, 1)


async def test_a_silent_half_open_socket_is_noticed_by_the_pings(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _finding_then(world)
        world.standin.go_silent()
        await _after_the_break(world, 1)
        assert any(f.get("cmd") == "ping" for f in world.standin.frames)


async def test_a_wecom_restart_loses_nothing(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _finding_then(world)
        await world.standin.stop()
        await eventually(lambda: not world.transport.connected)
        world.standin.text(PRINCIPAL, "@督导助手 #查询 Q1", chatid=ROOM)  # waits at WeCom
        await asyncio.sleep(0.3)  # WeCom stays away a while: the bot retries against a closed port
        await world.standin.start()
        await _after_the_break(world, 1)
        assert world.said(containing="消防通道堆放杂物") and len(world.said()) == 4
        assert len(world.said("card")) == 1  # the request to verify's buttons, once


async def test_disconnected_event_stops_the_reconnecting(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wecom")
    async with wecom_world(tmp_path) as world:
        await world.standin.kick()
        await eventually(lambda: world.transport.kicked and not world.transport.connected)
        await asyncio.sleep(0.5)  # time passes (many backoff periods) to show that nothing happens in it
        assert world.standin.subscribes == 1
        assert "disconnected_event" in caplog.text and "not reconnecting" in caplog.text


async def test_a_reply_queued_while_down_goes_out_after_the_reconnect(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        world.standin.go_silent()  # the message reaches the bot; its reply cannot get out
        await world.standin.stop()
        world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        await world.standin.start()
        await eventually(lambda: world.said(containing="已登记"), timeout=10)
        await until_idle(world.bot)
        assert len(world.said()) == 1


async def test_a_wrong_secret_is_refused_with_a_clear_line_and_never_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    standin = WecomStandIn(secret="the-right-secret")
    await standin.start()
    settings = wecom_settings(tmp_path, standin, wecom_bot_secret="wrong-secret-XYZ")
    db = await open_database(settings.database_url)
    await load_county(db, COUNTY, SystemClock())
    transport = WecomTransport(settings, timing=FAST)
    bot = build(settings, SystemClock(), db, transport)
    runner = asyncio.create_task(transport.run(bot))
    try:
        await eventually(lambda: standin.refusals >= 2, timeout=10)  # it keeps trying, with backoff
        assert not transport.connected
    finally:
        await transport.stop()
        await asyncio.wait_for(runner, 5)
        await db.dispose()
        await standin.close_all()
    assert "refused bot bot-1: errcode 40001 (invalid secret); check WECOM_BOT_ID and WECOM_BOT_SECRET" in caplog.text
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]  # not the stand-in's
    assert ours and not any("wrong-secret-XYZ" in line for line in ours)
    assert "wrong-secret-XYZ" not in repr(transport.config)
    assert standin.refusals < 10  # backoff, not a tight loop
