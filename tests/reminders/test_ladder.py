"""The rectification ladder through the real app: due today, overdue in the school room, the district room,
the office room (问责), on the virtual clock across weekends and statutory holidays."""
from __future__ import annotations

from tests.support.reminders import (
    CHEN,
    D1,
    D2,
    FXZX,
    HUANGJ,
    JGYEY,
    LIMING,
    LIU,
    OFFICE,
    SUNLI,
    TAN,
    ZHAOM,
    about,
    assert_polite,
    initiated,
    make,
    when,
)

__all__ = ["make"]


async def test_each_step_once_at_its_time_in_its_room(make) -> None:
    h = await make("2024-03-18T09:30:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 食堂冷库温度记录缺失 限期2天")  # due Wed 3-20
    await h.at("2024-04-12T12:00:00+08:00")
    sent = initiated(h)
    assert_polite(sent)
    due, step0 = about("Q1", sent, "到期提醒"), about("Q1", sent, "逾期提醒")
    district, office = about("Q1", sent, "逾期督办"), about("Q1", sent, "问责")
    assert [when(s) for s in due] == ["2024-03-20 09:00"] and due[0].out.room == FXZX
    assert due[0].out.mentions == (HUANGJ,)
    assert [when(s) for s in step0] == ["2024-03-21 09:00"] and step0[0].out.room == FXZX
    assert set(step0[0].out.mentions) == {HUANGJ, CHEN} and "黄军校长" in step0[0].text
    assert [when(s) for s in district] == ["2024-03-26 09:00"] and district[0].out.room == D2
    assert district[0].out.mentions == (CHEN,)
    assert [when(s) for s in office] == ["2024-04-01 09:00"] and office[0].out.room == OFFICE
    assert set(office[0].out.mentions) == {LIU, TAN} and "问责对象" in office[0].text
    assert len(about("Q1", sent)) == 4


async def test_national_day_2023_holiday_and_make_up_days(make) -> None:
    """2023-09-29..10-06 off; Sat 10-07 and Sun 10-08 are working days."""
    h = await make("2023-09-25T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 消防通道堆放杂物 限期3天")  # due Thu 9-28
    await h.say(FXZX, CHEN, "#问题 复兴中学 食品卫生 留样记录不全 10月2日前")  # due in the holiday
    await h.at("2023-10-20T12:00:00+08:00")
    sent = initiated(h)
    assert_polite(sent)
    assert not [s for s in sent if "2023-09-29" <= when(s) < "2023-10-07"]
    due = about("Q1", sent, "到期提醒")
    assert [when(s) for s in due] == ["2023-09-28 09:00"]
    assert "Q2" in due[0].text and "10月2日到期" in due[0].text  # due in the holiday: told the working day before
    step0 = about("Q1", sent, "逾期提醒")
    assert [when(s) for s in step0] == ["2023-10-07 09:00"]  # the Saturday make-up day
    assert step0[0].text.index("Q1") < step0[0].text.index("Q2")  # one message for both, most overdue first
    assert "已逾期9天" in step0[0].text and "已逾期5天" in step0[0].text
    assert [when(s) for s in about("Q1", sent, "逾期督办")] == ["2023-10-10 09:00"]
    assert [when(s) for s in about("Q1", sent, "问责")] == ["2023-10-16 09:00"]
    assert [when(s) for s in about("Q2", sent, "问责")] == ["2023-10-16 09:00"]
    assert len(about("Q2", sent)) == 4


async def test_qingming_2024_holiday(make) -> None:
    """2024-04-04..06 off; Sunday 04-07 is a working day."""
    h = await make("2024-04-01T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 实验室危化品台账未更新 限期4天")  # due Fri 4-05, a holiday
    await h.say(FXZX, CHEN, "#问题 复兴中学 教学常规 作业公示不及时 2个工作日", at="2024-04-02T10:00:00+08:00")
    await h.at("2024-04-20T12:00:00+08:00")
    sent = initiated(h)
    assert_polite(sent)
    assert not [s for s in sent if "2024-04-04" <= when(s) < "2024-04-07"]
    assert [when(s) for s in about("Q1", sent, "到期提醒")] == ["2024-04-03 09:00"]
    assert [when(s) for s in about("Q1", sent, "逾期提醒")] == ["2024-04-07 09:00"]  # Sunday, a working day
    assert [when(s) for s in about("Q2", sent, "到期提醒")] == ["2024-04-07 09:00"]  # 2 working days: 4-03, 4-07
    assert [when(s) for s in about("Q2", sent, "逾期提醒")] == ["2024-04-08 09:00"]
    assert [when(s) for s in about("Q1", sent, "逾期督办")] == ["2024-04-10 09:00"]


async def test_school_without_a_room_is_reached_in_its_district_room(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(D1, LIMING, "#问题 葛城小学 校务管理 档案管理不规范 限期3天")  # due Thu 3-14
    await h.at("2024-03-16T12:00:00+08:00")
    step0 = about("Q1", initiated(h), "逾期提醒")
    assert [(when(s), s.out.room) for s in step0] == [("2024-03-15 09:00", D1)]
    assert {ZHAOM, LIMING} <= set(step0[0].out.mentions)  # (merged with other notices for the room, if any)
    ladder_part = next(p for p in step0[0].text.split("\n\n") if "逾期提醒" in p)
    assert "赵敏" in ladder_part and "李明" in ladder_part


async def test_many_findings_in_one_room_read_as_one_short_message(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    for i in range(12):
        await h.say(JGYEY, LIMING, f"#问题 机关幼儿园 办园行为 第{i + 1}项问题 限期3天")
    await h.at("2024-03-15T12:00:00+08:00")
    step0 = about("Q1", initiated(h), "逾期提醒")
    assert len(step0) == 1
    text = step0[0].text
    assert "Q10" in text and "Q11" not in text and "另有 2 个" in text and "#清单 逾期" in text
    assert step0[0].out.mentions == (SUNLI, LIMING) and "每完成一项" in text
    assert len(text) < 600


async def test_a_step_waits_for_its_room_to_be_bound(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    async with h.app.db.transaction() as s:  # the office room is not bound yet
        from sqlalchemy import update

        from bot.storage import models as m
        from bot.storage.roster_repo import bump_version

        await s.execute(update(m.Room).where(m.Room.chat_id == OFFICE).values(active=False))
        await bump_version(s)
    await h.say(JGYEY, LIMING, "#问题 机关幼儿园 办园行为 保育记录缺失 限期1天")  # due 3-12, office step 3-22
    await h.at("2024-03-25T12:00:00+08:00")
    assert about("Q1", initiated(h), "问责") == []
    bound = await h.say(OFFICE, LIU, "#本群 督导室", at="2024-03-25T15:00:00+08:00")
    assert bound and "督导室" in bound[0].text
    await h.at("2024-03-26T12:00:00+08:00")
    office = about("Q1", initiated(h), "问责")
    assert [(when(s), s.out.room) for s in office] == [("2024-03-26 09:00", OFFICE)]
