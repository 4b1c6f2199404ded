"""What a transport needs to know after a restart, recorded with the messages that make it true: who has written to
the bot in a private chat (Inlet.spoken_privately: a WeCom card's private copy goes only to them), and the message
a card's buttons went out with (Inlet.card, by bot.messages.card_id of its outbox key)."""
from __future__ import annotations

from bot.messages import Inbound, card_id

SYXX, ZHOU, LIUYANG, WANG = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang", "wxid_wangfang"


async def test_a_private_message_records_its_sender_a_group_message_or_an_event_does_not(harness) -> None:
    h = harness
    await h.say(None, ZHOU, "#帮助")
    await h.say(None, ZHOU, "#查询 Q99")  # refused (no such finding): recorded with the answer all the same
    await h.say(SYXX, LIUYANG, "@督导助手 #帮助")
    await h.app.handle(Inbound(room=None, sender=WANG, text="", at=h.clock.now(), message_id="enter:1",
                               id_scope="wecom", event="enter_chat"))
    assert await h.app.spoken_privately([ZHOU, LIUYANG, WANG, "nobody"]) == {ZHOU}
    assert await h.app.spoken_privately([]) == set()

    await h.say(None, WANG, "#查询 Q99")  # a refusal is still a message in a private chat
    assert await h.app.spoken_privately([ZHOU, WANG]) == {ZHOU, WANG}


async def test_the_message_a_card_went_out_with_is_found_by_its_card_id(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天")
    await h.say(SYXX, LIUYANG, "@督导助手 #整改 Q1 已清理通道")
    (request,) = [s.out for s in h.transport.sent if s.out.buttons]
    shown = await h.app.card(card_id(request.key))
    assert shown is not None and shown.text == request.text and shown.buttons == request.buttons
    assert shown.room == SYXX and shown.key == request.key
    assert await h.app.card(card_id("no such key")) is None
