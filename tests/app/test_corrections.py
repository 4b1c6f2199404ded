"""Correcting and asking (docs/design.md): #修改 by the finder or the office while open, #申请延期 by the principal,
answered by the office with #延期 or #驳回 — each an event in the history, the principal told either way."""
from __future__ import annotations

import pytest

CKZX, SYXX, OFFICE = "room-ckzx@chatroom", "room-syxx@chatroom", "room-office@chatroom"
ZHOU, WANGF, LIU, LIMING = "wxid_zhouyonghong", "wxid_wangfang", "wxid_liujianguo", "wxid_liming"


async def _finding(h) -> None:
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 排水沟堵塞 限期5天")  # Q1, due 3-16


@pytest.mark.parametrize("text,shown", [
    ("#修改 Q1 描述 食堂后厨排水沟堵塞，污水外溢", "食堂后厨排水沟堵塞，污水外溢"),
    ("#修改 Q1 类别 食品卫生", "食品卫生"),
    ("#修改 Q1 期限 3月20日前", "3月20日"),
    ("#修改 Q1 严重", "严重"),
])
async def test_the_finder_corrects_an_open_finding_and_the_principal_hears(harness, text, shown) -> None:
    h = harness
    await _finding(h)
    sent = await h.say(CKZX, ZHOU, text)
    assert len(sent) == 1 and shown in sent[0].text and WANGF in sent[0].out.mentions
    record = await h.one(CKZX, ZHOU, "#查询 Q1")
    assert shown in record.text and "修改" in record.text  # the record and its history


async def test_a_new_deadline_moves_the_reminders(harness) -> None:
    h = harness
    await _finding(h)
    await h.say(CKZX, ZHOU, "#修改 Q1 期限 3月29日前")
    await h.at("2024-03-18T10:00:00+08:00")  # past the old deadline
    assert not [s for s in h.transport.sent if s.out.in_reply_to is None and "【逾期" in s.text]
    await h.at("2024-04-01T10:00:00+08:00")  # past the new one: the ladder starts
    assert [s for s in h.transport.sent if s.out.in_reply_to is None and "【逾期" in s.text and "Q1" in s.text]


@pytest.mark.parametrize("sender,text,expected", [
    (WANGF, "#修改 Q1 严重", "录入该问题的督学或督导室"),  # the principal may not
    (ZHOU, "#修改 Q1 颜色 红", "请这样修改 Q1"),
    (ZHOU, "#修改 Q1 类别 天气", "没有“天气”这个类别"),
    (ZHOU, "#修改 Q1 严重程度 一般", "本来就是这样"),
])
async def test_corrections_that_cannot_be_made_change_nothing(harness, sender, text, expected) -> None:
    h = harness
    await _finding(h)
    assert expected in (await h.one(CKZX, sender, text)).text
    assert "修改" not in (await h.one(CKZX, ZHOU, "#查询 Q1")).text.split("记录")[-1]


async def test_a_closed_finding_is_not_corrected(harness) -> None:
    h = harness
    await _finding(h)
    await h.say(CKZX, WANGF, "#整改 Q1 已疏通")
    await h.say(CKZX, ZHOU, "#验收 Q1 通过")
    assert "不能修改" in (await h.one(CKZX, ZHOU, "#修改 Q1 严重")).text


async def test_a_request_reaches_the_office_and_a_yes_reaches_the_principal(harness) -> None:
    h = harness
    await _finding(h)
    sent = await h.say(CKZX, WANGF, "#申请延期 Q1 5天 需采购管材")
    office = [s for s in sent if s.out.room == OFFICE]
    assert len(office) == 1 and "需采购管材" in office[0].text and LIU in office[0].out.mentions
    here = [s for s in sent if s.out.room == CKZX]
    assert len(here) == 1 and ZHOU in here[0].out.mentions and "督导室" in here[0].text  # the finder knows
    assert "待批复" in (await h.one(OFFICE, LIU, "#清单")).text
    record = (await h.one(CKZX, ZHOU, "#查询 Q1")).text
    assert "申请延期" in record and "需采购管材" in record and "待督导室批复" in record  # the request, open
    assert "已有一份延期申请" in (await h.one(CKZX, WANGF, "#申请延期 Q1 3天 再宽限", at="2024-03-11T10:00:00+08:00")).text
    yes = await h.say(OFFICE, LIU, "#延期 Q1 5天 同意申请")
    assert [s for s in yes if s.out.room == CKZX and WANGF in s.out.mentions and "延至" in s.text]
    assert "待批复" not in (await h.one(OFFICE, LIU, "#清单", at="2024-03-11T11:00:00+08:00")).text
    assert "待督导室批复" not in (await h.one(CKZX, ZHOU, "#查询 Q1", at="2024-03-11T11:05:00+08:00")).text


async def test_a_no_reaches_the_principal_and_ends_the_request(harness) -> None:
    h = harness
    await _finding(h)
    await h.say(CKZX, WANGF, "#申请延期 Q1 5天 需采购管材")
    no = await h.say(OFFICE, LIU, "#驳回 Q1 属日常维护，可当期完成")
    told = [s for s in no if s.out.room == CKZX and WANGF in s.out.mentions]
    assert len(told) == 1 and "未获同意" in told[0].text and "3月16日" in told[0].text
    assert "没有待批复的延期申请" in (await h.one(OFFICE, LIU, "#驳回 Q1 重复", at="2024-03-11T11:00:00+08:00")).text
    assert "待督导室批复" not in (await h.one(CKZX, ZHOU, "#查询 Q1", at="2024-03-11T11:05:00+08:00")).text


@pytest.mark.parametrize("sender,text,expected", [
    (ZHOU, "#申请延期 Q1 5天 需采购", "由本校校长/园长提出"),
    ("wxid_liuyang", "#申请延期 Q1 5天 需采购", "没有找到 Q1"),  # another school's principal sees nothing
    (WANGF, "#申请延期 Q1 5天", "请写明原因"),
    (WANGF, "#驳回 Q1 不行", "由督导室办理"),
])
async def test_requests_and_refusals_by_the_wrong_person_are_refused(harness, sender, text, expected) -> None:
    h = harness
    await _finding(h)
    assert expected in (await h.one(None, sender, text)).text


async def test_asking_for_more_time_in_everyday_words_gets_the_form(harness) -> None:
    h = harness
    await _finding(h)
    hint = await h.one(None, WANGF, "能不能宽限几天？")
    assert "#申请延期 Q编号 5天 原因" in hint.text
    hint = await h.one(CKZX, WANGF, "@督导助手 Q1 能不能宽限几天")
    assert "#申请延期 Q1 5天 原因" in hint.text
    assert await h.say(CKZX, WANGF, "能不能宽限几天？") == []  # not addressed to the bot: ordinary chat


async def test_a_request_on_a_finding_closed_meanwhile_cannot_be_refused(harness) -> None:
    h = harness
    await _finding(h)
    await h.say(CKZX, WANGF, "#申请延期 Q1 5天 需采购管材")
    await h.say(CKZX, WANGF, "#整改 Q1 已疏通", at="2024-03-11T10:00:00+08:00")
    await h.say(CKZX, ZHOU, "#验收 Q1 通过")
    refused = await h.one(OFFICE, LIU, "#驳回 Q1 不必延期")
    assert "已销号" in refused.text and "不能驳回" in refused.text and "出了问题" not in refused.text


async def test_a_finding_logged_at_the_wrong_school_is_moved_and_both_schools_hear(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天")  # Q1, meant for 城口中学
    sent = await h.say(SYXX, ZHOU, "#修改 Q1 学校 城口中学")
    there = next(s for s in sent if s.out.room == CKZX)
    assert "Q1（重庆市城口中学）的学校已由周永红督学修改：城口县实验小学 → 重庆市城口中学" in there.text
    assert WANGF in there.out.mentions  # the new school's principal must act
    assert any("Q1 已由周永红督学更正为重庆市城口中学的问题，不再列入城口县实验小学的整改清单" in s.text
               for s in sent if s.out.room == SYXX)
    query = await h.one(CKZX, WANGF, "#查询 Q1")
    assert query.text.startswith("Q1 重庆市城口中学") and "修改" in query.text
    refused = await h.one(SYXX, LIMING, "#修改 Q1 学校 葛城小学")  # not his finding
    still = await h.one(CKZX, WANGF, "#查询 Q1", at="2024-03-11T10:00:00+08:00")
    assert "Q1" in refused.text and still.text.startswith("Q1 重庆市城口中学")
    same = await h.one(CKZX, ZHOU, "#修改 Q1 学校 城口中学")
    assert same.text == "Q1 的学校本来就是这样，没有修改。"
