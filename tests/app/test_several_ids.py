"""Several ids in one message (#整改 Q2、Q3 …): each is acted on, with one reply; an id that cannot be acted on is
named with its reason while the others go through."""
from __future__ import annotations

import pytest

SYXX, CKZX = "room-syxx@chatroom", "room-ckzx@chatroom"
ZHOU, LIUYANG, LIU = "wxid_zhouyonghong", "wxid_liuyang", "wxid_liujianguo"


async def _three(h) -> None:
    for text in ("扶手松动", "灭火器过期", "消防通道堵塞"):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 {text}")


@pytest.mark.parametrize("refs", ["Q1、Q2", "Q1,Q2", "Q1和Q2", "Q1-Q2", "q1，q2"])
async def test_rectify_several_with_one_reply(harness, refs: str) -> None:
    h = harness
    await _three(h)
    sent = await h.say(SYXX, LIUYANG, f"#整改 {refs} 均已整改完成")
    assert len(sent) == 1 and "Q1" in sent[0].text and "Q2" in sent[0].text and "Q3" not in sent[0].text
    assert sent[0].out.mentions == (ZHOU,)
    listed = await h.one(SYXX, ZHOU, "#清单 待验收")
    assert "Q1" in listed.text and "Q2" in listed.text and "Q3" not in listed.text
    assert "均已整改完成" in (await h.one(SYXX, ZHOU, "#查询 Q2")).text


async def test_an_id_that_cannot_be_acted_on_is_named_and_the_others_go_through(harness) -> None:
    h = harness
    await _three(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    sent = await h.say(SYXX, ZHOU, "#验收 Q1、Q2、Q9 通过")
    assert len(sent) == 1
    text = sent[0].text
    assert "Q1" in text and "销号" in text  # Q1 was rectified: struck off
    assert "Q2" in text and "尚未报告整改" in text  # Q2 was never reported rectified
    assert "Q9" in text and "没有找到" in text
    assert "已销号" in (await h.one(SYXX, ZHOU, "#查询 Q1")).text
    assert "待整改" in (await h.one(SYXX, ZHOU, "#查询 Q2")).text


async def test_several_at_another_school_reach_it_in_one_notice(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 排水沟堵塞")
    await h.say(CKZX, ZHOU, "#问题 城口中学 围墙破损")
    sent = await h.say("room-office@chatroom", LIU, "#延期 Q1、Q2 5天 需采购材料")
    there = [s for s in sent if s.out.room == CKZX]
    assert len(there) == 1 and "Q1" in there[0].text and "Q2" in there[0].text
    assert there[0].out.mentions == ("wxid_wangfang",)
    here = [s for s in sent if s.out.room == "room-office@chatroom"]
    assert len(here) == 1 and "Q1" in here[0].text and "Q2" in here[0].text


async def test_query_several(harness) -> None:
    h = harness
    await _three(h)
    sent = await h.say(SYXX, ZHOU, "#查询 Q1、Q3")
    assert len(sent) == 1 and "扶手松动" in sent[0].text and "消防通道堵塞" in sent[0].text


async def test_a_report_without_words_and_an_extension_without_a_reason_are_asked_for(harness) -> None:
    h = harness
    await _three(h)
    assert "请写明 Q1 的整改情况" in (await h.one(SYXX, LIUYANG, "#整改 Q1")).text
    assert "请写明原因" in (await h.one("room-office@chatroom", LIU, "#延期 Q1 5天")).text
    assert "#验收 Q1 不通过 原因" in (await h.one(SYXX, LIUYANG, "#整改 Q1 已加固", at="2024-03-11T10:00:00+08:00")
                                  and await h.one(SYXX, ZHOU, "#验收 Q1 不通过")).text


async def test_a_double_tap_is_answered_with_the_first_id_and_a_later_same_finding_is_logged(harness) -> None:
    h = harness
    first = await h.one(SYXX, ZHOU, "#问题 实验小学 扶手松动", msg_id="a")
    again = await h.one(SYXX, ZHOU, "#问题 实验小学 扶手松动", msg_id="b", at="2024-03-11T09:01:00+08:00")
    assert "Q1" in first.text and "Q1" in again.text and "没有重复登记" in again.text and "Q2" not in again.text
    other = await h.one(SYXX, "wxid_liujianguo", "#问题 实验小学 扶手松动", at="2024-03-11T09:02:00+08:00")
    assert "Q2" in other.text  # someone else's finding is their own
    later = await h.one(SYXX, ZHOU, "#问题 实验小学 扶手松动", at="2024-03-11T10:00:00+08:00")
    assert "Q3" in later.text  # an hour later: a new finding


async def test_a_near_command_gets_the_right_form_and_chat_gets_nothing(harness) -> None:
    h = harness
    await _three(h)
    hint = await h.one(SYXX, LIUYANG, "@督导助手 Q3已整改，灭火器已全部更换")
    assert "#已整改 Q3 灭火器已全部更换" in hint.text and "没有“" not in hint.text
    private = await h.one(None, LIUYANG, "Q1整改完成了，扶手已加固")
    assert "#整改完成 Q1 扶手已加固" in private.text
    assert await h.say(SYXX, LIUYANG, "Q3已整改，灭火器已全部更换") == []  # no mention: ordinary chat
    assert "没有“哈哈”这个命令" in (await h.one(SYXX, LIUYANG, "#哈哈")).text
