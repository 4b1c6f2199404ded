"""Which deliveries are the same message. Ids unique within a scope (WeCom's msgid, a Wechaty id within its account's
puppet): the id alone, whatever the timestamp, also across a restart and across the upgrade from the keys that
mixed in the timestamp. Ids that may be renumbered or reused (no scope): the id with the content, and the content
key as the fallback for renumbered redeliveries."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import message_keys
from bot.messages import Inbound
from bot.storage import models as m
from tests.support.harness import Harness

SYXX, ZHOU, LIUYANG = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"
FINDING = "#问题 实验小学 扶手松动"
REPORT = "#整改 Q1 已加固扶手"


def _inbound(h, text: str, message_id: str, scope: str | None = None, *, at: datetime | None = None,
             sender: str = ZHOU) -> Inbound:
    return Inbound(room=SYXX, sender=sender, text=text, at=at or h.clock.now(), message_id=message_id,
                   id_scope=scope)


async def _count(h, model) -> int:
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def _replies(h) -> list[str]:
    await h.app.outbox.drain()
    return [s.text for s in h.transport.sent]


async def test_a_scoped_id_redelivered_later_with_another_or_no_timestamp_is_answered_once(harness) -> None:
    """WeCom delivers a msgid again 30 s and 10 minutes later, with another create_time, or none (the transport
    then stamps it with its own clock): one finding, one `已登记`."""
    h = harness
    sent_at = h.clock.now()
    assert await h.app.handle(_inbound(h, FINDING, "msg-1", "wecom", at=sent_at)) is True
    await h.at(sent_at + timedelta(seconds=30))
    assert await h.app.handle(_inbound(h, FINDING, "msg-1", "wecom", at=sent_at + timedelta(seconds=7))) is False
    await h.at(sent_at + timedelta(minutes=10))
    assert await h.app.handle(_inbound(h, FINDING, "msg-1", "wecom")) is False  # no create_time: now
    assert await _count(h, m.Finding) == 1
    assert [t for t in await _replies(h) if "已登记" in t] != [] and len(h.transport.sent) == 1


async def test_a_report_redelivered_with_another_timestamp_is_not_added_to(harness) -> None:
    """The `已补充 Q1 的整改情况` of the issue: a #整改 redelivered later is the same report, not a second one."""
    h = harness
    await h.say(SYXX, ZHOU, FINDING)
    assert await h.app.handle(_inbound(h, REPORT, "r-1", "wecom", sender=LIUYANG)) is True
    await h.at(h.clock.now() + timedelta(seconds=30))
    assert await h.app.handle(_inbound(h, REPORT, "r-1", "wecom", sender=LIUYANG)) is False
    assert not [t for t in await _replies(h) if "已补充" in t]
    async with h.app.db.reading() as s:
        reports = await s.scalar(select(func.count()).select_from(m.FindingEvent)
                                 .where(m.FindingEvent.kind == "rectified"))
    assert reports == 1


async def test_a_scoped_id_is_recognised_by_a_new_app_on_the_same_database(harness) -> None:
    """A restart: a new App (no memory of its own) on the same database, the redelivery with another timestamp."""
    h = harness
    assert await h.app.handle(_inbound(h, FINDING, "msg-9", "wecom")) is True
    await h.app.outbox.drain()
    again = Harness.on(h.app.settings, h.clock, h.app.db)
    await again.at(h.clock.now() + timedelta(minutes=10))
    assert await again.app.handle(_inbound(again, FINDING, "msg-9", "wecom")) is False
    await again.app.outbox.drain()
    assert len(h.transport.sent) == 1 and again.transport.sent == []
    assert await _count(h, m.Finding) == 1


async def test_a_message_handled_before_ids_were_scoped_is_recognised_after_the_upgrade(harness) -> None:
    """Before the upgrade a WeCom message was recorded under its id with a digest of its timestamp and content (and
    its bare id `p:<id>`) — as an unscoped message still is. Redelivered after the upgrade, with its id scoped and
    another timestamp, it is still recognised."""
    h = harness
    assert await h.app.handle(_inbound(h, FINDING, "msg-42", None)) is True  # the old keys, exactly
    async with h.app.db.reading() as s:
        assert "p:msg-42" in set(await s.scalars(select(m.HandledMessage.key)))
    await h.at(h.clock.now() + timedelta(seconds=30))
    assert await h.app.handle(_inbound(h, FINDING, "msg-42", "wecom")) is False
    assert await _count(h, m.Finding) == 1 and len(await _replies(h)) == 1


async def test_the_same_words_under_two_scoped_ids_in_one_second_are_two_messages(harness) -> None:
    """`#查询 Q1` twice in one second, with two ids: two questions, two answers."""
    h = harness
    await h.say(SYXX, ZHOU, FINDING)
    before = len(h.transport.sent)
    for message_id in ("q-1", "q-2"):
        assert await h.app.handle(_inbound(h, "#查询 Q1", message_id, "wechaty:wxid_bot")) is True
    await h.app.outbox.drain()
    assert len(h.transport.sent) - before == 2


async def test_the_same_id_in_another_scope_is_another_message(harness) -> None:
    """Two accounts' puppets (the bot moved to another WeChat account) number their messages each on their own."""
    h = harness
    assert await h.app.handle(_inbound(h, FINDING, "1000", "wechaty:wxid_old")) is True
    assert await h.app.handle(_inbound(h, "#问题 实验小学 灭火器过期", "1000", "wechaty:wxid_new")) is True
    assert await _count(h, m.Finding) == 2


async def test_a_scoped_id_given_to_another_sender_is_not_handled_and_said_so(harness, caplog) -> None:
    h = harness
    caplog.set_level(logging.INFO, logger="dudao.app")
    assert await h.app.handle(_inbound(h, FINDING, "7", "wechaty:wxid_bot")) is True
    assert await h.app.handle(_inbound(h, "#查询 Q1", "7", "wechaty:wxid_bot", sender=LIUYANG)) is False
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "reused" in warning.getMessage() and LIUYANG in warning.getMessage()


async def test_an_unscoped_id_reused_with_new_content_is_a_new_message_and_warned_about(harness, caplog) -> None:
    h = harness
    caplog.set_level(logging.INFO, logger="dudao.app")
    assert await h.app.handle(_inbound(h, FINDING, "msg-1000")) is True
    assert await h.app.handle(_inbound(h, "#问题 实验小学 灭火器过期", "msg-1000")) is True
    assert await _count(h, m.Finding) == 2
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "msg-1000" in warning.getMessage() and "other content" in warning.getMessage()


async def test_unscoped_the_same_id_and_content_again_or_under_a_new_id_is_answered_once(harness) -> None:
    """A transport whose ids may be renumbered (no scope): the same content at the same time is a redelivery."""
    h = harness
    assert await h.app.handle(_inbound(h, FINDING, "session1-77")) is True
    assert await h.app.handle(_inbound(h, FINDING, "session1-77")) is False
    assert await h.app.handle(_inbound(h, FINDING, "session2-3")) is False
    assert await _count(h, m.Finding) == 1


def test_keys() -> None:
    at = datetime(2024, 3, 11, 1, 30, tzinfo=UTC)
    a = Inbound(room=SYXX, sender=ZHOU, text="x", at=at, message_id="42", id_scope="wecom")
    later = Inbound(room=SYXX, sender=ZHOU, text="x", at=at + timedelta(minutes=10), message_id="42", id_scope="wecom")
    assert message_keys(a) == message_keys(later) == ["m:wecom:42"]
    long = Inbound(room=SYXX, sender=ZHOU, text="x", at=at, message_id="9" * 300, id_scope="wecom")
    (key,) = message_keys(long)
    assert key.startswith("m:") and len(key) <= 200 and key != message_keys(a)[0]
    b = Inbound(room=SYXX, sender=ZHOU, text="x", at=at, message_id="42")
    c = Inbound(room=SYXX, sender=ZHOU, text="y", at=at, message_id="42")
    assert message_keys(b)[0] != message_keys(c)[0] and all(message_keys(i)[0].startswith("id:42:") for i in (b, c))
    assert len(message_keys(b)) == 2 and len(message_keys(Inbound(room=None, sender=ZHOU, text="x", at=at))) == 1
