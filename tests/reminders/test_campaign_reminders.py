"""专项督导 reminders on the virtual clock, as for the start-of-term checks: the window's opening announced to each
district room, the checkers of schools not yet complete reminded in the window's last days (once), and the office
given the missing list after it closes. The campaign runs Mon 2024-03-04 … Fri 2024-03-15 over every school."""
from __future__ import annotations

from tests.support.cycle import CKZX, D1, D2, LIMING, LIU, OFFICE, ZHOU, harness_at, initiated, when

__all__ = ["harness_at"]
DECLARE = "#专项督导 双减 双减专项督导 3月4日-3月15日 范围 全部 检查项 作业总量控制；课后服务开展"


async def test_opening_reminder_and_missing_list(harness_at) -> None:
    h = await harness_at("2024-03-04T08:00:00+08:00")
    await h.say(OFFICE, LIU, DECLARE)
    await h.at("2024-03-04T12:00:00+08:00")
    opened = initiated(h, "【专项督导】")
    assert [(when(s), s.out.room) for s in opened][:2] == [("2024-03-04 09:00", D1), ("2024-03-04 09:00", D2)]
    assert "双减专项督导今天开始，3月15日截止" in opened[0].text
    assert "周永红：城口中学、县一中、实验小学" in opened[0].text and set(opened[0].out.mentions) == {ZHOU, LIMING}

    for school in ("城口中学", "县一中", "实验小学"):
        await h.say(CKZX if school == "城口中学" else D1, ZHOU, f"#专项检查 双减 {school} 1符合 2符合")
    await h.say(D1, LIMING, "#专项检查 双减 葛城小学 1不符合 作业量大")  # not complete yet
    await h.at("2024-03-13T12:00:00+08:00")
    reminded = initiated(h, "【专项督导提醒】")
    assert [when(s) for s in reminded] == ["2024-03-13 09:00"] * 3
    assert reminded[0].out.room == D1 and reminded[0].out.mentions == (LIMING,)
    assert "李明：葛城小学、机关幼儿园" in reminded[0].text and "城口中学" not in reminded[0].text
    assert "还剩3个工作日" in reminded[0].text

    await h.at("2024-03-20T12:00:00+08:00")
    assert len(initiated(h, "【专项督导提醒】")) == 3  # once
    [report] = initiated(h, "【专项督导完成情况】", OFFICE)
    assert when(report) == "2024-03-18 09:00"
    assert "应查 16 所，已完成 3 所（19%），不符合项 1 个" in report.text
    assert "第一责任区：3/5，不符合1项；未完成：葛城小学（李明）、机关幼儿园（李明）" in report.text
    assert report.text.index("第二责任区") < report.text.index("第一责任区")  # the most missing first
