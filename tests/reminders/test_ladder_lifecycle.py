"""The ladder follows the closed loop: rectified, closed or withdrawn findings stop at once; a failed
verification resumes the ladder where it was; an extension (延期) starts a new one for the new deadline."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage import models as m
from tests.support.reminders import CHEN, FXZX, HUANGJ, LADDER, LIU, OFFICE, about, initiated, make, when

__all__ = ["make"]


async def test_rectified_closed_and_withdrawn_findings_are_not_chased(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    for what in ("冷库温度记录缺失", "消防器材过期", "留样记录不全", "校车台账缺失"):
        await h.say(FXZX, CHEN, f"#问题 复兴中学 {what} 限期3天")  # due Thu 3-14; step 0 on 3-15
    await h.at("2024-03-15T12:00:00+08:00")
    step0 = about("Q1", initiated(h), "逾期提醒")
    assert len(step0) == 1 and all(f"Q{i}" in step0[0].text for i in (1, 2, 3, 4))
    await h.say(FXZX, HUANGJ, "#整改 Q1 已补齐温度记录")  # 待验收: the school has reported
    await h.say(FXZX, HUANGJ, "#整改 Q2 已更换")
    await h.say(FXZX, CHEN, "#验收 Q2 通过")  # closed
    await h.say(OFFICE, LIU, "#撤销 Q3 重复录入")  # withdrawn
    await h.at("2024-04-15T12:00:00+08:00")
    later = [s for s in initiated(h) if when(s) > "2024-03-15 12:00"]
    assert about("Q1", later, LADDER) == [] and about("Q2", later) == [] and about("Q3", later) == []
    assert [when(s) for s in about("Q1", later, "【待验收提醒】")] == ["2024-03-25 09:00"]  # 5 working days later
    assert [when(s) for s in about("Q4", later, "逾期督办")] == ["2024-03-20 09:00"]
    assert [when(s) for s in about("Q4", later, "问责")] == ["2024-03-26 09:00"]


async def test_failed_verification_resumes_the_ladder_at_its_step(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")  # due 3-14: steps 3-15, 3-20, 3-26
    await h.say(FXZX, HUANGJ, "#整改 Q1 已补齐", at="2024-03-15T10:00:00+08:00")  # after step 0
    await h.say(FXZX, CHEN, "#验收 Q1 不通过 记录仍不完整", at="2024-03-22T10:00:00+08:00")  # past step 1's day
    await h.at("2024-04-15T12:00:00+08:00")
    sent = about("Q1", initiated(h), LADDER)
    # the step it missed while 待验收 goes out once, at the next sweep (Monday's 08:30 digest sweep)
    assert [when(s) for s in sent] == ["2024-03-15 09:00", "2024-03-25 08:30", "2024-03-26 09:00"]
    assert "逾期督办" in sent[1].text
    async with h.app.db.reading() as s:
        steps = (await s.execute(select(m.ReminderSent.step, m.ReminderSent.skipped)
                                 .where(m.ReminderSent.kind == "ladder").order_by(m.ReminderSent.step))).all()
    assert steps == [(0, False), (1, False), (2, False)]


async def test_an_extension_starts_a_new_ladder(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")  # due 3-14
    await h.at("2024-03-15T12:00:00+08:00")
    await h.say(OFFICE, LIU, "#延期 Q1 5天 需采购设备")  # from 3-15 (today): due 3-20
    await h.at("2024-04-15T12:00:00+08:00")
    sent = about("Q1", initiated(h))
    assert [(when(s), s.text[:6]) for s in sent] == [
        ("2024-03-14 09:00", "【到期提醒】"), ("2024-03-15 09:00", "【逾期提醒】"),
        ("2024-03-20 09:00", "【到期提醒】"), ("2024-03-21 09:00", "【逾期提醒】"),
        ("2024-03-26 09:00", "【逾期督办】"), ("2024-04-01 09:00", "【问责提示】"),
    ]


async def test_a_finding_logged_after_the_reminder_time_on_its_reminder_day_is_not_told_again(make) -> None:
    h = await make("2024-03-15T10:00:00+08:00")  # Friday
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期1天")  # due Sat: reminder day was today 09:00
    await h.at("2024-03-29T17:00:00+08:00")  # across the month's last-day 16:00 sweep too
    assert about("Q1", initiated(h), "到期提醒") == []
    assert [when(s) for s in about("Q1", initiated(h), "逾期提醒")] == ["2024-03-18 09:00"]
