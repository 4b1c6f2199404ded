"""Which deliveries are the same message: platform ids (stable within an id scope, or not), reused ids, and the
content key as the fallback for renumbered redeliveries."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from bot.app import is_duplicate, message_keys
from bot.messages import Inbound
from bot.storage import models as m

SYXX, ZHOU = "room-syxx@chatroom", "wxid_zhouyonghong"
FINDING = "#问题 实验小学 扶手松动"


def _inbound(h, text: str, message_id: str, scope: str | None = None) -> Inbound:
    return Inbound(room=SYXX, sender=ZHOU, text=text, at=h.clock.now(), message_id=message_id, id_scope=scope)


async def _findings(h) -> int:
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(m.Finding))


async def test_a_reused_id_with_new_content_is_a_new_message_and_warned_about(harness, caplog) -> None:
    h = harness
    caplog.set_level(logging.INFO, logger="dudao.app")
    assert await h.app.handle(_inbound(h, FINDING, "msg-1000", scope="gateway-1")) is True
    assert await h.app.handle(_inbound(h, "#问题 实验小学 灭火器过期", "msg-1000", scope="gateway-2")) is True
    assert await _findings(h) == 2
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "msg-1000" in warning.getMessage() and "other content" in warning.getMessage()


async def test_the_same_id_and_content_again_is_a_duplicate_in_any_scope(harness) -> None:
    h = harness
    assert await h.app.handle(_inbound(h, FINDING, "m-7", scope="gateway-1")) is True
    assert await h.app.handle(_inbound(h, FINDING, "m-7", scope="gateway-1")) is False
    assert await h.app.handle(_inbound(h, FINDING, "m-7", scope="gateway-2")) is False
    assert await _findings(h) == 1


async def test_two_ids_with_the_same_content_in_one_scope_are_two_messages(harness) -> None:
    """`#查询 Q1` twice in one second, through a transport whose ids are stable: two questions, two answers."""
    h = harness
    await h.say(SYXX, ZHOU, FINDING)
    before = len(h.transport.sent)
    for message_id in ("q-1", "q-2"):
        assert await h.app.handle(_inbound(h, "#查询 Q1", message_id, scope="gateway-1")) is True
    await h.app.outbox.drain()
    assert len(h.transport.sent) - before == 2


async def test_the_same_content_under_a_new_id_is_answered_once(harness) -> None:
    """A renumbered redelivery: after a reconnect (another scope), or from a transport whose ids are unstable."""
    h = harness
    assert await h.app.handle(_inbound(h, FINDING, "session1-77", scope="gateway-1")) is True
    assert await h.app.handle(_inbound(h, FINDING, "session2-3", scope="gateway-2")) is False
    assert await h.app.handle(_inbound(h, FINDING, "session3-9")) is False  # no scope: ids unstable
    assert await _findings(h) == 1


def test_the_rule() -> None:
    ident, content, scoped = "id:m:abc", "h:abc", "s:1"
    assert is_duplicate([ident, content, scoped], {ident})
    assert not is_duplicate([ident, content, scoped], set())
    assert is_duplicate([ident, content, scoped], {content})  # seen in another scope only
    assert not is_duplicate([ident, content, scoped], {content, scoped})  # seen in this scope, other id
    assert is_duplicate([ident, content], {content})  # ids unstable
    assert is_duplicate([content], {content}) and not is_duplicate([content], set())


def test_keys_name_the_id_and_the_content() -> None:
    from datetime import UTC, datetime

    at = datetime(2024, 3, 11, 1, 30, tzinfo=UTC)
    a = Inbound(room=SYXX, sender=ZHOU, text="x", at=at, message_id="42", id_scope="g")
    b = Inbound(room=SYXX, sender=ZHOU, text="y", at=at, message_id="42", id_scope="g")
    assert message_keys(a)[0] != message_keys(b)[0] and all(k.startswith("id:42:") for k in
                                                            (message_keys(a)[0], message_keys(b)[0]))
    assert len(message_keys(a)) == 3 and len(message_keys(Inbound(room=None, sender=ZHOU, text="x", at=at))) == 1
