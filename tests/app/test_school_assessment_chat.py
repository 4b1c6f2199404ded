"""#学校考核 through the real app, per role: the office the county's ranking, a district lead the district's, a
supervisor the assigned schools, a principal the own school's breakdown and ranks (no other school's score);
a room shows only what all its members may see; a bad or future period is refused politely. The March seed and
its hand count are tests/reports/test_school_assessment.py's."""
from __future__ import annotations

from tests.reports.test_school_assessment import CK, FX, GC, SY, seed_march

OFFICE, D1, CKZX = "room-office@chatroom", "room-d1@chatroom", "room-ckzx@chatroom"
LIU, ZHOU, LIMING, WANGF, STRANGER = ("wxid_liujianguo", "wxid_zhouyonghong", "wxid_liming", "wxid_wangfang",
                                      "wxid_stranger")
APRIL = "2024-04-10T10:00:00+08:00"


async def test_the_office_sees_the_county_ranking(harness) -> None:
    await seed_march(harness)
    reply = await harness.one(OFFICE, LIU, "#学校考核 上月", at=APRIL)
    assert reply.out.room == OFFICE and "2024年3月学校综合督导考核（全县）" in reply.text
    for name in ("第一责任区（5所学校参加排名）", "第三责任区（6所学校参加排名）", f"5. {SY} 26.0分（全县第16）",
                 f"1. {CK} 100.0分（全县第1）", "整改逾期18（每个扣20分）", "专项检查符合率10"):
        assert name in reply.text, name


async def test_a_district_lead_sees_the_district_and_a_supervisor_the_own_schools(harness) -> None:
    await seed_march(harness)
    lead = await harness.one(D1, ZHOU, "#学校考核 2024-03", at=APRIL)
    assert lead.out.room == D1 and "（第一责任区）" in lead.text and SY in lead.text and FX not in lead.text
    sup = await harness.one(None, LIMING, "#学校考核 2024-03")
    assert "（您负责的学校）" in sup.text and GC in sup.text and "城口县机关幼儿园" in sup.text
    assert CK not in sup.text and SY not in sup.text  # another supervisor's schools: no score
    other = await harness.one(None, LIMING, "#学校考核 上月 第二责任区")
    assert "第二责任区不是您负责的责任区" in other.text and FX not in other.text


async def test_a_principal_sees_the_own_breakdown_and_ranks_only(harness) -> None:
    await seed_march(harness)
    mine = await harness.one(CKZX, WANGF, "#学校考核 上月", at=APRIL)
    assert mine.out.room == CKZX and f"{CK}综合督导考核（2024年3月）" in mine.text
    assert "综合得分 100.0 分，在第一责任区5所学校中排第1名，在全县16所学校中排第1名" in mine.text
    assert "· 按期整改率：按期整改1个／已到期1个＝100%，100分，权重36（计40），计40.0分" in mine.text
    for other in (SY, GC, FX, "26.0", "50.0"):
        assert other not in mine.text, other
    for text in ("#学校考核 上月 实验小学", "#学校考核 上月 第二责任区"):
        refused = await harness.one(None, WANGF, text)
        assert "您只能办理本校的事项" in refused.text and "分" not in refused.text.split("。")[0], text
    book = await harness.one(None, WANGF, "#学校考核 上月 表格")
    assert "共1所学校" in book.text and book.out.files


async def test_a_breakdown_says_what_does_not_apply(harness) -> None:
    await seed_march(harness)
    reply = await harness.one(OFFICE, LIU, "#学校考核 2024-03 复兴中学", at=APRIL)
    assert "· 按期整改率：不适用（期内登记的问题中没有已到期的），权重36分给其他指标" in reply.text
    assert "· 整改逾期：0个，100分（每个扣20分），权重18（计50），计50.0分" in reply.text


async def test_a_room_that_may_not_show_the_schools_gets_a_word_and_the_sender_a_private_answer(harness) -> None:
    await seed_march(harness)
    here, private = await harness.say(CKZX, LIU, "#学校考核 2024-03 实验小学", at=APRIL)
    assert here.out.room == CKZX and "已私信发给您" in here.text and "26.0" not in here.text
    assert private.out.to == LIU and "综合得分 26.0 分" in private.text
    here, private = await harness.say(D1, LIU, "#学校考核 2024-03 表格")
    assert not here.out.files and private.out.to == LIU and private.out.files


async def test_bad_and_future_periods_and_strangers_are_refused_politely(harness) -> None:
    bad = await harness.one(OFFICE, LIU, "#学校考核 2024-13")
    assert "没能看懂“2024-13”" in bad.text and not bad.out.files
    future = await harness.one(OFFICE, LIU, "#学校考核 2025-01")
    assert "还没有开始" in future.text
    empty = await harness.one(OFFICE, LIU, "#学校考核 2024-02")
    assert "还没有任何督导记录" in empty.text
    stranger = await harness.one(None, STRANGER, "#学校考核")
    assert "还没有绑定" in stranger.text


async def test_asked_in_april_for_march_says_what_it_said_on_march_31(harness) -> None:
    await seed_march(harness)
    then = await harness.one(OFFICE, LIU, "#学校考核", at="2024-03-31T22:00:00+08:00")
    await harness.say(None, "wxid_liuyang", "#整改 Q2 已修补围墙", at="2024-04-02T10:00:00+08:00")
    await harness.say(None, ZHOU, "#验收 Q2 通过", at="2024-04-02T15:00:00+08:00")
    later = await harness.one(OFFICE, LIU, "#学校考核 上月", at=APRIL)
    assert later.text == then.text and f"5. {SY} 26.0分" in later.text
