"""#请假 through the real app: for oneself, by the office for someone, refusals; and what leave changes in the
monthly cycle (not reminded, not counted missing, the district lead told instead) and in the term checks."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage import models as m
from tests.support.cycle import CHEN, D1, D3, HELI, LIMING, LIU, OFFICE, WU, ZHOU, harness_at, initiated, when

__all__ = ["harness_at"]


async def _leaves(h) -> list[tuple[str, str, str, str]]:
    async with h.app.db.reading() as s:
        rows = (await s.execute(select(m.Leave.person_id, m.Leave.starts, m.Leave.ends, m.Leave.created_by)
                                .order_by(m.Leave.id))).all()
        names = {p.id: p.name for p in await s.scalars(select(m.Person))}
    return [(names[p], a.isoformat(), b.isoformat(), names[c]) for p, a, b, c in rows]


async def test_leave_for_oneself_and_by_the_office_for_someone(harness) -> None:
    h = harness
    mine = await h.one(D1, LIMING, "#请假 3月18日-3月22日")
    assert "已登记：李明 3月18日—3月22日请假（共5天）" in mine.text and "转给责任区负责人周永红" in mine.text
    by_office = await h.one(OFFICE, LIU, "#请假 何丽 3月20日至27日")
    assert "已登记：何丽 3月20日—3月27日请假（共8天）" in by_office.text and "暂停发送" in by_office.text  # a lead
    assert await _leaves(h) == [("李明", "2024-03-18", "2024-03-22", "李明"), ("何丽", "2024-03-20", "2024-03-27", "刘建国")]


async def test_leave_is_refused_for_others_and_needs_real_dates(harness) -> None:
    h = harness
    assert "只能为自己登记" in (await h.one(D1, LIMING, "#请假 何丽 3月20日-3月27日")).text
    assert "#请假 3月18日-3月22日" in (await h.one(D1, LIMING, "#请假 下周几天")).text  # dated from today
    assert "已经过去" in (await h.one(D1, LIMING, "#请假 3月1日-3月5日")).text
    assert "没有找到“李鸣”" in (await h.one(OFFICE, LIU, "#请假 李鸣 3月20日-3月27日")).text
    assert await _leaves(h) == []


async def test_on_leave_over_the_due_day_means_not_reminded_not_missing_and_the_lead_is_told(harness) -> None:
    h = harness
    await h.say(D1, ZHOU, "#月报 本月到校3次")
    await h.say(D1, LIMING, "#请假 3月20日-3月27日")
    await h.say(OFFICE, LIU, "#请假 何丽 3月20日-3月27日")  # a district lead: no one stands in
    await h.at("2024-03-26T12:00:00+08:00")
    d1 = initiated(h, "月报", D1)
    assert [when(s) for s in d1] == ["2024-03-20 09:00", "2024-03-25 09:00"]
    # the lead hears of it; 李明 is not @-mentioned (the 3-20 message also carries the 自查 reminder for D1)
    assert all(ZHOU in s.out.mentions and LIMING not in s.out.mentions for s in d1)
    monthly_part = next(p for p in d1[0].text.split("\n\n") if "月报提醒" in p)
    assert "李明请假至3月27日，3月月报暂不催报，请周永红知悉" in monthly_part and "尚未提交" not in monthly_part
    d3 = initiated(h, "月报提醒", D3)
    assert all(WU in s.out.mentions and HELI not in s.out.mentions and "何丽请假至3月27日" in s.text for s in d3)
    [office] = initiated(h, "月报提交情况", OFFICE)
    assert "应交 6 人，已交 1 人，未交 3 人" in office.text and "请假不计：李明至3月27日、何丽至3月27日" in office.text
    assert "第一责任区" not in office.text and CHEN not in office.out.mentions


async def test_a_supervisor_on_leave_has_the_district_lead_see_to_the_term_checks(harness_at) -> None:
    h = await harness_at("2023-09-11T10:00:00+08:00")
    await h.say(D1, LIMING, "#请假 9月11日-9月20日")
    await h.at("2023-09-13T12:00:00+08:00")
    [d1] = initiated(h, "【开学检查提醒】", D1)
    assert d1.out.mentions == (ZHOU,)
    assert "周永红（代李明，请假中）：城口中学、县一中、实验小学、葛城小学、机关幼儿园" in d1.text


async def test_the_bulletin_does_not_count_people_on_leave_as_missing(harness) -> None:
    h = harness
    await h.say(D1, ZHOU, "#月报 本月到校3次")
    await h.say(OFFICE, LIU, "#请假 何丽 3月20日-3月27日")
    bulletin = await h.one(OFFICE, LIU, "#通报", at="2024-03-29T10:00:00+08:00")
    line = next(x for x in bulletin.text.splitlines() if "月报" in x and "应报" in x)
    assert "何丽请假，不计" in line and "未报：" in line and "何丽、" not in line.split("（")[0]
    assert "李明" in line.split("（")[0]  # not on leave: still missing


async def test_back_early_ends_the_leave_and_reminders_resume(harness) -> None:
    h = harness
    await h.say(D1, LIMING, "#请假 3月18日-3月29日", at="2024-03-18T10:00:00+08:00")
    back = await h.one(D1, LIMING, "#销假", at="2024-03-19T10:00:00+08:00")
    assert "销假" in back.text
    assert "没有请假记录" in (await h.one(D1, LIMING, "#销假", at="2024-03-19T10:05:00+08:00")).text
    await h.at("2024-03-20T12:00:00+08:00")
    [reminder] = initiated(h, "月报提醒", D1)
    assert LIMING in reminder.out.mentions  # back at work: reminded like everyone else
    assert "由督导室" not in (await h.one(OFFICE, LIU, "#销假 李明")).text
