"""End to end: the real core behind the real WeCom transport, talking to the local WeCom stand-in over a real
WebSocket and HTTP. Nothing of ours is mocked."""
from __future__ import annotations

import asyncio
import hashlib
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.messages import Outbound
from bot.storage import models as m
from bot.transports.contract import TransportError
from tests.support.harness import until_idle
from tests.support.photos import image_bytes
from tests.support.waiting import eventually
from tests.support.wecom_world import OTHER_ROOM, PRINCIPAL, ROOM, SUPERVISOR, county_with_webhook, wecom_world

FINDING = "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天"


async def test_a_finding_in_a_group_is_answered_by_respond_msg_mentioning_the_principal(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        msgid = world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        await eventually(lambda: world.said(containing="已登记"))
        (reply,) = world.said()
        assert reply.cmd == "respond" and reply.req_id == f"cb_{msgid}" and reply.conversation == ROOM
        assert reply.content.startswith(f"<@{PRINCIPAL}> ") and "消防通道" in reply.content
        took = reply.at - world.standin.callbacks_sent[reply.req_id][1]
        print(f"\ncallback frame -> reply frame: {took * 1000:.0f} ms")
        assert took < 5


async def test_mixed_text_and_image_files_the_photo_with_the_report(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        await eventually(lambda: world.said(containing="已登记"))
        photo = image_bytes("png", seed=7)
        world.standin.mixed(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道并张贴标识", photo, chatid=ROOM)
        await eventually(lambda: world.said(containing="待验收"))
        async with world.bot.db.reading() as s:
            evidence = list(await s.scalars(select(m.Evidence)))
        assert [(e.finding_id, e.sha256, e.sender_chat_id) for e in evidence] == [
            (1, hashlib.sha256(photo).hexdigest(), PRINCIPAL)]


async def test_a_mixed_finding_files_its_images_as_problem_photos(tmp_path: Path) -> None:
    """图文混排 from the finder: `#问题` and the photo of the problem in one message; the photo is the finding's
    问题照片 (attached to the event that logged it)."""
    async with wecom_world(tmp_path) as world:
        photo = image_bytes("png", seed=9)
        world.standin.mixed(SUPERVISOR, FINDING, photo, chatid=ROOM)
        await eventually(lambda: world.said(containing="已登记"))
        await until_idle(world.bot)
        async with world.bot.db.reading() as s:
            rows = list(await s.execute(select(m.Evidence.finding_id, m.Evidence.sha256, m.FindingEvent.kind)
                                        .join(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id)))
        assert [tuple(r) for r in rows] == [(1, hashlib.sha256(photo).hexdigest(), "created")]


async def test_a_callback_delivered_twice_is_answered_once(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        msgid = world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        world.standin._callback(SUPERVISOR, ROOM, "text", {"text": {"content": FINDING}}, msgid=msgid)
        world.standin.text(SUPERVISOR, "@督导助手 #帮助", chatid=ROOM)  # a barrier
        await eventually(lambda: len(world.said()) >= 2)
        await until_idle(world.bot)
        assert len(world.said(containing="已登记")) == 1


async def test_a_reminder_goes_out_by_send_msg_and_a_file_is_uploaded(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        world.standin.text(PRINCIPAL, "@督导助手 #帮助", chatid=ROOM)  # the room has spoken to the bot
        await eventually(lambda: world.said())
        workbook = tmp_path / "台账.xlsx"
        workbook.write_bytes(bytes(range(256)) * 4500)  # 1.1 MB: three chunks
        await world.transport.send(Outbound(room=ROOM, to=None, text="请于今日完成整改。", mentions=(PRINCIPAL,),
                                            mention_names=("刘洋",), files=(str(workbook),), key="rem:t"))
        sent, upload = world.said("send"), world.said("file")
        assert [(s.conversation, s.content) for s in sent] == [(ROOM, f"<@{PRINCIPAL}> 请于今日完成整改。")]
        assert upload[0].content == "台账.xlsx" and upload[0].data == workbook.read_bytes()


async def test_mentions_go_through_the_rooms_webhook(tmp_path: Path) -> None:
    county = county_with_webhook(tmp_path, ROOM, "KEY-SYXX")
    async with wecom_world(tmp_path, county=county, wecom_webhook_per_minute=2) as world:
        world.standin.http.webhook_keys.add("KEY-SYXX")
        world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        await eventually(lambda: world.standin.http.posts)
        await until_idle(world.bot)
        (post,) = world.standin.http.posts
        assert post.mentioned_list == (PRINCIPAL,) and "已登记" in post.content and "<@" not in post.content
        assert world.said() == []  # the socket did not say it too
        out = Outbound(room=ROOM, to=None, text="提醒", mentions=(PRINCIPAL,), key="rem:w")
        await world.transport.send(out)  # the second of two a minute
        started = time.monotonic()
        with pytest.raises(TimeoutError):  # the third waits for the minute instead of being refused
            async with asyncio.timeout(0.3):
                await world.transport.send(out)
        assert time.monotonic() - started < 1 and world.standin.http.refused_posts == 0


async def test_unknown_chat_is_a_permanent_error(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        with pytest.raises(TransportError) as caught:
            await world.transport.send(Outbound(room=OTHER_ROOM, to=None, text="通知", key="n:1"))
        assert caught.value.permanent and "invalid chatid" in str(caught.value)


async def test_a_callback_redelivered_later_and_after_a_restart_is_answered_once(tmp_path: Path) -> None:
    """WeCom delivers a msgid again — 30 s and 10 minutes later with another create_time, and with none — to a
    bot that restarted in between (a new transport and core on the same database, nothing in memory): its msgid
    alone names it."""
    from bot.cli.bootstrap import build
    from bot.clock import SystemClock
    from bot.transports.wecom import WecomTransport
    from tests.support.wecom_world import FAST

    async with wecom_world(tmp_path) as world:
        standin, sent_at = world.standin, int(time.time())
        msgid = standin._callback(SUPERVISOR, ROOM, "text", {"text": {"content": FINDING}}, create_time=sent_at)
        await eventually(lambda: world.said(containing="已登记"))
        await world.transport.stop()
        transport = WecomTransport(world.bot.settings, SystemClock(), timing=FAST)
        bot = build(world.bot.settings, SystemClock(), world.bot.db, transport)
        sender = asyncio.create_task(bot.outbox.run(poll_seconds=0.05))
        runner = asyncio.create_task(transport.run(bot))
        try:
            await eventually(lambda: transport.connected)
            for create_time, stamped in ((sent_at + 30, True), (sent_at + 600, True), (None, False)):
                standin._callback(SUPERVISOR, ROOM, "text", {"text": {"content": FINDING}}, msgid=msgid,
                                  create_time=create_time, stamped=stamped)
            standin.text(SUPERVISOR, "@督导助手 #帮助", chatid=ROOM)  # a barrier
            await eventually(lambda: len(world.said()) >= 2)
            await asyncio.sleep(0.1)
            assert len(world.said(containing="已登记")) == 1 and len(world.said()) == 2
            async with bot.db.reading() as s:
                assert await s.scalar(select(m.Finding.id).where(m.Finding.id == 2)) is None
        finally:
            await transport.stop()
            await asyncio.wait_for(runner, 5)
            bot.outbox.stop()
            await asyncio.wait_for(sender, 5)


async def test_markdown_and_tags_users_type_are_shown_literally_and_notify_nobody(tmp_path: Path) -> None:
    """A description with a heading, emphasis, a link and a `<@…>` tag of the sender's choosing: the frame WeCom
    receives shows it as typed, and the only tag that notifies is the bot's own @ of the school's principal."""
    typed = "# 标题 **急** [点我](https://evil.example/x) <@wangfang> 消防通道堆放杂物"
    async with wecom_world(tmp_path) as world:
        world.standin.text(SUPERVISOR, f"@督导助手 #问题 实验小学 安全稳定 {typed} 限期3天", chatid=ROOM)
        await eventually(lambda: world.said(containing="已登记"))
        (reply,) = world.said()
        assert reply.tags == [PRINCIPAL]
        assert typed in reply.shown
        for markup in ("**急**", "[点我](", "<@wangfang>"):
            assert markup not in reply.content
        assert not re.search(r"^\s*#", reply.content, re.MULTILINE)  # no line is a heading


async def test_opening_the_private_chat_gets_a_short_welcome_once_a_day(tmp_path: Path) -> None:
    """enter_chat (aibot_event_callback): answered with aibot_respond_welcome_msg on the event's req_id within
    WeCom's 5 s, listing the person's own commands; a second visit the same day gets nothing."""
    async with wecom_world(tmp_path) as world:
        req_id = world.standin.enter_chat(PRINCIPAL)
        await eventually(lambda: world.said("welcome"))
        (welcome,) = world.said("welcome")
        assert welcome.req_id == req_id and welcome.conversation == PRINCIPAL
        assert welcome.at - world.standin.callbacks_sent[req_id][1] < 5
        assert "#整改" in welcome.content and "#问题" not in welcome.content  # a principal's, not a supervisor's
        world.standin.enter_chat(PRINCIPAL)
        stranger = world.standin.enter_chat("wxid_nobody")
        await eventually(lambda: len(world.said("welcome")) == 2)
        world.standin.text(PRINCIPAL, "#帮助")  # a barrier
        await eventually(lambda: world.said("respond"))
        await until_idle(world.bot)
        assert [s.req_id for s in world.said("welcome")] == [req_id, stranger]
        assert "#绑定" in world.said("welcome")[1].content
