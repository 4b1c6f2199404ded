"""申诉 (docs/design.md, "Correcting and asking"): the school's principal appeals with #申诉 Q12 原因; the office room
and the finder hear it; until the office decides (#申诉 Q12 维持 / 撤销 / 修改 …) the finding is 申诉中 — shown in
#查询 and #清单, not 整改逾期, the changes the decision settles waiting; the principal and the finder hear the
decision; the appeal and the decision are events in the history. Bad input is answered with the real reason and
changes nothing."""
from __future__ import annotations

import pytest

CKZX, OFFICE = "room-ckzx@chatroom", "room-office@chatroom"
ZHOU, WANGF, LIU, TAN = "wxid_zhouyonghong", "wxid_wangfang", "wxid_liujianguo", "wxid_tanxiaoyan"
LIUYANG = "wxid_liuyang"  # 实验小学's principal
REASON = "排水沟属市政管网，不归学校管理"


async def _finding(h) -> None:
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 排水沟堵塞 限期5天")  # Q1, due 3-16


async def _appealed(h) -> None:
    await _finding(h)
    await h.say(CKZX, WANGF, f"#申诉 Q1 {REASON}", at="2024-03-11T10:00:00+08:00")


async def _history(h, at: str) -> str:
    """Q1's record as the finder reads it, from its history on."""
    return (await h.one(CKZX, ZHOU, "#查询 Q1", at=at)).text


async def test_an_appeal_reaches_the_office_room_and_the_finder(harness) -> None:
    h = harness
    await _finding(h)
    sent = await h.say(CKZX, WANGF, f"#申诉 Q1 {REASON}")
    office = [s for s in sent if s.out.room == OFFICE]
    assert len(office) == 1 and "【申诉】" in office[0].text and REASON in office[0].text
    assert {LIU, TAN} <= set(office[0].out.mentions) and "#申诉 Q1 维持" in office[0].text
    here = [s for s in sent if s.out.room == CKZX]
    assert len(here) == 1 and ZHOU in here[0].out.mentions and "申诉中" in here[0].text
    record = await _history(h, "2024-03-11T09:05:00+08:00")
    assert "状态：待整改（申诉中）" in record and f"理由：{REASON}" in record and "待督导室决定" in record
    assert f"申诉：{REASON}" in record  # the appeal is an event in the history


async def test_the_finding_shows_the_appeal_in_every_list(harness) -> None:
    h = harness
    await _appealed(h)
    listed = (await h.one(CKZX, WANGF, "#清单")).text
    assert "Q1" in listed and "待整改（申诉中）" in listed
    office = (await h.one(OFFICE, LIU, "#清单")).text
    assert "待决定的申诉" in office and REASON in office
    only = (await h.one(OFFICE, LIU, "#清单 申诉中", at="2024-03-11T10:05:00+08:00")).text
    assert "申诉中问题共 1 个" in only and "Q1" in only


@pytest.mark.parametrize("sender,text,expected", [
    (ZHOU, f"#申诉 Q1 {REASON}", "申诉由本校校长/园长提出"),  # a supervisor, the finder himself
    (LIUYANG, f"#申诉 Q1 {REASON}", "没有找到 Q1"),  # another school's principal sees nothing of it
    (LIU, f"#申诉 Q1 {REASON}", "申诉由本校校长/园长提出"),  # the office decides appeals, it does not make them
    (WANGF, "#申诉 Q1", "请写明申诉的理由"),
    (WANGF, f"#申诉 Q9 {REASON}", "没有找到 Q9"),
    (WANGF, f"#申诉 {REASON}", "请写明问题编号"),
    (ZHOU, "#申诉 Q1 维持", "申诉决定由督导室办理"),  # only the office decides
])
async def test_an_appeal_that_cannot_be_made_is_answered_and_changes_nothing(harness, sender, text,
                                                                             expected) -> None:
    h = harness
    await _finding(h)
    assert expected in (await h.one(None, sender, text)).text
    record = await _history(h, "2024-03-11T10:00:00+08:00")
    assert "申诉" not in record and "状态：待整改\n" in record


@pytest.mark.parametrize("end,status", [
    (("#整改 Q1 已疏通", "#验收 Q1 通过"), "已销号"),
    (("#撤销 Q1 重复录入",), "已撤销"),
])
async def test_a_closed_finding_cannot_be_appealed(harness, end, status) -> None:
    h = harness
    await _finding(h)
    for text in end:
        await h.say(CKZX, WANGF if text.startswith("#整改") else ZHOU, text)
    refused = await h.one(CKZX, WANGF, f"#申诉 Q1 {REASON}", at="2024-03-11T10:00:00+08:00")
    assert f"目前是“{status}”状态，不能申诉" in refused.text
    assert "申诉" not in (await _history(h, "2024-03-11T10:05:00+08:00")).split("记录")[-1]


async def test_a_second_appeal_while_one_waits_is_refused_politely(harness) -> None:
    h = harness
    await _appealed(h)
    again = await h.say(CKZX, WANGF, "#申诉 Q1 再申诉一次", at="2024-03-12T10:00:00+08:00")
    assert len(again) == 1 and "已有一份申诉在等督导室决定" in again[0].text
    assert "再申诉一次" not in await _history(h, "2024-03-12T10:05:00+08:00")


async def test_the_office_must_name_its_decision(harness) -> None:
    h = harness
    await _appealed(h)
    asked = await h.one(OFFICE, LIU, "#申诉 Q1 我们研究一下", at="2024-03-11T11:00:00+08:00")
    assert "请写明对 Q1 申诉的决定" in asked.text and "#申诉 Q1 撤销 原因" in asked.text
    assert "需要原因" not in asked.text
    withdraw = await h.one(OFFICE, LIU, "#申诉 Q1 撤销", at="2024-03-11T11:05:00+08:00")
    assert "请写明撤销的原因" in withdraw.text
    record = await _history(h, "2024-03-11T11:10:00+08:00")
    assert "待整改（申诉中）" in record and "申诉决定" not in record


async def test_upheld_the_finding_goes_on_under_its_deadline_and_both_hear(harness) -> None:
    h = harness
    await _appealed(h)
    told = await h.say(OFFICE, LIU, "#申诉 Q1 维持 经复核属学校管理范围", at="2024-03-12T10:00:00+08:00")
    there = [s for s in told if s.out.room == CKZX]
    assert len(there) == 1 and {WANGF, ZHOU} <= set(there[0].out.mentions)
    assert "维持原认定" in there[0].text and "3月16日前完成整改" in there[0].text
    assert [s for s in told if s.out.room == OFFICE and "已在“城口中学督导联络群”通知" in s.text]
    record = await _history(h, "2024-03-12T10:05:00+08:00")
    assert "状态：待整改\n" in record and "申诉决定：维持（经复核属学校管理范围）" in record
    assert "申诉：" in record  # the appeal stays in the history
    assert "没有待决定的申诉" in (await h.one(OFFICE, LIU, "#申诉 Q1 维持", at="2024-03-12T10:10:00+08:00")).text


async def test_upheld_with_a_new_deadline(harness) -> None:
    h = harness
    await _appealed(h)
    told = await h.say(OFFICE, LIU, "#申诉 Q1 维持 期限 3月29日前", at="2024-03-20T10:00:00+08:00")
    there = [s for s in told if s.out.room == CKZX]
    assert "整改期限由3月16日调整为3月29日" in there[0].text and "3月29日前完成整改" in there[0].text
    record = await _history(h, "2024-03-20T10:05:00+08:00")
    assert "期限：3月29日前" in record and "延期" in record and "整改逾期" not in record


async def test_withdrawn_on_appeal(harness) -> None:
    h = harness
    await _appealed(h)
    told = await h.say(OFFICE, LIU, "#申诉 Q1 撤销 经核实属市政管网", at="2024-03-12T10:00:00+08:00")
    there = [s for s in told if s.out.room == CKZX]
    assert "撤销该问题" in there[0].text and "经核实属市政管网" in there[0].text and WANGF in there[0].out.mentions
    record = await _history(h, "2024-03-12T10:05:00+08:00")
    assert "状态：已撤销" in record and "申诉决定：撤销（经核实属市政管网）" in record


async def test_amended_on_appeal(harness) -> None:
    h = harness
    await _appealed(h)
    told = await h.say(OFFICE, LIU, "#申诉 Q1 修改 类别 校务管理", at="2024-03-12T10:00:00+08:00")
    there = [s for s in told if s.out.room == CKZX]
    assert "修改类别，安全稳定 → 校务管理" in there[0].text and "3月16日前完成整改" in there[0].text
    record = await _history(h, "2024-03-12T10:05:00+08:00")
    assert "类别：校务管理" in record and "状态：待整改\n" in record and "申诉决定：修改" in record
    same = await h.say(CKZX, WANGF, "#申诉 Q1 仍有异议", at="2024-03-12T11:00:00+08:00")  # a new appeal may follow
    assert [s for s in same if s.out.room == OFFICE and "仍有异议" in s.text]


async def test_a_correction_that_cannot_be_made_ends_nothing(harness) -> None:
    h = harness
    await _appealed(h)
    same = await h.one(OFFICE, LIU, "#申诉 Q1 修改 类别 安全稳定", at="2024-03-12T10:00:00+08:00")
    assert "本来就是这样" in same.text
    assert "待整改（申诉中）" in await _history(h, "2024-03-12T10:05:00+08:00")


async def test_while_it_waits_what_the_decision_settles_waits_too(harness) -> None:
    h = harness
    await _appealed(h)
    await h.say(CKZX, WANGF, "#整改 Q1 已先行疏通", at="2024-03-12T10:00:00+08:00")  # the school may still rectify
    verify = await h.one(CKZX, ZHOU, "#验收 Q1 通过")
    assert "Q1 正在申诉，待督导室作出决定后才能验收" in verify.text
    extend = await h.one(OFFICE, LIU, "#延期 Q1 5天 需采购")
    assert "正在申诉" in extend.text and "#申诉 Q1 维持" in extend.text
    record = await _history(h, "2024-03-12T10:05:00+08:00")
    assert "状态：待验收（申诉中）" in record and "验收通过" not in record


async def test_while_it_waits_it_is_not_overdue_and_is_again_after_upheld(harness) -> None:
    h = harness
    await _appealed(h)  # due 3-16
    stats = (await h.one(OFFICE, LIU, "#统计 城口中学", at="2024-03-20T10:00:00+08:00")).text
    assert "整改逾期 0 个" in stats and "申诉中 1 个" in stats
    assert "目前没有整改逾期的问题" in (await h.one(CKZX, ZHOU, "#清单 逾期")).text
    await h.say(OFFICE, LIU, "#申诉 Q1 维持", at="2024-03-20T11:00:00+08:00")
    stats = (await h.one(OFFICE, LIU, "#统计 城口中学", at="2024-03-20T11:05:00+08:00")).text
    assert "整改逾期 1 个" in stats and "申诉中" not in stats
    assert "Q1" in (await h.one(CKZX, ZHOU, "#清单 逾期")).text
    told = await h.one(CKZX, ZHOU, "#查询 Q1", at="2024-03-20T11:10:00+08:00")
    assert "待整改（整改逾期）" in told.text


async def test_disagreeing_in_everyday_words_gets_the_form(harness) -> None:
    h = harness
    await _finding(h)
    hint = await h.one(CKZX, WANGF, "@督导助手 Q1 这个问题我们有异议")
    assert "#申诉 Q1 理由" in hint.text
    assert await h.say(CKZX, WANGF, "这个问题我们有异议") == []  # not addressed to the bot: ordinary chat
