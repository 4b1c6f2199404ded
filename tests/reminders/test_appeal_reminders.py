"""申诉中 pauses the finding's reminders (the ladder, the due-today reminder, 待验收 waiting too long), which go on
after a 维持 where the deadline puts them; the office is reminded each working day of the appeals waiting for its
decision longer than policy.appeal_within working days — on the virtual clock, across weekends and holidays."""
from __future__ import annotations

from tests.support.reminders import (
    CHEN,
    FXZX,
    HUANGJ,
    LIU,
    OFFICE,
    TAN,
    about,
    assert_polite,
    initiated,
    make,
    when,
)

__all__ = ["make"]
WAITING = "【申诉待决定】"


async def test_the_ladder_pauses_while_an_appeal_waits_and_goes_on_after_upheld(make) -> None:
    h = await make("2024-03-18T09:30:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 食堂冷库温度记录缺失 限期2天")  # due Wed 3-20
    await h.say(FXZX, HUANGJ, "#申诉 Q1 冷库由配送公司管理", at="2024-03-19T10:00:00+08:00")
    await h.at("2024-03-29T12:00:00+08:00")
    assert about("Q1", initiated(h)) == []  # neither the due-today reminder nor a step of the ladder
    await h.say(OFFICE, LIU, "#申诉 Q1 维持 冷库属学校食堂管理范围")  # the deadline stands: long past
    await h.at("2024-04-12T12:00:00+08:00")
    sent = initiated(h)
    assert_polite(sent)
    # the ladder catches up at the next sweep (Monday's digest, 08:30) to the highest step due by then (after: 3,
    # the district), the lower one recorded as skipped; the last step (after: 7) falls due at 09:00 that day
    assert [when(s) for s in about("Q1", sent, "逾期提醒")] == []
    assert [when(s) for s in about("Q1", sent, "逾期督办")] == ["2024-04-01 08:30"]
    assert [when(s) for s in about("Q1", sent, "问责")] == ["2024-04-01 09:00"]


async def test_a_report_awaiting_verification_is_not_chased_while_an_appeal_waits(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 围墙破损 限期10天")
    await h.say(FXZX, HUANGJ, "#整改 Q1 已修补", at="2024-03-12T16:00:00+08:00")  # 5 working days → 3-20 09:00
    await h.say(FXZX, HUANGJ, "#申诉 Q1 围墙属邻近单位", at="2024-03-13T10:00:00+08:00")
    await h.at("2024-03-25T12:00:00+08:00")
    assert about("Q1", initiated(h), "【待验收提醒】") == []
    await h.say(OFFICE, LIU, "#申诉 Q1 维持")
    await h.at("2024-03-27T12:00:00+08:00")
    assert [when(s) for s in about("Q1", initiated(h), "【待验收提醒】")] == ["2024-03-26 09:00"]


async def test_the_office_hears_each_working_day_of_appeals_waiting_too_long(make) -> None:
    """Qingming 2024: 04-04..06 off, Sunday 04-07 a working day. An appeal of Tue 04-02 has waited 5 working days
    (04-03, 04-07, 04-08, 04-09, 04-10) at the end of 04-10: the office hears of it from Thu 04-11, each working
    day, until it decides."""
    h = await make("2024-04-01T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 实验室危化品台账未更新 限期10天")
    await h.say(FXZX, HUANGJ, "#申诉 Q1 台账已于检查前更新，附照片", at="2024-04-02T10:00:00+08:00")
    await h.at("2024-04-15T12:00:00+08:00")
    await h.say(OFFICE, LIU, "#申诉 Q1 撤销 核实台账已更新")
    await h.at("2024-04-19T12:00:00+08:00")
    sent = about("Q1", initiated(h), WAITING)
    assert_polite(sent)
    assert [when(s) for s in sent] == ["2024-04-11 09:00", "2024-04-12 09:00", "2024-04-15 09:00"]
    assert all(s.out.room == OFFICE and set(s.out.mentions) == {LIU, TAN} for s in sent)
    assert "超过5个工作日" in sent[0].text and "4月2日申诉" in sent[0].text and "#申诉 编号 维持" in sent[0].text


async def test_a_county_may_allow_the_office_longer(make, tmp_path) -> None:
    from tests.support.paths import DEMO_COUNTY

    county = tmp_path / "county.yaml"
    county.write_text(DEMO_COUNTY.read_text(encoding="utf-8").replace(
        "  verify_within: 5个工作日", "  verify_within: 5个工作日\n  appeal_within: 10个工作日"), encoding="utf-8")
    h = await make("2024-03-11T10:00:00+08:00", county)
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 围墙破损 限期20天")
    await h.say(FXZX, HUANGJ, "#申诉 Q1 围墙属邻近单位")  # Mon 3-11: 10 working days to the end of 3-25
    await h.at("2024-03-27T12:00:00+08:00")
    sent = about("Q1", initiated(h), WAITING)
    assert [when(s) for s in sent] == ["2024-03-26 09:00", "2024-03-27 09:00"] and "超过10个工作日" in sent[0].text
