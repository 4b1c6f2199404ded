"""#统计 and #清单 for a district and by category; 整改率 and 按期整改率; the colours explained where they appear."""
from __future__ import annotations

CKZX, SYXX, FXZX, D1, D2 = ("room-ckzx@chatroom", "room-syxx@chatroom", "room-fxzx@chatroom", "room-d1@chatroom",
                            "room-d2@chatroom")
OFFICE = "room-office@chatroom"
ZHOU, CHEN, LIU, LIUYANG, WANGF = "wxid_zhouyonghong", "wxid_chenjing", "wxid_liujianguo", "wxid_liuyang", "wxid_wangfang"


async def _ledger(h) -> None:
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天")  # Q1
    await h.say(SYXX, ZHOU, "#问题 实验小学 食品卫生 留样记录不全 限期3天")  # Q2
    await h.say(CKZX, ZHOU, "#问题 城口中学 安全稳定 消防通道堵塞 限期3天")  # Q3
    await h.say(FXZX, CHEN, "#问题 复兴中学 安全稳定 围墙破损 限期3天")  # Q4, another district
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固", at="2024-03-12T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 通过")  # closed in time
    await h.say(SYXX, LIUYANG, "#整改 Q2 已补全", at="2024-03-20T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q2 通过")  # closed late


async def test_statistics_of_a_district_with_rates_and_categories(harness) -> None:
    h = harness
    await _ledger(h)
    stats = await h.one(OFFICE, LIU, "#统计 第一责任区")
    assert "第一责任区问题统计" in stats.text and "共登记 3 个：已销号 2 个，未销号 1 个" in stats.text
    # 按期整改率 = 按期整改 (Q1) ÷ 已到期 (Q1, Q2 closed; Q3 past its deadline): the desk's formula too
    assert "整改率 67%" in stats.text and "按期整改率 33%" in stats.text
    assert "安全稳定2（销号1）" in stats.text and "食品卫生1（销号1）" in stats.text
    county = await h.one(OFFICE, LIU, "#统计", at="2024-03-20T10:05:00+08:00")
    assert "共登记 4 个" in county.text and "第二责任区" in county.text


async def test_a_list_by_district_and_category_and_where_it_may_be_shown(harness) -> None:
    h = harness
    await _ledger(h)
    listed = await h.one(OFFICE, LIU, "#清单 第一责任区 安全稳定")
    assert "Q3" in listed.text and "Q4" not in listed.text and "安全稳定" in listed.text
    elsewhere = await h.say(D2, LIU, "#清单 第一责任区")  # the second district's room may not show the first
    assert [s for s in elsewhere if s.out.room == D2 and "私信" in s.text and "Q3" not in s.text]
    assert [s for s in elsewhere if s.out.to == LIU and "Q3" in s.text]
    refused = await h.one(None, WANGF, "#统计 第一责任区")
    assert "只能办理本校" in refused.text


async def test_the_colours_are_explained_where_they_appear(harness) -> None:
    h = harness
    await _ledger(h)
    listed = await h.one(CKZX, ZHOU, "#清单", at="2024-03-20T10:05:00+08:00")  # Q3 overdue: yellow
    record = await h.one(CKZX, ZHOU, "#查询 Q3")
    for text in (listed.text, record.text):
        assert "🟡" in text and "三色督办：🔵蓝色=" in text
    calm = await h.one(FXZX, CHEN, "#问题 复兴中学 排水沟堵塞 限期30天")
    assert "三色督办" not in calm.text


async def test_small_things_answered_right(harness) -> None:
    h = harness
    assert "编号" in (await h.one(SYXX, ZHOU, "#查询 Q")).text  # an id was meant, not a school called "Q"
    await h.say(D1, "wxid_liming", "#请假 3月20日-3月22日")
    called_off = await h.one(D1, "wxid_liming", "#销假")
    assert "已取消您3月20日起的请假" in called_off.text and "欢迎回来" not in called_off.text


async def test_query_with_a_school_name_lists_the_school(harness) -> None:
    h = harness
    await _ledger(h)
    listed = await h.one(SYXX, ZHOU, "#查询 实验小学")
    assert listed.text == "城口县实验小学目前没有未销号的问题。"  # both of its findings are closed
