"""#27: inspections as people write them, through the real app — several findings in one message (every list
form, the head's defaults, a bad item refusing all, the limit), extensions that state their base, a past weekday
that suggests next week's, several schools in one #开学检查, near-commands, and #帮助 per role and room."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage import models as m
from tests.support.county_files import demo_yaml
from tests.support.harness import Harness

CKZX, D1, D3, OFFICE = "room-ckzx@chatroom", "room-d1@chatroom", "room-d3@chatroom", "room-office@chatroom"
ZHOU, WANG, LIU, WU = "wxid_zhouyonghong", "wxid_wangfang", "wxid_liujianguo", "wxid_wuhaibo"


async def _findings(h) -> list[m.Finding]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Finding).order_by(m.Finding.id)))


async def test_semicolon_parts_each_with_a_school_are_findings_of_their_own_schools(harness) -> None:
    sent = await harness.say(CKZX, ZHOU, "#问题 县一中 学生宿舍插线板私拉乱接 严重；城口中学 作业公示栏未更新 限期3天")
    here = sent[0].text
    assert here.startswith("已登记 2 个问题：Q1、Q2") and "作业公示栏未更新" in here
    assert "插线板" not in here  # 县一中's finding is not shown in 城口中学's room
    (notice,) = [s for s in sent if s.out.room == D1]
    assert "插线板" in notice.text and "作业公示栏" not in notice.text and notice.out.mention_names == ("张伟",)
    first, second = await _findings(harness)
    assert (first.description, first.severity) == ("学生宿舍插线板私拉乱接", "严重")
    assert (second.description, second.category, second.severity) == ("作业公示栏未更新", "课业负担", "一般")
    assert first.school_id != second.school_id


@pytest.mark.parametrize("marks", [("1.", "2.", "3."), ("1、", "2、", "3、"), ("（1）", "（2）", "（3）"),
                                   ("①", "②", "③"), ("一、", "二、", "三、")])
async def test_numbered_items_under_a_head_keep_their_line_breaks(harness, marks) -> None:
    text = (f"#问题 城口中学 限期5天\n{marks[0]} 消防通道堆放杂物；\n{marks[1]} 食堂留样记录不全，\n另有过期食材；\n"
            f"{marks[2]} 教室照明不足 严重")
    reply = await harness.one(CKZX, ZHOU, text)
    assert reply.text.startswith("已登记 3 个问题：Q1、Q2、Q3"), reply.text
    found = await _findings(harness)
    assert [f.description for f in found] == ["消防通道堆放杂物", "食堂留样记录不全，\n另有过期食材", "教室照明不足"]
    assert [f.severity for f in found] == ["一般", "一般", "严重"]
    assert len({f.due_date for f in found}) == 1  # the head's 限期5天 for every item
    assert {f.school_id for f in found} == {found[0].school_id}


async def test_a_resent_list_logs_nothing_twice_and_a_principals_list_is_refused(harness) -> None:
    text = "#问题 城口中学\n1. 消防通道堆放杂物\n2. 食堂留样记录不全"
    await harness.one(CKZX, ZHOU, text)
    reply = await harness.one(CKZX, ZHOU, text, at="2024-03-11T09:01:00+08:00")
    assert reply.text.startswith("这些问题此前已登记（Q1、Q2），没有重复登记")
    reply = await harness.one(CKZX, WANG, text)
    assert not reply.text.startswith("第1项")
    assert len(await _findings(harness)) == 2


async def test_a_command_glued_to_its_school_is_read(harness) -> None:
    await harness.one(CKZX, ZHOU, "#问题城口中学 灯坏了")
    assert [f.description for f in await _findings(harness)] == ["灯坏了"]


async def test_one_item_a_line_under_a_head_line(harness) -> None:
    sent = await harness.say(None, ZHOU, "#问题 实验小学 安全\n门卫脱岗\n灭火器过期 严重\n围墙破损")
    assert sent[0].text.startswith("已登记 3 个问题")
    assert [s.out.room for s in sent[1:]] == ["room-syxx@chatroom"]
    assert [f.category for f in await _findings(harness)] == ["安全稳定"] * 3


async def test_a_single_finding_with_a_semicolon_stays_one(harness) -> None:
    await harness.one(CKZX, ZHOU, "#问题 城口中学 校门口护栏损坏，存在安全隐患；请尽快处理 月底前")
    assert [f.description for f in await _findings(harness)] == ["校门口护栏损坏，存在安全隐患；请尽快处理"]


async def test_a_bad_item_refuses_the_whole_list_naming_it(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "#问题\n1. 城口中学 消防通道堆放杂物\n2. 城口二中 灭火器过期\n3. 县一中 围墙破损")
    assert reply.text.startswith("第2项（城口二中 灭火器过期）：没有找到学校“城口二中”") and "整条消息未登记" in reply.text
    assert await _findings(harness) == []
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学\n1. 护栏损坏 3月1日前\n2. 灯坏了")
    assert reply.text.startswith("第1项") and "已经过去" in reply.text
    assert await _findings(harness) == []


async def test_at_most_twenty_items(harness) -> None:
    items = "\n".join(f"{n}. 第{n}处灭火器过期" for n in range(1, 22))
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学\n" + items)
    assert "21 个问题" in reply.text and "最多登记 20 个" in reply.text
    assert await _findings(harness) == []
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学\n" + "\n".join(items.splitlines()[:20]))
    assert reply.text.startswith("已登记 20 个问题")
    assert len(await _findings(harness)) == 20


@pytest.mark.start("2026-09-12T09:00:00+08:00")
async def test_an_extension_of_an_overdue_finding_says_it_counts_from_today(harness) -> None:
    await harness.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 限期7天")  # due 9月19日
    sent = await harness.say(CKZX, WANG, "#申请延期 Q1 5天 材料未到", at="2026-09-23T09:00:00+08:00")
    assert "自今日（9月23日）起5天，由9月19日延至9月28日" in sent[0].text
    assert "自今日（9月23日）起5天" in [s for s in sent if s.out.room == OFFICE][0].text
    reply = await harness.one(OFFICE, LIU, "#延期 Q1 5天 同意申请")
    assert "自今日（9月23日）起5天，由9月19日延至9月28日" in reply.text


@pytest.mark.start("2026-09-12T09:00:00+08:00")
async def test_an_extension_before_the_deadline_counts_from_it(harness) -> None:
    await harness.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 限期7天")
    reply = await harness.one(OFFICE, LIU, "#延期 Q1 5天 材料未到", at="2026-09-15T09:00:00+08:00")
    assert "在原期限9月19日上延长5天，延至9月24日" in reply.text


async def test_a_county_may_count_extensions_from_the_old_deadline(county_db_url: str, tmp_path: Path) -> None:
    county = demo_yaml(tmp_path, edit={"  verify_within: 5个工作日": "  verify_within: 5个工作日\n  extend_from: deadline"})
    h = await Harness.create(county_db_url, tmp_path, county, start=datetime.fromisoformat("2026-09-12T09:00:00+08:00"))
    try:
        await h.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 限期7天")  # due 9月19日
        reply = await h.one(OFFICE, LIU, "#延期 Q1 5天 材料未到", at="2026-09-23T09:00:00+08:00")
        assert "在原期限9月19日上延长5天，延至9月24日" in reply.text
        reply = await h.one(OFFICE, LIU, "#延期 Q1 3天 材料未到", at="2026-09-30T09:00:00+08:00")
        assert "在原期限上延长3天是9月27日，仍然已经过去" in reply.text  # asked back, nothing changed
        assert (await _findings(h))[0].due_date.isoformat() == "2026-09-24"
    finally:
        await h.close()


@pytest.mark.start("2026-09-27T09:00:00+08:00")  # a Sunday
async def test_a_weekday_already_past_suggests_next_weeks(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 本周五前")
    assert "您是想写“下周五前”（10月2日）吗" in reply.text
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 9月1日前")
    assert "如“10月4日前”" in reply.text  # an example that would be accepted now
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 2月30日前")
    assert "“10月7日前”" in reply.text and "9月15日前" not in reply.text and "本周五前" not in reply.text
    assert await _findings(harness) == []


@pytest.mark.start("2026-08-28T09:00:00+08:00")
async def test_several_schools_in_one_term_check(harness) -> None:
    reply = await harness.one(D3, WU, "#开学检查 东安中学、咸宜小学、沿河幼儿园 完成")
    for name in ("城口县东安镇中学", "城口县咸宜镇中心小学", "城口县沿河乡幼儿园"):
        assert name in reply.text
    assert "没有找到学校" not in reply.text
    async with harness.app.db.reading() as s:
        assert len(list(await s.scalars(select(m.Submission)))) == 3


@pytest.mark.parametrize("text", ["#问 题 城口中学 灯坏了", "#。问题 城口中学 灯坏了", "#问-题 城口中学 灯坏了"])
async def test_near_commands_are_answered_with_the_message_corrected(harness, text: str) -> None:
    reply = await harness.one(CKZX, ZHOU, text)
    assert "您是想发：\n#问题 城口中学 灯坏了\n吗？" in reply.text
    assert await _findings(harness) == []


def _listed(text: str) -> set[str]:
    return {part.split()[0] for line in text.splitlines() if line.startswith("· ")
            for part in line.removeprefix("· ").split("；")}


@pytest.mark.parametrize("room", [CKZX, D1, None])
async def test_help_per_role_in_each_room(harness, room) -> None:
    principal = _listed((await harness.one(room, WANG, "#帮助")).text)
    assert {"#整改", "#申请延期", "#申诉"} <= principal and "#问题" not in principal
    supervisor = _listed((await harness.one(room, "wxid_liming", "#帮助")).text)
    assert {"#问题", "#修改", "#撤销", "#验收"} <= supervisor and "#申请延期" not in supervisor
    lead = _listed((await harness.one(room, ZHOU, "#帮助")).text)  # 周永红 leads 第一责任区
    assert {"#问题", "#汇总"} <= lead
    office = _listed((await harness.one(room, LIU, "#帮助")).text)
    assert {"#延期", "#驳回", "#导出"} <= office


async def test_help_in_a_room_bound_to_nothing_says_where_the_commands_work(harness) -> None:
    text = (await harness.one("room-new@chatroom", LIU, "#帮助")).text
    assert "#本群" in _listed(text) and "本群尚未绑定" in text and "请先发送“#本群 学校 学校名”" in text
    text = (await harness.one("room-new@chatroom", ZHOU, "#帮助")).text
    assert "#问题" in _listed(text) and "以上命令请在已绑定的群里或私聊我发送" in text and "#本群 学校" not in text
    assert "本群尚未绑定" not in (await harness.one(CKZX, ZHOU, "#帮助", at="2024-03-11T10:00:00+08:00")).text


async def test_a_command_word_with_a_colon_in_a_group_is_answered_by_its_users_only(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "问题：城口中学 灯坏了")
    assert "您是想发：\n#问题 城口中学 灯坏了\n吗？" in reply.text
    assert await harness.say(CKZX, WANG, "问题：下周几点开会？") == []  # a principal logs no findings: chat
    assert await harness.say(CKZX, ZHOU, "这个问题：明天再说") == []
    assert await _findings(harness) == []


async def test_help_examples_name_the_senders_own_school(harness) -> None:
    assert "如：#到校 城口中学 检查食堂和校车" in (await harness.one(CKZX, "wxid_liming", "#帮助")).text  # this room's
    assert "如：#到校 葛城小学 检查食堂和校车" in (await harness.one(None, "wxid_liming", "#帮助")).text  # his own
    assert "如：#开学检查 复兴中学 完成" in (await harness.one(None, "wxid_chenjing", "#帮助")).text


@pytest.mark.start("2026-12-06T10:00:00+08:00")  # a Sunday in December
async def test_every_dated_example_in_a_hint_would_be_accepted_now(harness) -> None:
    hints = [(await harness.one(CKZX, ZHOU, text)).text for text in
             ("#问题 城口中学 护栏损坏 本周五前", "#问题 城口中学 护栏损坏 11月1日前", "#问题 城口中学 护栏损坏 2月30日前",
              "#延期 Q1", "#请假 下周几天")]
    assert "“下周五前”（12月11日）" in hints[0] and "2027年12月4日" not in hints[0]
    assert "如“12月13日前”" in hints[1]
    assert "“12月16日前”“9号前”" in hints[2] and "本周五前" not in hints[2]
    assert "#请假 12月13日-12月17日" in hints[4]
    for hint in hints:  # each example date it shows, sent now, is accepted
        for day in re.findall(r"(?<!期限)“(\d{1,2}月\d{1,2}日)前”", hint):  # not the phrase refused
            sent = await harness.one(CKZX, ZHOU, f"#问题 城口中学 围墙破损{day} {day}前")
            assert "已登记问题" in sent.text, (day, sent.text)
