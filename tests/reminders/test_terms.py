"""Start-of-term checks (开学检查) through the real app: the window's announcement, recording checks (with the
findings logged during the window), the reminder in its last days to those with unchecked schools only, and the
completion report to the office. The demo county's 2023年秋季学期 starts Fri 2023-09-01: window 8-25 … 9-15."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage import models as m
from tests.support.cycle import (
    CHEN,
    CKZX,
    D1,
    D2,
    D3,
    HELI,
    LIMING,
    OFFICE,
    WANGF,
    WU,
    YANG,
    ZHOU,
    harness_at,
    initiated,
    submissions,
    when,
)

__all__ = ["harness_at"]
TERM = "2023年秋季学期"


async def test_the_window_is_announced_checks_are_recorded_reminded_and_reported(harness_at) -> None:
    h = await harness_at("2023-08-21T10:00:00+08:00")
    await h.at("2023-08-25T12:00:00+08:00")
    opened = initiated(h, "【开学检查】")
    assert [(when(s), s.out.room) for s in opened] == [("2023-08-25 09:00", D1), ("2023-08-25 09:00", D2),
                                                       ("2023-08-25 09:00", D3)]
    assert set(opened[0].out.mentions) == {ZHOU, LIMING}
    assert f"{TERM}开学检查今天开始，9月15日截止" in opened[0].text
    assert "周永红：城口中学、县一中、实验小学" in opened[0].text and "李明：葛城小学、机关幼儿园" in opened[0].text

    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 消防通道堆放杂物", at="2023-08-28T10:00:00+08:00")
    reply = await h.one(CKZX, ZHOU, "#开学检查 城口中学 完成 发现问题2个")
    for part in ("重庆市城口中学", "已完成，发现问题2个", "已登记该校问题 1 个：Q1",
                 "还有 1 个问题未登记", "第一责任区已检查 1/5 所", "您负责的学校还未登记：县一中、实验小学"):
        assert part in reply.text
    [row] = await submissions(h, "开学检查")
    assert (row.period, row.data, row.district_id is not None) == (TERM, {"done": True, "problems": 2}, True)

    for school in ("县一中", "实验小学"):
        await h.say(D1, ZHOU, f"#开学检查 {school} 完成")
    await h.say(D1, LIMING, "#开学检查 葛城小学 完成 发现问题0个")
    await h.at("2023-09-13T12:00:00+08:00")
    reminded = initiated(h, "【开学检查提醒】")
    assert [(when(s), s.out.room) for s in reminded] == [("2023-09-13 09:00", D1), ("2023-09-13 09:00", D2),
                                                         ("2023-09-13 09:00", D3)]
    assert reminded[0].out.mentions == (LIMING,) and "李明：机关幼儿园" in reminded[0].text
    assert "城口中学" not in reminded[0].text and "还剩3个工作日" in reminded[0].text
    assert set(reminded[1].out.mentions) == {CHEN, YANG} and set(reminded[2].out.mentions) == {HELI, WU}

    await h.at("2023-09-20T12:00:00+08:00")
    assert len(initiated(h, "【开学检查提醒】")) == 3  # once, not every day
    [report] = initiated(h, "【开学检查完成情况】", OFFICE)
    assert when(report) == "2023-09-18 09:00"
    assert "应查 16 所，已查 4 所（25%），检查期间登记问题 1 个" in report.text
    assert "第一责任区：4/5，登记问题1个；未查：机关幼儿园（李明）" in report.text
    assert report.text.index("第三责任区") < report.text.index("第二责任区") < report.text.index("第一责任区")


async def test_checks_are_refused_to_others_and_outside_the_window(harness_at) -> None:
    h = await harness_at("2023-08-28T10:00:00+08:00")
    assert "抱歉" in (await h.one(CKZX, WANGF, "#开学检查 城口中学 完成")).text  # a principal
    assert "抱歉" in (await h.one(D1, LIMING, "#开学检查 城口中学 完成")).text  # not his school
    assert "请写明学校" in (await h.one(D1, LIMING, "#开学检查 完成")).text
    late = await h.one(D1, LIMING, "#开学检查 葛城小学 完成", at="2023-09-20T10:00:00+08:00")
    assert "记为补报" in late.text
    closed = await h.one(D1, LIMING, "#开学检查 葛城小学 完成", at="2023-11-20T10:00:00+08:00")
    assert "目前不在开学检查期内" in closed.text
    async with h.app.db.reading() as s:
        assert len(list(await s.scalars(select(m.Submission)))) == 1
