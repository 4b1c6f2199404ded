"""#督办 Q12 要求 (handlers/urging.py): a supervisor of the school or the office reminds the school at once — in its
room, its principal @-mentioned, an event in the history; not a principal, not another school's supervisor, not
once the school has reported."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage import models as m

CKZX, D1, OFFICE = "room-ckzx@chatroom", "room-d1@chatroom", "room-office@chatroom"
ZHOU, WANGF, LIU, LIMING = "wxid_zhouyonghong", "wxid_wangfang", "wxid_liujianguo", "wxid_liming"


async def test_the_office_urges_from_its_room_and_the_school_hears_at_once(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 排水沟堵塞 限期5天")
    sent = await h.say(OFFICE, LIU, "#督办 Q1 本周内完成")
    at_school = [s for s in sent if s.out.room == CKZX]
    assert len(at_school) == 1 and "【督办】Q1" in at_school[0].text and "本周内完成" in at_school[0].text
    assert WANGF in at_school[0].out.mentions
    assert "督办" in (await h.one(CKZX, ZHOU, "#查询 Q1")).text.split("记录")[-1]


async def test_who_may_not_urge_and_when_not(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 排水沟堵塞 限期5天")
    assert "督办由责任督学或督导室办理" in (await h.one(CKZX, WANGF, "#督办 Q1")).text
    assert "没有找到 Q1" in (await h.one(D1, LIMING, "#督办 Q1")).text  # not his school: as unknown
    await h.say(CKZX, WANGF, "#整改 Q1 已疏通")
    assert "不能督办" in (await h.one(CKZX, ZHOU, "#督办 Q1")).text


async def test_a_desk_command_beside_the_bot_goes_through_its_app_and_out_at_once(harness) -> None:
    """`dudao run --web`: the desk's door (bot/cli/bootstrap.py desk_acts with the bot) is the bot's own app; the
    notice is queued in the command's transaction and the bot's sender, woken, sends it; the actor's answer is
    given back, not sent; the same form twice acts once."""
    from bot.cli.bootstrap import desk_acts
    from bot.messages import Inbound

    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 排水沟堵塞 限期5天")
    acts = desk_acts(h.app.settings, h.clock, h.app.db, h.app)
    liu = next(p for p in h.app.app.rosters.peek().people.values() if p.chat_id == LIU)
    form = Inbound(room=None, sender=LIU, text="#督办 Q1 今天处理", at=h.clock.now(), message_id="form-token-0001",
                   id_scope="desk", via="[网页] 刘建国", person_id=liu.id)
    before = len(h.transport.sent)
    said = await acts.act(form)
    assert said is not None and any("【督办】Q1" in s for s in said)
    await h.idle()
    sent = h.transport.sent[before:]
    assert [(s.out.room, s.out.to) for s in sent] == [(CKZX, None)] and "今天处理" in sent[0].text
    assert await acts.act(form) is None  # a double submit
    await h.idle()
    assert len(h.transport.sent) == before + 1
    async with h.app.db.reading() as session:
        urged = list(await session.scalars(select(m.FindingEvent.raw_text).where(m.FindingEvent.kind == "urged")))
    assert urged == ["[网页] 刘建国：#督办 Q1 今天处理"]
