"""Digests to the office room through the real app: the weekly digest on Monday morning (or the next working day
when Monday is a holiday), the monthly 通报 draft on its day, and #周报 / #通报 on demand (office only)."""
from __future__ import annotations

from tests.support.cycle import (
    CHEN,
    CKZX,
    D1,
    FXZX,
    LIMING,
    LIU,
    LIUYANG,
    OFFICE,
    SYXX,
    ZHOU,
    between,
    harness_at,
    initiated,
    when,
)

__all__ = ["harness_at"]
WEEKLY, BULLETIN = "【督导周报】", "督导工作情况的通报"


async def test_the_weekly_digest_reaches_the_office_on_monday_morning_most_urgent_first(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天")  # Q1, due 3-14: red by April
    await h.say(FXZX, CHEN, "#问题 复兴中学 食品卫生 冷库温度记录缺失 限期2天", at="2024-03-25T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动", at="2024-03-26T10:00:00+08:00")  # Q3
    await h.say(SYXX, LIUYANG, "#整改 Q3 已加固")
    await h.say(SYXX, ZHOU, "#验收 Q3 通过")
    await h.say(FXZX, CHEN, "#到校 复兴中学 检查食堂", at="2024-03-27T10:00:00+08:00")
    await h.at("2024-04-01T12:00:00+08:00")
    weekly = initiated(h, WEEKLY, OFFICE)
    assert [when(s) for s in weekly] == ["2024-03-18 08:30", "2024-03-25 08:30", "2024-04-01 08:30"]
    text = weekly[-1].text
    for part in ("【督导周报】城口县 2024年第13周（3月25日—3月31日）",
                 "本周新发现问题 2 个：截至3月31日已销号 1 个（按期整改 1 个），未销号 1 个。",
                 "截至3月31日全县累计未销号 2 个，其中整改逾期 2 个（红色督办 1 个），验收超期 0 个。"
                 "本周整改率 50%，按期整改率 50%。\n（三色督办：",
                 "· 城口中学（第一责任区）：整改逾期1，红色1，累计未销号1",
                 "· 复兴中学（第二责任区）：整改逾期1，累计未销号1，本周新发现1",
                 "· 陈静：到校1次，登记问题1个", "· 周永红：到校0次，登记问题1个",
                 "无到校和登记记录：李明、杨志强、何丽、吴海波", "今后7天到期（4月1日—4月7日）"):
        assert part in text, part
    assert "本周新发现1" not in text.split("复兴中学")[0]  # Q1 was logged in an earlier week
    assert text.index("城口中学") < text.index("复兴中学")  # red first
    assert "第一责任区：新发现1 已销号1 未销号0 | 累计未销号1 整改逾期1 红色1 验收超期0" in text


async def test_the_march_bulletin_falls_on_a_sunday_and_goes_out_on_monday_as_its_own_message(harness) -> None:
    h = harness
    await h.at("2024-04-01T12:00:00+08:00")
    [bulletin] = initiated(h, BULLETIN, OFFICE)
    assert when(bulletin) == "2024-04-01 08:30" and WEEKLY not in bulletin.text
    assert bulletin.text.startswith("城口县人民政府教育督导室\n关于2024年3月责任督学挂牌督导工作情况的通报\n（草稿）")
    assert "各责任区、各学校（幼儿园）：" in bulletin.text and "月报：应报6人，已报0人" in bulletin.text


async def test_the_bulletin_goes_out_on_the_last_day_at_four_in_the_formal_style(harness_at) -> None:
    h = await harness_at("2024-04-22T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 二楼扶手松动 限期1天")
    await h.say(SYXX, ZHOU, "#到校 实验小学 复查扶手", at="2024-04-24T10:00:00+08:00")
    await h.at("2024-05-06T12:00:00+08:00")
    [bulletin] = initiated(h, BULLETIN, OFFICE)
    assert when(bulletin) == "2024-04-30 16:00"
    for part in ("共到校督导1次，新发现问题1个", "本月新发现问题中已销号0个（其中按期整改0个），未销号1个。",
                 "全县累计未销号问题1个（含往月），其中整改逾期1个，验收超期0个。",
                 "　　1. 城口县实验小学（第一责任区）Q1：二楼扶手松动，逾期7天。",
                 "主要集中在安全稳定（1个）", "城口县人民政府教育督导室\n2024年4月30日"):
        assert part in bulletin.text, part


async def test_a_digest_due_on_a_holiday_goes_out_at_the_first_sweep_of_the_next_working_day(harness_at) -> None:
    h = await harness_at("2023-09-25T10:00:00+08:00")  # Mon 10-02 is in the National Day holiday
    await h.at("2023-10-09T12:00:00+08:00")
    assert between(initiated(h), "2023-09-29T00:00:00+08:00", "2023-10-06T23:59:59+08:00") == []
    assert [when(s) for s in initiated(h, WEEKLY, OFFICE)] == ["2023-10-07 09:00", "2023-10-09 08:30"]
    [september] = initiated(h, BULLETIN, OFFICE)  # due Sat 9-30, a holiday too
    assert when(september) == "2023-10-07 09:00" and "2023年9月" in september.text


async def test_the_office_asks_for_digests_on_demand_and_no_one_else_may(harness) -> None:
    h = harness
    assert WEEKLY in (await h.one(OFFICE, LIU, "#周报")).text
    assert "通报\n（草稿，数据截至3月11日）" in (await h.one(OFFICE, LIU, "#通报")).text
    assert WEEKLY in (await h.one(None, LIU, "周报")).text  # privately too
    assert "只在督导室群" in (await h.one(D1, LIU, "#周报")).text  # not in a room others read
    refused = await h.one(D1, ZHOU, "#周报")
    assert "由督导室办理" in refused.text and WEEKLY not in refused.text
    assert "由督导室办理" in (await h.one(D1, LIMING, "#通报")).text


async def test_weekly_on_demand_says_which_days_it_counts_and_counts_only_those(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期3天", at="2024-03-13T10:00:00+08:00")  # week 11
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堵塞 限期3天", at="2024-03-20T09:00:00+08:00")  # week 12
    now = await h.one(OFFICE, LIU, "#周报", at="2024-03-20T11:30:00+08:00")
    assert now.text.startswith("【督导周报】城口县 2024年第12周（3月18日—3月24日，本周至今，统计到3月20日）\n"
                               "本周新发现问题 1 个：")
    last = await h.one(OFFICE, LIU, "#周报 上周")
    assert last.text.startswith("【督导周报】城口县 2024年第11周（3月11日—3月17日）\n本周新发现问题 1 个：截至3月17日")
    assert "城口中学" not in last.text.split("今后7天")[0]  # logged after that week: not in it
    by_number = await h.one(OFFICE, LIU, "#周报 第11周")
    assert by_number.text.split("今后7天")[0] == last.text.split("今后7天")[0]
    month = await h.one(OFFICE, LIU, "#周报 2024年3月")
    assert "不是一周" in month.text and WEEKLY not in month.text
