"""The closed loop end to end through the real app: 发现 → 整改 → 验收销号, refusals and edge cases."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.storage import models as m
from tests.support.photos import photo

SYXX = "room-syxx@chatroom"  # 实验小学督导联络群
OFFICE = "room-office@chatroom"
D1 = "room-d1@chatroom"
ZHOU, LIUYANG, LIU, CHEN, WANGF = "wxid_zhouyonghong", "wxid_liuyang", "wxid_liujianguo", "wxid_chenjing", "wxid_wangfang"


async def test_full_loop_with_failed_verification_and_photo(harness) -> None:
    h = harness
    created = await h.one(SYXX, ZHOU, "#问题 实验小学 安全稳定 二楼楼梯扶手松动 限期3天")
    assert "Q1" in created.text and "3月14日" in created.text
    assert created.out.mentions == (LIUYANG,)
    reported = await h.one(SYXX, LIUYANG, "#整改 Q1 已请维修工人加固扶手", at="2024-03-12T16:00:00+08:00")
    assert "待验收" in reported.text and reported.out.mentions == (ZHOU,)
    await h.say(SYXX, LIUYANG, files=(photo("a.png"),),
                at="2024-03-12T16:01:00+08:00")
    failed = await h.one(SYXX, ZHOU, "#验收 Q1 不通过 三楼扶手同样松动", at="2024-03-12T17:00:00+08:00")
    assert "不通过" in failed.text and "三楼扶手同样松动" in failed.text and failed.out.mentions == (LIUYANG,)
    await h.one(SYXX, LIUYANG, "＃整改 Q1：均已加固")
    passed = await h.one(SYXX, ZHOU, "#验收 Q1 通过")
    assert "销号" in passed.text
    record = await h.one(SYXX, ZHOU, "#查询 Q1")
    assert "已销号" in record.text and "1 张" in record.text and "验收不通过" in record.text
    async with h.app.db.reading() as s:
        kinds = list(await s.scalars(select(m.FindingEvent.kind).order_by(m.FindingEvent.id)))
        evidence = (await s.scalars(select(m.Evidence))).one()
    assert kinds == ["created", "rectified", "verify_failed", "rectified", "verify_passed"]
    assert evidence.finding_id is not None and len(evidence.sha256) == 64


async def test_photo_before_the_report_attaches_too(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, LIUYANG, files=(photo("b.jpg"),))
    reply = await h.one(SYXX, LIUYANG, "#整改 Q1 已加固")
    assert "已附照片 1 张" in reply.text


async def test_photo_outside_the_window_does_not_attach(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=(photo("c.jpg"),), at="2024-03-11T09:30:00+08:00")
    async with h.app.db.reading() as s:
        assert (await s.scalars(select(m.Evidence))).one().finding_id is None


async def test_principal_may_not_log_and_sees_a_polite_refusal(harness) -> None:
    reply = await harness.one(SYXX, LIUYANG, "#问题 实验小学 教学常规 作业量偏大")
    assert "抱歉" in reply.text and "Q1" not in reply.text
    async with harness.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.Finding)) == 0


async def test_supervisor_cannot_touch_another_districts_school(harness) -> None:
    reply = await harness.one(D1, CHEN, "#问题 实验小学 扶手松动")
    assert "抱歉" in reply.text


async def test_unknown_finding_and_invisible_finding_get_the_same_answer(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    invisible = await h.one(None, WANGF, "#查询 Q1")  # principal of another school, private chat
    missing = await h.one(None, WANGF, "#查询 Q99")
    assert invisible.text.replace("Q1", "Q?") == missing.text.replace("Q99", "Q?")


async def test_unknown_sender_gets_refusal_revealing_nothing(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    reply = await h.one(SYXX, "wxid_stranger", "#查询 Q1")
    assert "绑定" in reply.text and "扶手" not in reply.text


async def test_ordinary_chat_gets_no_reply(harness) -> None:
    assert await harness.say(SYXX, LIUYANG, "收到，问题马上整改") == []


async def test_withdraw_by_finder_and_extend_by_office(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期3天")
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 重复")
    refused = await h.one(SYXX, ZHOU, "#延期 Q1 5天 需采购")
    assert "督导室" in refused.text
    extended = await h.one(OFFICE, LIU, "#延期 Q1 5天 需采购设备")
    assert "3月19日" in extended.text  # 3月14日 + 5 days
    withdrawn = await h.one(SYXX, ZHOU, "#撤销 Q2 重复录入")
    assert "撤销" in withdrawn.text
    again = await h.one(SYXX, LIUYANG, "#整改 Q2 已处理")
    assert "已撤销" in again.text


async def test_verify_before_rectification_is_refused(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    reply = await h.one(SYXX, ZHOU, "#验收 Q1 通过")
    assert "尚未报告整改" in reply.text


async def test_working_day_deadline_and_severity_default(harness) -> None:
    h = harness  # 2024-03-11 is a Monday
    a = await h.one(SYXX, ZHOU, "#问题 实验小学 食堂留样缺失 2个工作日")
    assert "3月13日" in a.text
    b = await h.one(SYXX, ZHOU, "#问题 实验小学 消防器材过期 严重")  # 严重: 2 working days by policy
    assert "3月13日" in b.text and "严重" in b.text


async def test_school_name_fragment_ambiguous_and_unknown(harness) -> None:
    h = harness
    ambiguous = await h.one(D1, ZHOU, "#问题 城口 扶手松动")
    assert "多所学校" in ambiguous.text
    unknown = await h.one(D1, ZHOU, "#问题 城口实验小 扶手松动")
    assert "没有找到学校" in unknown.text and "城口县实验小学" in unknown.text
    ok = await h.one(D1, ZHOU, "#问题 实小 扶手松动")
    assert "Q1" in ok.text


async def test_notice_goes_to_the_school_room_when_logged_elsewhere(harness) -> None:
    replies = await harness.say(D1, ZHOU, "#问题 实验小学 扶手松动")
    rooms = [r.out.room for r in replies]
    assert rooms == [D1, SYXX] and replies[1].out.mentions == (LIUYANG,)


async def test_category_is_inferred_from_keywords(harness) -> None:
    reply = await harness.one(SYXX, ZHOU, "#问题 实验小学 食堂后厨留样记录不全")
    assert "食品卫生" in reply.text


async def test_lists_and_stats(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期1天")
    await h.say(SYXX, ZHOU, "#问题 实验小学 灭火器过期 限期10天")
    await h.at("2024-03-13T10:00:00+08:00")
    overdue = await h.one(SYXX, ZHOU, "#清单 逾期")
    assert "Q1" in overdue.text and "Q2" not in overdue.text
    everything = await h.one(SYXX, LIUYANG, "#清单")
    assert "Q1" in everything.text and "Q2" in everything.text
    stats = await h.one(OFFICE, LIU, "#统计")
    assert "共登记 2 个" in stats.text and "逾期 1 个" in stats.text


async def test_export_sends_the_ledger_as_xlsx(harness) -> None:
    from openpyxl import load_workbook

    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, ZHOU, "#问题 实验小学 灭火器过期")
    refused = await h.one(SYXX, ZHOU, "#导出")
    assert "督导室" in refused.text and not refused.out.files
    reply = await h.one(OFFICE, LIU, "#导出")
    assert "共 2 条" in reply.text and len(reply.out.files) == 1
    rows = list(load_workbook(reply.out.files[0]).active.iter_rows(values_only=True))
    status = rows[2].index("状态")  # under the title, the office's columns (tests/app/test_ledger_book.py)
    assert rows[2][1] == "编号" and [r[1] for r in rows[3:]] == ["Q1", "Q2"] and rows[3][status] == "待整改"


async def test_explicit_date_in_the_past_is_answered_politely(harness) -> None:
    reply = await harness.one(SYXX, ZHOU, "#问题 实验小学 扶手松动 2024年3月1日前")
    assert "出了问题" not in reply.text and "Q1" not in reply.text


async def test_office_statistics_are_broken_down_by_district(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期1天")
    await h.say(None, CHEN, "#问题 复兴中学 灭火器过期")
    await h.at("2024-03-13T10:00:00+08:00")
    stats = await h.one(OFFICE, LIU, "#统计")
    assert "全县问题统计" in stats.text and "共登记 2 个" in stats.text
    assert "第一责任区：登记1，已销号0，未销号1，整改逾期1，验收超期0" in stats.text
    assert "第二责任区：登记1，已销号0，未销号1，整改逾期0，验收超期0" in stats.text
    district = await h.one(D1, ZHOU, "#统计")  # a district room: that district only, no breakdown
    assert "第一责任区问题统计" in district.text and "共登记 1 个" in district.text and "·" not in district.text


async def test_statistics_show_withdrawn_on_a_line_of_their_own(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, ZHOU, "#撤销 Q1 重复录入")
    lines = (await h.one(SYXX, ZHOU, "#统计")).text.splitlines()
    assert lines[1] == "共登记 1 个：已销号 0 个，已撤销 1 个，未销号 0 个（待整改 0，待验收 0）"
    assert lines[2].startswith("整改逾期 0 个") and not any(line.startswith("整改率") for line in lines)
