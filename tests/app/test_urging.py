"""#督办 Q12 要求 (handlers/urging.py): a supervisor of the school or the office reminds the school at once — in its
room, its principal @-mentioned, an event in the history; not a principal, not another school's supervisor, not
once the school has reported."""
from __future__ import annotations

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
