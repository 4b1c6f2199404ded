"""A message longer than MAX_MESSAGE_CHARS is not read: addressed to the bot, its sender is asked (politely, once) to
shorten it, and nothing is filed; ordinary chat that long gets nothing, as any chat does. No text of it is kept
beyond TEXT_CAP characters anywhere (the Inbound cuts it, keeping its length), and the database holds none of it."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from bot.messages import TEXT_CAP, Inbound, InboundFile
from bot.storage import models as m
from tests.support.photos import image_bytes

SYXX, OFFICE = "room-syxx@chatroom", "room-office@chatroom"
ZHOU, LIU = "wxid_zhouyonghong", "wxid_liujianguo"
TEN_MB = "#问题 实验小学 " + "消防通道堆放杂物" * (10 * 1024 * 1024 // 24)  # 10 MB of UTF-8


async def _count(h, model) -> int:
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def _longest_stored_text(h) -> int:
    """The longest text any row holds: events' raw text, descriptions, outbox texts, the handled messages' keys."""
    async with h.app.db.reading() as s:
        lengths = [await s.scalar(select(func.max(func.length(column)))) or 0 for column in (
            m.FindingEvent.raw_text, m.Finding.description, m.OutboxMessage.text, m.HandledMessage.key)]
    return max(lengths)


def test_an_inbound_keeps_at_most_text_cap_characters_and_the_length() -> None:
    from datetime import UTC, datetime

    inbound = Inbound(room=SYXX, sender=ZHOU, text=TEN_MB, at=datetime.now(UTC))
    assert len(inbound.text) == TEXT_CAP and inbound.length == len(TEN_MB) and inbound.text_length == len(TEN_MB)
    short = Inbound(room=SYXX, sender=ZHOU, text="#清单", at=datetime.now(UTC))
    assert short.length == 3 and short.text_length is None


async def test_a_10_mb_finding_gets_a_polite_answer_and_nothing_is_filed(harness, caplog) -> None:
    h = harness
    caplog.set_level(logging.INFO)
    (reply,) = await h.say(SYXX, ZHOU, TEN_MB, msg_id="big-1")
    assert f"这条消息有 {len(TEN_MB):,} 个字，超过了 2000 字的上限，没有处理" in reply.text
    assert "请精简到 2000 字以内后重新发送" in reply.text and len(reply.text) < 200
    assert await _count(h, m.Finding) == 0 and await _count(h, m.FindingEvent) == 0
    assert await _longest_stored_text(h) < 200
    assert await h.say(SYXX, ZHOU, TEN_MB, msg_id="big-1") == []  # delivered again: answered once
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"{len(TEN_MB)} characters" in warning and ZHOU in warning and SYXX in warning
    assert "#问题 实验小学 消防通道堆放杂物" in warning and len(warning) < 400
    assert "Q1" in (await h.one(SYXX, ZHOU, "#问题 实验小学 扶手松动")).text  # nothing was numbered


async def test_the_limit_itself_is_read_and_one_more_is_not(harness) -> None:
    h = harness
    head = "#问题 实验小学 "
    at_limit = head + "扶" * (2000 - len(head))
    assert "已登记" in (await h.one(SYXX, ZHOU, at_limit)).text
    (refused,) = await h.say(SYXX, ZHOU, at_limit + "手")
    assert "这条消息有 2,001 个字，超过了 2000 字的上限" in refused.text
    assert await _count(h, m.Finding) == 1


async def test_a_long_chat_message_in_a_group_gets_nothing(harness) -> None:
    h = harness
    assert await h.say(SYXX, ZHOU, "各位老师：" + "关于开展春季开学检查的通知。" * 400) == []


async def test_a_long_private_message_is_asked_to_be_shortened(harness) -> None:
    h = harness
    (reply,) = await h.say(None, ZHOU, "整改情况如下" * 500)
    assert "超过了 2000 字的上限" in reply.text


async def test_a_long_report_with_a_photo_files_neither(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    photo = InboundFile(name="扶手.jpg", data=image_bytes("jpg"), mime="image/jpeg")
    (reply,) = await h.say(SYXX, "wxid_liuyang", "#整改 Q1 " + "已加固" * 1000, files=(photo,))
    assert "超过了 2000 字的上限" in reply.text
    assert await _count(h, m.Evidence) == 0 and "待整改" in (await h.one(SYXX, ZHOU, "#查询 Q1")).text


async def test_in_an_unbound_room_only_the_office_hears_about_it(harness) -> None:
    h = harness
    unbound = "room-unknown@chatroom"
    assert await h.say(unbound, ZHOU, "#问题 实验小学 " + "很" * 3000) == []
    (reply,) = await h.say(unbound, LIU, "#统计 " + "很" * 3000)
    assert "超过了 2000 字的上限" in reply.text


async def test_max_message_chars_is_a_setting(harness) -> None:
    h = harness
    h.app.settings.max_message_chars = 50  # MAX_MESSAGE_CHARS=50
    (reply,) = await h.say(SYXX, ZHOU, "#问题 实验小学 " + "扶手松动" * 12)
    assert "这条消息有 57 个字，超过了 50 字的上限" in reply.text


def test_the_spool_keeps_the_length_of_a_cut_text() -> None:
    """A message kept in the spool while the database is away is still answered with its length as sent."""
    import json
    from datetime import UTC, datetime

    from bot.spool import from_json, to_json

    inbound = Inbound(room=SYXX, sender=ZHOU, text=TEN_MB, at=datetime.now(UTC), message_id="m", id_scope="wecom")
    again = from_json(json.loads(json.dumps(to_json(inbound))))
    assert again == inbound and again.length == len(TEN_MB)
