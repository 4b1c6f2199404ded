"""待验收 waiting too long reminds the supervisor who must verify; people on leave are replaced by their
district lead in every finding reminder."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update

from bot.storage import models as m
from bot.storage.roster_repo import bump_version
from tests.support.reminders import (
    CHEN,
    FXZX,
    HUANGJ,
    JGYEY,
    LADDER,
    LIMING,
    LIUYANG,
    SUNLI,
    SYXX,
    ZHOU,
    about,
    initiated,
    make,
    when,
)

__all__ = ["make"]
VERIFY = "【待验收提醒】"


async def _leave(h, key: str, starts: str, ends: str) -> None:
    async with h.app.db.transaction() as s:
        person = await s.scalar(select(m.Person.id).where(m.Person.key == key))
        s.add(m.Leave(person_id=person, starts=date.fromisoformat(starts), ends=date.fromisoformat(ends),
                      at=h.clock.now()))


async def test_rectified_waiting_longer_than_verify_within_reminds_the_finder_once(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 二楼楼梯扶手松动 限期10天")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固", at="2024-03-12T16:00:00+08:00")  # Tue: 5 working days → 3-19
    await h.at("2024-04-12T12:00:00+08:00")
    sent = about("Q1", initiated(h), VERIFY)
    # (the same 09:00 message also carries the room's 自查 reminder, which mentions the principal)
    assert [(when(s), s.out.room, s.out.mentions[0]) for s in sent] == [("2024-03-20 09:00", SYXX, ZHOU)]
    assert "3月12日报告整改" in sent[0].text and "#验收 Q1 通过" in sent[0].text and "5个工作日" in sent[0].text


async def test_a_new_report_starts_a_new_wait(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期20天")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固", at="2024-03-12T16:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 不通过 三楼仍松动", at="2024-03-21T10:00:00+08:00")  # after the reminder
    await h.say(SYXX, LIUYANG, "#整改 Q1 三楼也已加固", at="2024-03-21T15:00:00+08:00")  # Thu → 3-29
    await h.at("2024-04-30T12:00:00+08:00")
    assert [when(s) for s in about("Q1", initiated(h), VERIFY)] == ["2024-03-20 09:00", "2024-03-29 09:00"]


async def test_verification_reminder_goes_to_the_schools_supervisors_when_the_finder_left(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(JGYEY, ZHOU, "#问题 机关幼儿园 保育记录缺失 限期10天")  # logged by the district lead
    await h.say(JGYEY, SUNLI, "#整改 Q1 已补齐", at="2024-03-12T10:00:00+08:00")
    async with h.app.db.transaction() as s:
        await s.execute(update(m.Person).where(m.Person.key == "p-zhou").values(active=False))
        await bump_version(s)
    await h.at("2024-03-21T12:00:00+08:00")
    sent = about("Q1", initiated(h), VERIFY)
    assert [(s.out.room, s.out.mentions[0]) for s in sent] == [(JGYEY, LIMING)] and ZHOU not in sent[0].out.mentions


async def test_supervisor_on_leave_is_replaced_by_the_district_lead(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(JGYEY, LIMING, "#问题 机关幼儿园 保育记录缺失 限期3天")  # due 3-14, step 0 on 3-15
    await _leave(h, "p-li", "2024-03-14", "2024-03-22")
    await h.at("2024-03-15T12:00:00+08:00")
    step0 = about("Q1", initiated(h), "【逾期提醒】")
    assert len(step0) == 1 and step0[0].out.mentions == (SUNLI, ZHOU)
    assert "李明督学请假，请周永红代为跟进。" in step0[0].text and "请李明" not in step0[0].text


async def test_principal_on_leave_and_the_verify_reminder_on_leave(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")
    await h.say(FXZX, CHEN, "#问题 复兴中学 消防器材过期 限期10天")
    await _leave(h, "p-huangj", "2024-03-11", "2024-03-31")
    await h.say(FXZX, HUANGJ, "#整改 Q2 已更换", at="2024-03-12T10:00:00+08:00")  # the deputy reports it
    await _leave(h, "p-chen", "2024-03-20", "2024-03-20")  # the verifier (also the lead) away on the day
    await h.at("2024-03-21T12:00:00+08:00")
    sent = initiated(h)
    due = about("Q1", sent, "【到期提醒】")
    assert due[0].out.mentions == (CHEN,) and "黄军校长请假，请陈静代为跟进。" in due[0].text
    verify = about("Q2", sent, VERIFY)
    assert [(when(s), s.out.mentions) for s in verify] == [("2024-03-20 09:00", ())]  # nobody to stand in
    assert "陈静督学请假中。" in verify[0].text and "请陈静" not in verify[0].text
    assert about("Q1", sent, LADDER)[0].out.mentions == (CHEN,)


async def test_leave_on_another_day_changes_nothing(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期3天")
    await _leave(h, "p-huangj", "2024-03-18", "2024-03-19")
    await h.at(datetime.fromisoformat("2024-03-15T12:00:00+08:00"))
    step0 = about("Q1", initiated(h), "【逾期提醒】")
    assert set(step0[0].out.mentions) == {HUANGJ, CHEN} and "请假" not in step0[0].text
