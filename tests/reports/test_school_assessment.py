"""综合督导考核 of schools on a seeded March 2024, counted by hand with the default weights (按期整改率 36, 整改率 18,
整改逾期 18 — 20 points off a finding —, 自查按时率 18; 专项检查符合率 10 不适用 here: no campaign, so its weight goes
to the others in proportion and the four weigh 40:20:20:20):

城口中学: Q1 rectified on time and closed, 自查 on the 12th → 100 on each → 100.0.
实验小学: Q2 never rectified (overdue at the month's end), Q3 rectified late and closed, no 自查 →
  按期整改率 0/2 = 0, 整改率 1/2 = 50, 整改逾期 1 → 80, 自查 0/1 = 0 → 0·.4 + 50·.2 + 80·.2 + 0·.2 = 26.0.
复兴中学: no finding (按期整改率 and 整改率 不适用: their 60 go to the others), 自查 late on the 21st → 100·½ + 0·½ = 50.0.
葛城小学: no finding, its principal on leave over the 自查 due day (excused: 不适用) → 整改逾期 alone → 100.0.
The other twelve: no finding, no 自查 → 50.0."""
from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

from openpyxl import load_workbook

from bot.domain.school_indicators import BY_NAME, ranks, score, shares
from bot.parsing.periods import parse_period
from bot.reports.school_assessment import school_assessment
from bot.reports.school_assessment_book import headers
from bot.storage.roster_repo import load_roster
from tests.support.county_files import demo_yaml
from tests.support.harness import Harness

CKZX, SYXX, FXZX, OFFICE = "room-ckzx@chatroom", "room-syxx@chatroom", "room-fxzx@chatroom", "room-office@chatroom"
ZHOU, WANGF, LIUYANG, HUANGJ, ZHAOM, LIU = ("wxid_zhouyonghong", "wxid_wangfang", "wxid_liuyang", "wxid_huangjun",
                                           "wxid_zhaomin", "wxid_liujianguo")
CK, SY, FX, GC = "重庆市城口中学", "城口县实验小学", "城口县复兴中学", "城口县葛城小学"


async def seed_march(h) -> None:  # noqa: ANN001 — a Harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天")  # Q1, due 3-14
    await h.say(SYXX, ZHOU, "#问题 实验小学 围墙破损 限期3天")  # Q2
    await h.say(SYXX, ZHOU, "#问题 实验小学 食品卫生 留样记录不全 限期3天")  # Q3
    await h.say(CKZX, WANGF, "#整改 Q1 已清理通道", at="2024-03-12T10:00:00+08:00")
    await h.say(CKZX, WANGF, "#自查 本月自查完成", at="2024-03-12T11:00:00+08:00")
    await h.say(CKZX, ZHOU, "#验收 Q1 通过", at="2024-03-13T10:00:00+08:00")
    await h.say(None, ZHAOM, "#请假 3月18日-3月22日", at="2024-03-15T09:00:00+08:00")
    await h.say(SYXX, LIUYANG, "#整改 Q3 已补全记录", at="2024-03-20T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q3 通过", at="2024-03-21T10:00:00+08:00")
    await h.say(FXZX, HUANGJ, "#自查 食堂整改完成", at="2024-03-21T11:00:00+08:00")


async def _march(h, today: date = date(2024, 4, 10), text: str = "2024-03"):  # noqa: ANN001, ANN202
    async with h.app.db.reading() as s:
        roster = await load_roster(s)
        return await school_assessment(s, roster, parse_period(text, today, roster.terms), h.clock.now())


def _by_name(a) -> dict:  # noqa: ANN001
    return {r.name: r for r in a.rows}


async def test_scores_and_ranks_match_the_hand_count(harness) -> None:
    await seed_march(harness)
    await harness.at("2024-04-10T10:00:00+08:00")
    a = await _march(harness)
    rows = _by_name(a)
    assert len(rows) == 16 and a.until == date(2024, 3, 31)
    assert {n: rows[n].score for n in (CK, SY, FX, GC)} == {CK: 100.0, SY: 26.0, FX: 50.0, GC: 100.0}
    assert {r.score for n, r in rows.items() if n not in (CK, SY, FX, GC)} == {50.0}
    sy = {m.indicator.name: (m.part, m.base, m.value, m.points) for m in rows[SY].measures}
    assert sy == {"按期整改率": (0, 2, 0, 0), "整改率": (1, 2, 50, 50), "整改逾期": (1, None, 1, 80),
                  "自查按时率": (0, 1, 0, 0), "专项检查符合率": (0, 0, None, None)}
    assert (rows[CK].county_rank, rows[GC].county_rank, rows[FX].county_rank, rows[SY].county_rank) == (1, 1, 3, 16)
    assert (rows[CK].district_rank, rows[GC].district_rank, rows[SY].district_rank) == (1, 1, 5)
    assert rows[SY].district_size == 5 and rows[SY].county_size == 16 and rows[FX].district == "第二责任区"
    assert [r.name for r in a.rows[:5]] == [CK, GC, "城口县第一中学", "城口县机关幼儿园", SY]  # district 1 by rank


async def test_a_school_with_no_findings_is_not_applicable_and_its_weight_moves(harness) -> None:
    await seed_march(harness)
    await harness.at("2024-04-10T10:00:00+08:00")
    fx = _by_name(await _march(harness))[FX]
    measures = {m.indicator.name: m for m in fx.measures}
    for name in ("按期整改率", "整改率"):  # not 0, not full marks: left out
        assert measures[name].points is None and measures[name].share is None and measures[name].value is None
    assert measures["整改逾期"].points == 100 and measures["整改逾期"].share == 50  # 20 of the 40 that apply
    assert measures["自查按时率"].points == 0 and measures["自查按时率"].contribution == 0.0
    gc = {m.indicator.name: m for m in _by_name(await _march(harness))[GC].measures}
    assert gc["自查按时率"].points is None and gc["整改逾期"].share == 100  # excused: leave over the due day


def test_the_one_rule_for_what_does_not_apply() -> None:
    weights = {"按期整改率": 40, "整改率": 20, "整改逾期": 20, "自查按时率": 20}  # the four's shares when 专项 不适用
    assert score({"按期整改率": None, "整改率": None, "整改逾期": 100, "自查按时率": 0}, weights) == 50
    assert shares({"按期整改率": 80, "整改率": None, "整改逾期": 100, "自查按时率": 0}, weights)["按期整改率"] == 50
    assert score(dict.fromkeys(weights), weights) is None  # nothing applies: no score, no rank
    assert score({"按期整改率": 75, "整改率": 50, "整改逾期": 60, "自查按时率": 100}, weights) == Fraction(72)
    assert ranks({1: 90.0, 2: 90.0, 3: 80.5, 4: None}) == {1: 1, 2: 1, 3: 3}
    overdue = BY_NAME["整改逾期"]
    assert [overdue.points({"rectify_overdue": n}, 20) for n in (0, 1, 5, 9)] == [100, 80, 0, 0]  # capped at 0
    assert BY_NAME["按期整改率"].points({"on_time": 0, "due": 0}, 20) is None


async def test_asked_in_april_for_march_is_what_was_asked_on_march_31(harness) -> None:
    await seed_march(harness)
    await harness.at("2024-03-31T23:00:00+08:00")
    then = await _march(harness, date(2024, 3, 31), "本月")
    # April: Q2 rectified and closed, 实验小学's March 自查 comes late (filed as March), 刘洋 on leave from now
    await harness.say(SYXX, LIUYANG, "#整改 Q2 已修补围墙", at="2024-04-02T10:00:00+08:00")
    await harness.say(SYXX, ZHOU, "#验收 Q2 通过", at="2024-04-02T15:00:00+08:00")
    late = await harness.one(SYXX, LIUYANG, "#自查 三月自查补交", at="2024-04-03T09:00:00+08:00")
    assert "3月" in late.text
    await harness.say(None, LIUYANG, "#请假 4月8日-4月12日", at="2024-04-03T10:00:00+08:00")
    await harness.at("2024-04-20T10:00:00+08:00")
    later = await _march(harness, date(2024, 4, 20))
    assert later.rows == then.rows and later.until == then.until
    assert _by_name(later)[SY].score == 26.0
    april = _by_name(await _march(harness, date(2024, 4, 20), "2024-04"))[SY]  # the changes count in April
    assert {m.indicator.name: m.part for m in april.measures}["整改逾期"] == 0


WEIGHTS = """  school_assessment:
    indicators:
      整改逾期: 50
      自查按时率: 30
      整改率: 20
    overdue_deduction: 50
"""


async def test_weights_from_the_county_file(db_url: str, tmp_path: Path) -> None:
    county = demo_yaml(tmp_path, edit={"  digest:\n": WEIGHTS + "  digest:\n"})
    h = await Harness.create(db_url, tmp_path, county)
    try:
        await seed_march(h)
        await h.at("2024-04-10T10:00:00+08:00")
        a = await _march(h)
    finally:
        await h.close()
    assert [(i.name, w) for i, w in a.weights] == [("整改逾期", 50), ("自查按时率", 30), ("整改率", 20)]
    rows = _by_name(a)
    # 实验小学: 整改逾期 1 → 50, 自查 0, 整改率 50 → 25 + 0 + 10
    assert rows[SY].score == 35.0 and [m.indicator.name for m in rows[SY].measures][0] == "整改逾期"
    assert rows[FX].score == 62.5  # 整改率 不适用: 50 and 30 carry 62.5 and 37.5
    assert headers(a)[5:] == ("整改逾期", "整改逾期得分", "自查按时率", "自查按时率得分", "整改率", "整改率得分")


async def test_the_workbook_reads_back_with_values_and_no_formulas(harness) -> None:
    await seed_march(harness)
    sent = await harness.one(OFFICE, LIU, "#学校考核 2024-03 表格", at="2024-04-10T10:00:00+08:00")
    assert sent.out.room == OFFICE and len(sent.out.files) == 1 and "共16所学校" in sent.text
    wb = load_workbook(sent.out.files[0])
    assert wb.sheetnames == ["全县排名", "第一责任区", "第二责任区", "第三责任区", "说明"]
    ws = wb["全县排名"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "城口县学校综合督导考核表" and rows[1][0].startswith("2024年3月（2024-03-01 至 2024-03-31）")
    head = rows[2]
    assert head[:6] == ("序号", "责任区", "学校", "综合得分", "全县排名", "责任区排名")
    table = [dict(zip(head, r, strict=True)) for r in rows[3:]]
    assert len(table) == 16 and [t["全县排名"] for t in table[:3]] == [1, 1, 3]
    sy = next(t for t in table if t["学校"] == SY)
    assert (sy["综合得分"], sy["按期整改率"], sy["按期整改率得分"], sy["整改率"], sy["整改逾期"], sy["整改逾期得分"],
            sy["自查按时率得分"]) == (26.0, 0.0, 0, 0.5, 1, 80, 0)
    fx = next(t for t in table if t["学校"] == FX)
    assert fx["按期整改率"] == "不适用" and fx["按期整改率得分"] == "不适用" and fx["综合得分"] == 50.0
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), cell.coordinate
                assert cell.data_type != "f"
    district = list(wb["第一责任区"].iter_rows(values_only=True))[3:]
    assert [r[2] for r in district] == [CK, GC, "城口县第一中学", "城口县机关幼儿园", SY]
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r[0]}
    assert "不适用" in notes and "每个扣20分" in notes["整改逾期（18）"] and "按期整改 ÷ 已到期" in notes["按期整改率（36）"]
    assert set(head[1:]) <= set(notes)  # every column explained


async def test_campaign_items_count_as_they_stood_at_the_period_end(harness) -> None:
    """专项检查符合率: 符合 ÷ (符合 + 不符合) of the results standing at the period's end; 不适用 left out; a result
    recorded again supersedes the first only from then on; a period without results: 不适用."""
    await harness.say(OFFICE, LIU, "#专项督导 双减 双减专项督导 3月11日-3月31日 范围 全部 检查项 作业总量；课后服务；校外培训",
                      at="2024-03-11T09:00:00+08:00")
    await harness.say(CKZX, ZHOU, "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖", at="2024-03-12T10:00:00+08:00")
    await harness.say(CKZX, ZHOU, "#专项检查 双减 城口中学 2符合 3不适用", at="2024-03-13T10:00:00+08:00")
    await harness.say(SYXX, ZHOU, "#专项检查 双减 实验小学 1不符合 作业超量 2不符合 无课后服务 3符合",
                      at="2024-03-13T11:00:00+08:00")
    await harness.at("2024-04-10T10:00:00+08:00")

    def items(a, name):  # noqa: ANN001, ANN202
        return next((m.part, m.base, m.value, m.points) for m in _by_name(a)[name].measures
                    if m.indicator.key == "campaign_items")

    march = await _march(harness)
    assert items(march, CK) == (2, 2, 100, 100) and items(march, SY) == (1, 3, 33, 33)
    assert items(march, FX) == (0, 0, None, None)  # not checked yet: 不适用, not 0
    first_day = await _march(harness, text="3月11日-3月12日")  # before the second message: item 2 still 不符合
    assert items(first_day, CK) == (1, 2, 50, 50)
    assert items(await _march(harness, text="2024-04"), CK) == (0, 0, None, None)
