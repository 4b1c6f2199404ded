"""#清单 says what it counts (docs/design.md: "A list or count shown for 'your schools' says so; a district total is the
district"). 第一责任区 (room room-d1) has five open findings: three at 周永红's schools (she leads the district),
one at 李明's 葛城小学, one at 李明's 机关幼儿园 awaiting verification; 复兴中学 is in 第二责任区."""
from __future__ import annotations

CKZX, SYXX, JGYEY, FXZX = ("room-ckzx@chatroom", "room-syxx@chatroom", "room-jgyey@chatroom",
                           "room-fxzx@chatroom")
D1, OFFICE = "room-d1@chatroom", "room-office@chatroom"
ZHOU, LIMING, LIU, CHEN = "wxid_zhouyonghong", "wxid_liming", "wxid_liujianguo", "wxid_chenjing"
WANGF, SUNLI = "wxid_wangfang", "wxid_sunli"


async def _district_one(h) -> None:
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物 限期1天")  # Q1, overdue later
    await h.say(CKZX, ZHOU, "#问题 城口中学 宿舍门锁损坏 限期10天")  # Q2
    await h.say(SYXX, ZHOU, "#问题 实验小学 楼梯扶手松动 限期10天")  # Q3
    await h.say(D1, LIMING, "#问题 葛城小学 围墙裂缝 限期1天")  # Q4, overdue later
    await h.say(JGYEY, LIMING, "#问题 机关幼儿园 滑梯螺丝松动 限期10天")  # Q5
    await h.say(JGYEY, SUNLI, "#整改 Q5 已紧固")  # Q5 awaits verification
    await h.say(FXZX, CHEN, "#问题 复兴中学 围墙破损 限期10天")  # Q6, 第二责任区


def _refs(text: str) -> set[str]:
    return {f"Q{n}" for n in range(1, 7) if f"Q{n} " in text}


async def test_a_supervisor_who_does_not_lead_the_district_gets_his_schools_named_as_his(harness) -> None:
    h = harness
    await _district_one(h)
    listed = await h.one(D1, LIMING, "#清单")
    assert listed.text.startswith("您负责的学校未销号问题共 2 个") and "第一责任区" not in listed.text, listed.text
    assert _refs(listed.text) == {"Q4", "Q5"}
    overdue = await h.one(D1, LIMING, "#清单 逾期", at="2024-03-13T10:00:00+08:00")
    assert overdue.text.startswith("您负责的学校整改逾期问题共 1 个") and _refs(overdue.text) == {"Q4"}, overdue.text
    waiting = await h.one(D1, LIMING, "#清单 待验收")
    assert waiting.text.startswith("您负责的学校待验收问题共 1 个") and _refs(waiting.text) == {"Q5"}
    named = await h.one(None, LIMING, "#清单 第一责任区")  # the district named: still only his schools, said so
    assert named.text.startswith("您在第一责任区负责的学校未销号问题共 2 个"), named.text


async def test_the_lead_and_the_office_get_the_whole_district_under_its_name(harness) -> None:
    h = harness
    await _district_one(h)
    for sender in (ZHOU, LIU):
        listed = await h.one(D1, sender, "#清单")
        assert listed.text.startswith("第一责任区未销号问题共 5 个"), listed.text
        assert _refs(listed.text) == {"Q1", "Q2", "Q3", "Q4", "Q5"}
    overdue = await h.one(D1, ZHOU, "#清单 逾期", at="2024-03-13T10:00:00+08:00")
    assert overdue.text.startswith("第一责任区整改逾期问题共 2 个") and _refs(overdue.text) == {"Q1", "Q4"}
    county = await h.one(OFFICE, LIU, "#清单")
    assert county.text.startswith("全县未销号问题共 6 个")


async def test_a_school_room_and_a_principal_get_the_school_by_name(harness) -> None:
    h = harness
    await _district_one(h)
    room = await h.one(CKZX, ZHOU, "#清单")
    assert room.text.startswith("重庆市城口中学未销号问题共 2 个") and _refs(room.text) == {"Q1", "Q2"}
    principal = await h.one(None, WANGF, "#清单")
    assert principal.text.startswith("重庆市城口中学未销号问题共 2 个") and "您负责" not in principal.text
    waiting = await h.one(JGYEY, SUNLI, "#清单 待验收")
    assert waiting.text.startswith("城口县机关幼儿园待验收问题共 1 个") and _refs(waiting.text) == {"Q5"}
