"""责任督学考核 on a seeded March 2024 (no holiday in it), counted by hand:

周永红 (第一责任区, lead; 城口中学, 县一中, 实验小学): visits 实验小学 ×2, 城口中学, 葛城小学 (a district school, not his) —
4 visits, 2 of 3 assigned schools; logs Q1 (实验小学), Q2 (城口中学) and Q3 (withdrawn: not counted); verifies Q1
the day after its report (on time), fails Q2 six working days after its report of Tue 12th (late: the 5th working
day after it is Tue 19th), passes Q2 the day after its second report (on time) — 3 verifications, 2 on time;
月报 on the 20th (on time). 李明 (葛城小学, 机关幼儿园): one visit, logs Q4, 月报 on 2 April (filed as March, late).
陈静 (第二责任区 lead): on leave over the 25th, no 月报 (excused). 杨志强, 何丽, 吴海波: nothing (月报 missing).
The office verifying does not count for anyone."""
from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from bot.parsing.periods import parse_period
from bot.reports.assessment import assessment
from bot.reports.assessment_book import HEADERS
from bot.storage.roster_repo import load_roster

SYXX, CKZX, OFFICE, D1 = "room-syxx@chatroom", "room-ckzx@chatroom", "room-office@chatroom", "room-d1@chatroom"
ZHOU, LIMING, CHEN, LIU = "wxid_zhouyonghong", "wxid_liming", "wxid_chenjing", "wxid_liujianguo"
LIUYANG, WANGF, ZHAOM = "wxid_liuyang", "wxid_wangfang", "wxid_zhaomin"


async def seed_march(h) -> None:
    await h.say(SYXX, ZHOU, "#到校 实验小学 检查食堂")
    await h.say(CKZX, ZHOU, "#到校 城口中学 检查校车")
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天")  # Q1
    await h.say(CKZX, ZHOU, "#问题 城口中学 食品卫生 留样记录不全 限期3天")  # Q2
    await h.say(SYXX, ZHOU, "#问题 实验小学 围墙破损 限期3天")  # Q3
    await h.say(OFFICE, LIU, "#撤销 Q3 重复录入")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固", at="2024-03-12T10:00:00+08:00")
    await h.say(CKZX, WANGF, "#整改 Q2 已补全", at="2024-03-12T11:00:00+08:00")
    await h.say(SYXX, ZHOU, "#到校 实验小学 复查扶手", at="2024-03-13T09:30:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 通过", at="2024-03-13T10:00:00+08:00")
    await h.say(None, LIMING, "#到校 葛城小学 检查宿舍", at="2024-03-14T10:00:00+08:00")
    await h.say(None, LIMING, "#问题 葛城小学 安全稳定 灭火器过期 限期5天")  # Q4
    await h.say(None, ZHOU, "#到校 葛城小学 陪同检查", at="2024-03-15T10:00:00+08:00")
    await h.say(None, CHEN, "#请假 3月22日-3月27日", at="2024-03-18T09:00:00+08:00")
    await h.say(None, ZHOU, "#月报 本月到校4次", at="2024-03-20T09:00:00+08:00")
    await h.say(CKZX, ZHOU, "#验收 Q2 不通过 仍缺三天记录", at="2024-03-20T10:00:00+08:00")
    await h.say(CKZX, WANGF, "#整改 Q2 已补齐", at="2024-03-20T15:00:00+08:00")
    await h.say(CKZX, ZHOU, "#验收 Q2 通过", at="2024-03-21T10:00:00+08:00")
    await h.say(None, ZHAOM, "#整改 Q4 已更换", at="2024-03-21T11:00:00+08:00")
    await h.say(OFFICE, LIU, "#验收 Q4 通过", at="2024-03-22T10:00:00+08:00")  # the office: nobody's count
    await h.say(None, LIMING, "#月报 三月到校1次", at="2024-04-02T09:00:00+08:00")  # filed as March: late


EXPECTED = {  # name → (schools, visited, visits, findings, verifications, on time, due, on time, late, missing, excused)
    "周永红": (3, 2, 4, 2, 3, 2, 1, 1, 0, 0, 0),
    "李明": (2, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0),
    "陈静": (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    "杨志强": (2, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0),
    "何丽": (3, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0),
    "吴海波": (3, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0),
}
NUMBERS = ("挂牌学校数", "到校学校数", "到校次数", "发现问题数", "验收次数", "按时验收次数", "月报应报", "月报按时",
           "月报逾期", "月报未报", "请假免报")


async def test_the_assessment_counts_match_the_hand_count(harness) -> None:
    h = harness
    await seed_march(h)
    await h.at("2024-04-03T10:00:00+08:00")
    async with h.app.db.reading() as s:
        roster = await load_roster(s)
        now = h.clock.now()
        a = await assessment(s, roster, parse_period("2024-03", date(2024, 4, 3)), now)
        first = next(d.id for d in roster.districts.values() if d.name == "第一责任区")
        lead_only = await assessment(s, roster, parse_period("2024-03", date(2024, 4, 3)), now, frozenset({first}))
    got = {r.name: (len(r.schools), r.schools_visited, r.visits, r.findings, r.verifications, r.verified_on_time,
                    r.reports_due, r.reports_on_time, r.reports_late, r.reports_missing, r.reports_excused)
           for r in a.rows}
    assert got == EXPECTED
    zhou = a.rows[0]
    assert zhou.visits_by_school == (("城口县实验小学", 2), ("城口县葛城小学", 1), ("重庆市城口中学", 1))
    assert zhou.unvisited == ("城口县第一中学",) and zhou.on_time_rate == 2 / 3
    assert a.totals["verifications"] == 3 and a.totals["reports_missing"] == 3 and a.until == date(2024, 3, 31)
    assert [r.name for r in lead_only.rows] == ["周永红", "李明"]


async def test_a_term_and_a_year_count_the_same_march(harness) -> None:
    h = harness
    await seed_march(h)
    await h.at("2024-04-03T10:00:00+08:00")
    async with h.app.db.reading() as s:
        roster = await load_roster(s)
        year = await assessment(s, roster, parse_period("2024", date(2024, 4, 3)), h.clock.now())
    zhou = year.rows[0]
    assert (zhou.visits, zhou.verifications, zhou.verified_on_time) == (4, 3, 2)
    # months whose due day is over: January to March (nothing came in January or February: missing), April not yet
    assert (zhou.reports_due, zhou.reports_on_time, zhou.reports_missing) == (3, 1, 2)
    assert year.until == date(2024, 4, 3)


async def test_assessment_xlsx_sent_to_the_office_room_reads_back(harness) -> None:
    h = harness
    await seed_march(h)
    sent = await h.one(OFFICE, LIU, "#考核 2024-03", at="2024-04-03T10:00:00+08:00")
    assert sent.out.room == OFFICE and len(sent.out.files) == 1
    assert "2024年3月责任督学考核表已生成" in sent.text and "6名督学" in sent.text
    wb = load_workbook(sent.out.files[0])
    ws = wb["考核"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "城口县责任督学考核表" and rows[1][0].startswith("2024年3月（2024-03-01 至 2024-03-31）")
    assert "导出时间：2024年4月3日 10:00" in rows[1][0]
    assert rows[2] == HEADERS and ws.freeze_panes == "D4"
    by_name = {r[2]: dict(zip(HEADERS, r, strict=True)) for r in rows[3:-1]}
    assert [row["序号"] for row in by_name.values()] == [1, 2, 3, 4, 5, 6]
    assert {name: tuple(row[k] for k in NUMBERS) for name, row in by_name.items()} == EXPECTED
    zhou = by_name["周永红"]
    assert zhou["责任区"] == "第一责任区" and zhou["未到校学校"] == "城口县第一中学"
    assert zhou["各校到校次数"] == "城口县实验小学2次、城口县葛城小学1次、重庆市城口中学1次"
    assert abs(zhou["按时验收率"] - 2 / 3) < 1e-9 and ws.cell(row=4, column=13).number_format == "0%"
    total = dict(zip(HEADERS, rows[-1], strict=True))
    assert total["责任区"] == "合计" and total["到校次数"] == 5 and total["月报未报"] == 3
    assert ws.column_dimensions["H"].width > ws.column_dimensions["D"].width  # a wide column for the school list
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r[0]}
    assert list(wb["说明"].iter_rows(values_only=True))[0] == ("名称", "说明")
    assert "2024年3月" in notes["统计范围"] and "5个工作日内" in notes["按时验收"]
    assert set(HEADERS) <= set(notes)  # every column explained


async def test_assessment_command_refuses_politely(harness) -> None:
    h = harness
    refused = await h.one(None, WANGF, "#考核")
    assert "由督导室办理" in refused.text and not refused.out.files
    assert "由督导室办理" in (await h.one(D1, ZHOU, "#考核 2024-03")).text
    bad = await h.one(OFFICE, LIU, "#考核 2024-13")
    assert "没能看懂“2024-13”" in bad.text and not bad.out.files
    future = await h.one(OFFICE, LIU, "#考核 2025-01")
    assert "还没有开始" in future.text


async def test_assessment_asked_in_a_district_room_goes_privately(harness) -> None:
    sent = await harness.say(D1, LIU, "#考核")
    here, private = sent
    assert here.out.room == D1 and "已私信发给您" in here.text and not here.out.files
    assert private.out.to == LIU and private.out.files and "2024年3月" in private.text


async def test_assessment_for_days_and_a_week_as_written_in_chat(harness) -> None:
    await harness.say(D1, "wxid_zhouyonghong", "#到校 实验小学 检查食堂")  # the ledger's first record, 3-11
    days = await harness.one(OFFICE, LIU, "#考核 3月1日-3月15日", at="2024-04-03T10:00:00+08:00")
    assert "2024年3月1日至3月15日责任督学考核表已生成" in days.text
    assert days.out.files and "/责任督学考核-2024-03-01~2024-03-15-" in days.out.files[0]
    week = await harness.one(OFFICE, LIU, "#考核 上周", at="2024-04-03T10:00:00+08:00")
    assert "2024年第13周（3月25日—3月31日）责任督学考核表已生成" in week.text
