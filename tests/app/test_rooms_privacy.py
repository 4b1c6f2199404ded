"""Right people, right room (docs/design.md, "Where messages go"): every change reaches who must act next at the
school's place, nothing about a school is shown in a room that may not show it, nothing is filed by guessing.

The school is 重庆市城口中学 (its room room-ckzx, district room room-d1; principal 王芳; supervisor 周永红, who also
sits in 实验小学's room room-syxx). The office is 刘建国."""
from __future__ import annotations

import pytest

CKZX, SYXX, FXZX = "room-ckzx@chatroom", "room-syxx@chatroom", "room-fxzx@chatroom"
D1, D2, OFFICE = "room-d1@chatroom", "room-d2@chatroom", "room-office@chatroom"
ZHOU, WANGF, LIU, CHEN = "wxid_zhouyonghong", "wxid_wangfang", "wxid_liujianguo", "wxid_chenjing"
DETAIL = "食堂排水沟堵塞"  # the finding's description: a detail no other school's room may read
PLACES = {"own room": CKZX, "another school's room": SYXX, "district room": D1, "office room": OFFICE,
          "private chat": None}

# event: (who acts, the command, the state the finding must be in first, who must hear of it next)
EVENTS = {
    "new finding": (ZHOU, f"#问题 城口中学 {DETAIL} 限期5天", None, WANGF),
    "rectification": (WANGF, "#整改 Q1 已疏通排水沟", "open", ZHOU),
    "verification passed": (ZHOU, "#验收 Q1 通过", "rectified", WANGF),
    "verification failed": (ZHOU, "#验收 Q1 不通过 仍有积水", "rectified", WANGF),
    "extension": (LIU, "#延期 Q1 5天 需采购材料", "open", WANGF),
    "withdrawal": (LIU, "#撤销 Q1 录入重复", "open", WANGF),
}


async def _prepare(h, state: str | None) -> None:
    if state is None:
        return
    await h.say(CKZX, ZHOU, f"#问题 城口中学 {DETAIL} 限期5天")
    if state == "rectified":
        await h.say(CKZX, WANGF, "#整改 Q1 已疏通")


def _shows_ckzx(room: str | None) -> bool:
    return room in (None, CKZX, D1, OFFICE)


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("event", list(EVENTS))
async def test_every_change_reaches_who_must_act_and_shows_nothing_where_it_must_not(harness, event, place) -> None:
    sender, text, state, next_person = EVENTS[event]
    here = PLACES[place]
    await _prepare(harness, state)
    sent = await harness.say(here, sender, text, msg_id="act")
    # who must act next is @-mentioned exactly once, in the school's own room
    told = [s for s in sent if next_person in s.out.mentions]
    assert len(told) == 1 and told[0].out.room == CKZX and "Q1" in told[0].text, [s.out for s in sent]
    # the sender hears where they spoke
    answer = [s for s in sent if (s.out.room == here if here else s.out.to == sender)]
    assert len(answer) == 1, [s.out for s in sent]
    # nothing about 城口中学 in a room that may not show it; everything only in rooms that may
    for s in sent:
        if s.out.room is not None and not _shows_ckzx(s.out.room):  # only the short acknowledgement, no details
            assert s.out.room == here and DETAIL not in s.text and "积水" not in s.text and "材料" not in s.text
            assert "Q1" in s.text and "城口中学督导联络群" in s.text, s.text
    if here != CKZX:
        assert len(sent) == 2  # the sender's answer here, the notice there: nothing else


async def test_a_school_without_a_room_is_reached_in_its_district_room_then_privately(harness) -> None:
    h = harness
    sent = await h.say(SYXX, ZHOU, "#问题 县一中 宿舍消防通道堆放杂物")  # 县一中 has no room of its own
    notice = next(s for s in sent if "wxid_zhangwei" in s.out.mentions)
    assert notice.out.room == D1
    assert "宿舍" not in next(s for s in sent if s.out.room == SYXX).text
    await h.say(D1, LIU, "#本群 解除")  # now 第一责任区 has no room either
    sent = await h.say(SYXX, ZHOU, "#问题 县一中 实验室危化品未上锁")
    private = [s for s in sent if s.out.to == "wxid_zhangwei"]
    assert len(private) == 1 and "危化品" in private[0].text
    assert "私信" in next(s for s in sent if s.out.room == SYXX).text


@pytest.mark.parametrize("text", ["#查询 Q1", "#清单 城口中学", "#统计 城口中学"])
async def test_queries_about_a_school_this_room_may_not_show_go_privately(harness, text) -> None:
    h = harness
    await _prepare(h, "open")
    sent = await h.say(SYXX, ZHOU, text)
    here = [s for s in sent if s.out.room == SYXX]
    private = [s for s in sent if s.out.to == ZHOU]
    assert len(here) == 1 and "私信" in here[0].text and DETAIL not in here[0].text and "Q1" not in here[0].text
    assert len(private) == 1 and "城口中学" in private[0].text
    shown = await h.say(CKZX, ZHOU, text)  # its own room shows it
    assert len(shown) == 1 and shown[0].out.room == CKZX


async def test_a_district_room_lists_only_its_district(harness) -> None:
    h = harness
    await _prepare(h, "open")
    await h.say(FXZX, CHEN, "#问题 复兴中学 围墙破损")
    listed = await h.one(D1, LIU, "#清单")
    assert "Q1" in listed.text and "围墙" not in listed.text
    county = await h.one(OFFICE, LIU, "#清单")
    assert "Q1" in county.text and "围墙" in county.text
    other = await h.say(D2, LIU, "#查询 Q1")
    assert DETAIL not in next(s for s in other if s.out.room == D2).text


async def test_export_outside_the_office_room_is_sent_privately(harness) -> None:
    h = harness
    await _prepare(h, "open")
    sent = await h.say(SYXX, LIU, "#导出")
    assert [s.out.files for s in sent if s.out.room == SYXX] == [()]
    assert [s for s in sent if s.out.to == LIU and s.out.files]
    in_office = await h.say(OFFICE, LIU, "#导出")
    assert len(in_office) == 1 and in_office[0].out.files


@pytest.mark.parametrize("word", ["城口二中", "中心小学", "东城幼儿园"])
async def test_a_school_room_never_files_under_its_school_by_guessing(harness, word) -> None:
    h = harness
    reply = await h.one(FXZX, CHEN, f"#问题 {word} 安全稳定 围墙破损")
    assert "Q1" not in reply.text and word in reply.text and ("您是指" in reply.text or "多所学校" in reply.text
                                                               or "没有找到" in reply.text)
    assert "Q1" in (await h.one(FXZX, CHEN, "#问题 围墙破损")).text  # the school may still be left out
    assert "复兴中学" in (await h.one(FXZX, CHEN, "#查询 Q1")).text


REFUSALS = [  # (sender, command, state, the reason the refusal must give)
    (ZHOU, "#整改 Q1 已疏通", "open", "只有本校校长"),
    (ZHOU, "#延期 Q1 5天", "open", "由督导室办理"),
    (ZHOU, "#导出", None, "由督导室办理"),
    (ZHOU, "#周报", None, "由督导室办理"),
    (ZHOU, "#自查 本月自查完成", None, "自查由校长/园长提交"),
    ("wxid_liming", "#问题 城口中学 围墙破损", None, "不在您的责任范围内"),
    ("wxid_liming", "#汇总 本月情况良好", None, "责任区负责人"),
    (WANGF, "#问题 城口中学 围墙破损", None, "由责任督学或督导室办理"),
    (WANGF, "#验收 Q1 通过", "rectified", "由责任督学或督导室办理"),
    (WANGF, "#月报 本月情况", None, "月报由责任督学提交"),
    (WANGF, "#撤销 Q1 录入错误", "open", "录入该问题的督学或督导室"),
    (WANGF, "#清单 实验小学", None, "只能办理本校"),
    (WANGF, "#本群 学校 城口中学", None, "由督导室办理"),
]


@pytest.mark.parametrize("sender,text,state,reason", REFUSALS, ids=[f"{r[0][5:]}:{r[1].split()[0]}" for r in REFUSALS])
async def test_refusals_give_the_real_reason(harness, sender, text, state, reason) -> None:
    await _prepare(harness, state)
    reply = await harness.one(None, sender, text)
    assert "抱歉" in reply.text and reason in reply.text, reply.text
    assert "不在您的责任范围内" not in reply.text or reason == "不在您的责任范围内"


async def test_an_unbound_room_tells_the_office_how_to_bind_it_and_is_silent_to_others(harness) -> None:
    h = harness
    room = "room-new@chatroom"
    hint = await h.one(room, LIU, "#清单")
    assert "还没有绑定" in hint.text and "#本群" in hint.text
    assert await h.say(room, ZHOU, "#清单") == []
    assert await h.say(room, ZHOU, "#问题") == []  # not even a usage hint: the room shows nothing
    assert await h.say(room, "wxid_stranger", "#问题 城口中学 围墙破损") == []
