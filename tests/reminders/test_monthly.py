"""The monthly cycle (自查 → 月报 → 汇总) through the real app: filing and replacing reports, reminders only to
those missing (before and on the due day), the office's missing list the day after, and the 汇总 draft."""
from __future__ import annotations

from datetime import datetime

from tests.support.cycle import (
    CHEN,
    CKZX,
    D1,
    D2,
    D3,
    HELI,
    LIMING,
    LIU,
    LIUYANG,
    OFFICE,
    SYXX,
    WANGF,
    WU,
    YANG,
    ZHOU,
    harness_at,
    initiated,
    restart,
    submissions,
    when,
)

__all__ = ["harness_at"]


async def test_a_second_report_in_the_month_replaces_the_first_and_says_so(harness) -> None:
    h = harness
    first = await h.one(D1, LIMING, "#月报 本月到校4次")
    assert "已收到李明的3月月报" in first.text and "替换" not in first.text
    second = await h.one(D1, LIMING, "#月报 本月到校5次，发现问题3个", at="2024-03-12T10:00:00+08:00")
    assert "已替换3月11日 09:00提交的一份" in second.text
    await h.one(D1, ZHOU, "#月报 到校6次")  # another person's report replaces nothing
    rows = await submissions(h, "月报")
    assert [(r.text, r.period, r.superseded_at is not None) for r in rows] == [
        ("本月到校4次", "2024-03", True), ("本月到校5次，发现问题3个", "2024-03", False), ("到校6次", "2024-03", False)]


async def test_a_self_check_is_the_schools_and_the_office_may_file_it_in_the_school_room(harness) -> None:
    h = harness
    await h.one(SYXX, LIUYANG, "#自查 本月自查完成")
    by_office = await h.one(SYXX, LIU, "#自查 督导室代为补充：食堂台账已更新")
    assert "刘建国（实验小学）的3月学校自查" in by_office.text and "已替换" in by_office.text
    rows = await submissions(h, "自查")
    assert [(r.school_id, r.superseded_at is None) for r in rows] == [(rows[0].school_id, False),
                                                                        (rows[0].school_id, True)]


async def test_reports_are_refused_to_the_wrong_role(harness) -> None:
    h = harness
    assert "抱歉" in (await h.one(CKZX, WANGF, "#月报 本月情况")).text  # a principal sends 自查, not 月报
    assert "抱歉" in (await h.one(D1, LIMING, "#自查 本月情况")).text  # a supervisor is no principal
    assert "抱歉" in (await h.one(D1, LIMING, "#汇总")).text  # nor a district lead
    assert "#月报" in (await h.one(D1, LIMING, "#月报")).text  # no text: how to write one
    assert await submissions(h, "月报") == [] and await submissions(h, "自查") == []


async def test_reminders_go_only_to_the_missing_and_the_office_hears_who_is_missing_the_day_after(harness) -> None:
    h = harness
    await h.say(D1, LIMING, "#月报 本月到校4次", at="2024-03-19T15:00:00+08:00")
    await h.say(D2, CHEN, "#月报 本月到校3次", at="2024-03-22T10:00:00+08:00")  # after the first reminder
    await h.at("2024-03-27T12:00:00+08:00")
    names = {ZHOU: "周永红", CHEN: "陈静", YANG: "杨志强", HELI: "何丽", WU: "吴海波", LIMING: "李明"}

    def reminded(s) -> set[str]:  # who the 月报 part names (the message may carry other notices for the room too)
        part = next(p for p in s.text.split("\n\n") if "月报提醒" in p)
        named = {chat for chat, name in names.items() if f"· {name}" in part}
        assert named <= set(s.out.mentions)
        return named

    sent = [(when(s), s.out.room, reminded(s)) for s in initiated(h, "月报提醒")]
    assert sent == [("2024-03-20 09:00", D1, {ZHOU}), ("2024-03-20 09:00", D2, {CHEN, YANG}),
                    ("2024-03-20 09:00", D3, {HELI, WU}),
                    ("2024-03-25 09:00", D1, {ZHOU}), ("2024-03-25 09:00", D2, {YANG}),
                    ("2024-03-25 09:00", D3, {HELI, WU})]
    due_day = initiated(h, "月报提醒")[3].text
    assert "今天是3月月报的截止日" in due_day and "周永红" in due_day and "李明" not in due_day
    office = initiated(h, "月报提交情况", OFFICE)
    assert [when(s) for s in office] == ["2024-03-26 09:00"]
    assert "应交 6 人，已交 2 人，未交 4 人" in office[0].text
    assert "第三责任区（2）：何丽、吴海波" in office[0].text and "李明" not in office[0].text


async def test_a_due_day_on_a_weekend_is_reminded_on_the_working_day_before(harness_at) -> None:
    h = await harness_at("2024-04-08T10:00:00+08:00")  # 自查 due Saturday 4-20
    await h.say(SYXX, LIUYANG, "#自查 本月自查完成", at="2024-04-16T10:00:00+08:00")
    await h.at("2024-04-23T12:00:00+08:00")
    d1 = initiated(h, "学校自查提醒", D1)
    assert [when(s) for s in d1] == ["2024-04-17 09:00", "2024-04-19 09:00"]
    assert "4月学校自查于4月20日截止，今天是截止前最后一个工作日" in d1[1].text
    assert initiated(h, "学校自查提醒", SYXX) == []  # 实验小学 has sent its self-check
    assert len(initiated(h, "学校自查提醒", CKZX)) == 2  # 城口中学 has not: reminded in its own room
    office = initiated(h, "学校自查提交情况", OFFICE)
    assert [when(s) for s in office] == ["2024-04-22 09:00"] and "已交 1 所" in office[0].text


async def test_a_reminder_missed_while_the_bot_was_down_is_sent_once_when_it_is_back(harness) -> None:
    h = harness
    await h.at("2024-03-19T18:00:00+08:00")
    h.clock.advance_to(datetime.fromisoformat("2024-03-21T14:00:00+08:00"))  # down over the 3-20 reminder
    h2 = restart(h)
    await h2.app.sweep()  # the catch-up sweep at start
    await h2.app.outbox.drain()
    await h2.at("2024-03-25T12:00:00+08:00")
    sent = [(when(s), s.out.room) for s in initiated(h2, "月报提醒")]
    assert sent == [("2024-03-21 14:00", D1), ("2024-03-21 14:00", D2), ("2024-03-21 14:00", D3),
                    ("2024-03-25 09:00", D1), ("2024-03-25 09:00", D2), ("2024-03-25 09:00", D3)]


async def test_the_district_summary_drafts_itself_and_is_confirmed(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 二楼扶手松动 限期3天")
    await h.say(SYXX, ZHOU, "#到校 实验小学 检查楼梯", at="2024-03-12T10:00:00+08:00")
    await h.say(D1, LIMING, "#月报 本月到校2次")
    await h.say(CKZX, WANGF, "#自查 本月自查完成")
    draft = await h.one(D1, ZHOU, "#汇总", at="2024-03-26T10:00:00+08:00")
    for line in ("第一责任区2024年3月督导汇总", "· 实验小学：新发现1 已销号0 累计未销号1（整改逾期1） 到校1次",
                 "周永红 1次（登记问题1个）", "月报：已交 1/2，未交：周永红", "学校自查：已交 1/5", "#汇总 确认"):
        assert line in draft.text
    assert await submissions(h, "汇总") == []  # a draft is not a submission
    confirmed = await h.one(D1, ZHOU, "#汇总 确认")
    assert "已按草稿提交第一责任区3月责任区汇总" in confirmed.text
    [row] = await submissions(h, "汇总")
    assert row.period == "2024-03" and row.text.startswith("第一责任区2024年3月督导汇总")
    assert row.data["draft"]["totals"]["new"] == 1
    await h.at("2024-03-29T12:00:00+08:00")
    assert [s.out.room for s in initiated(h, "责任区汇总提醒") if when(s) == "2024-03-28 09:00"] == [D2, D3]
    [office] = initiated(h, "责任区汇总提交情况", OFFICE)
    assert "已交 1 个" in office.text and "陈静" in office.text and "周永红" not in office.text


async def test_a_report_sent_early_next_month_is_filed_as_last_months_when_that_one_is_missing(harness) -> None:
    h = harness
    late = await h.one(D2, CHEN, "#汇总 3月工作汇总", at="2024-04-01T10:00:00+08:00")
    assert "3月责任区汇总" in late.text and "记为补交" in late.text
    on_time = await h.one(D2, CHEN, "#汇总 4月工作汇总")  # March's is in now: this one is April's
    assert "4月责任区汇总" in on_time.text and "补交" not in on_time.text and "替换" not in on_time.text
    assert [r.period for r in await submissions(h, "汇总")] == ["2024-03", "2024-04"]
