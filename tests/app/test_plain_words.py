"""Periods, districts and schools in plain words wherever a command takes them (issue 27): #考核 学期, #通报 文档 9月,
#导出 9月, #导出 第一责任区, #统计 一区 本学期, #清单 城口中学、复兴中学 — through the real app; and each word that
cannot be read is named back with an example of what can be written."""
from __future__ import annotations

import pytest

OFFICE, D1, CKZX, FXZX = "room-office@chatroom", "room-d1@chatroom", "room-ckzx@chatroom", "room-fxzx@chatroom"
LIU, ZHOU, CHEN, LIMING = "wxid_liujianguo", "wxid_zhouyonghong", "wxid_chenjing", "wxid_liming"
pytestmark = pytest.mark.start("2026-09-14T09:00:00+08:00")  # in 2026年秋季学期, two weeks after it began


async def _findings(h) -> None:
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物", at="2026-09-14T10:00:00+08:00")  # Q1, September
    await h.say(FXZX, CHEN, "#问题 复兴中学 食堂留样记录不全", at="2026-09-15T10:00:00+08:00")  # Q2, September
    await h.say(CKZX, ZHOU, "#问题 城口中学 教室照明不足", at="2026-10-12T10:00:00+08:00")  # Q3, October


def _refs(text: str) -> set[str]:
    return {f"Q{n}" for n in range(1, 5) if f"Q{n} " in text}


@pytest.mark.parametrize("words", ["学期", "本学期", "2026年秋季学期", "9月", "上月", "9月1日-9月30日", "2026-09"])
async def test_the_assessment_takes_every_period_word(harness, words: str) -> None:
    h = harness
    await _findings(h)
    sent = await h.one(OFFICE, LIU, f"#考核 {words}")
    label = "2026年秋季学期" if "学期" in words else "2026年9月"
    assert sent.text.startswith(f"{label}责任督学考核表已生成"), sent.text
    assert sent.out.files


@pytest.mark.parametrize("words", ["一区 本学期", "本学期 第一责任区", "第一区 学期"])
async def test_the_assessment_takes_a_district_in_words(harness, words: str) -> None:
    """#考核 一区 本学期: the district's supervisors only (周永红 and 李明), named in the answer and the file."""
    from openpyxl import load_workbook

    h = harness
    await _findings(h)
    sent = await h.one(OFFICE, LIU, f"#考核 {words}")
    assert sent.text.startswith("第一责任区2026年秋季学期责任督学考核表已生成，共2名督学"), sent.text
    cells = {str(c.value) for ws in load_workbook(sent.out.files[0]).worksheets for row in ws.iter_rows()
             for c in row if c.value is not None}
    assert {"周永红", "李明"} <= cells and not {"陈静", "何丽", "吴海波"} & cells
    twice = await h.one(OFFICE, LIU, "#考核 一区 二区 本学期")
    assert "一次只能导出一个责任区" in twice.text and "第一责任区、第二责任区" in twice.text and not twice.out.files


async def test_the_bulletin_document_and_the_weekly_digest_take_words(harness) -> None:
    h = harness
    await _findings(h)
    doc = await h.one(OFFICE, LIU, "#通报 文档 9月")
    assert "2026年9月" in doc.text and doc.out.files, doc.text
    week = await h.one(OFFICE, LIU, "#周报 上周")
    assert "第41周" in week.text or "10月5日" in week.text, week.text


async def test_export_takes_a_period_a_district_and_several_schools(harness) -> None:
    h = harness
    await _findings(h)
    month = await h.one(OFFICE, LIU, "#导出 9月")
    assert month.text.startswith("2026年9月整改台账已导出，共 2 条"), month.text
    for words in ("第一责任区", "一区", "1区"):  # (第一 alone is 城口县第一中学: a school's name comes first)
        district = await h.one(OFFICE, LIU, f"#导出 {words}")
        assert district.text.startswith("第一责任区整改台账已导出，共 2 条"), district.text
    both = await h.one(OFFICE, LIU, "#导出 第一责任区 9月")
    assert both.text.startswith("第一责任区2026年9月整改台账已导出，共 1 条"), both.text
    schools = await h.one(OFFICE, LIU, "#导出 城口中学、复兴中学")
    assert schools.text.startswith("城口中学、复兴中学整改台账已导出，共 3 条"), schools.text


@pytest.mark.parametrize(("words", "starts", "refs"), [
    ("一区", "第一责任区未销号问题共 2 个", {"Q1", "Q3"}),
    ("第一责任区 9月", "第一责任区2026年9月登记的未销号问题共 1 个", {"Q1"}),
    ("城口中学、复兴中学", "城口中学、复兴中学未销号问题共 3 个", {"Q1", "Q2", "Q3"}),
    ("城口中学和复兴中学 本月", "城口中学、复兴中学2026年10月登记的未销号问题共 1 个", {"Q3"}),
    ("城口中学,复兴中学 上月", "城口中学、复兴中学2026年9月登记的未销号问题共 2 个", {"Q1", "Q2"}),
])
async def test_the_list_takes_districts_schools_and_periods(harness, words: str, starts: str, refs: set[str]) -> None:
    h = harness
    await _findings(h)
    listed = await h.one(OFFICE, LIU, f"#清单 {words}")
    assert listed.text.startswith(starts) and _refs(listed.text) == refs, listed.text


async def test_the_count_takes_a_district_by_its_short_name_and_a_term(harness) -> None:
    h = harness
    await _findings(h)
    count = await h.one(OFFICE, LIU, "#统计 一区 本学期")
    assert count.text.startswith("第一责任区2026年秋季学期登记的问题统计"), count.text
    assert "共登记 2 个" in count.text
    september = await h.one(OFFICE, LIU, "#统计 9月")
    assert september.text.startswith("全县2026年9月登记的问题统计（截至9月30日23:59）") and "共登记 2 个" in september.text
    lead = await h.one(D1, ZHOU, "#统计 一区")  # the district's lead: the whole district, under its name
    assert lead.text.startswith("第一责任区问题统计") and "共登记 2 个" in lead.text, lead.text


async def test_a_supervisor_naming_a_district_gets_only_his_schools_in_it(harness) -> None:
    h = harness
    await _findings(h)
    listed = await h.one(None, LIMING, "#清单 一区")
    assert listed.text.startswith("您在第一责任区负责的学校"), listed.text


@pytest.mark.parametrize(("command", "says"), [
    ("#导出 火星", ["没能看懂“火星”", "#导出 第一责任区", "#导出 城口中学、"]),
    ("#清单 一区 火星", ["没能看懂“火星”", "#清单 第一责任区"]),
    ("#统计 第九区", ["没能看懂“第九区”", "#统计 第一责任区 10月"]),
    ("#统计 13月", ["没能看懂“13月”是哪个时间段", "本学期"]),
    ("#清单 城口中学、火星中学", ["没有找到学校“火星中学”"]),
    ("#导出 2027年3月", ["“2027年3月”还没有开始"]),
    ("#统计 9月 10月", ["一次只能统计一个时间段", "2026年9月", "2026年10月"]),
    ("#清单 一区 城口中学", ["一次只能写一个责任区，或写几所学校", "#清单 第一责任区"]),
    ("#考核 学年", ["没能看懂“学年”是哪个时间段", "本学期", "学期名称（如2026年秋季学期）"]),
])
async def test_words_that_cannot_be_read_are_named_with_an_example(harness, command: str, says: list[str]) -> None:
    h = harness
    await _findings(h)
    sent = await h.one(OFFICE, LIU, command)
    for words in says:
        assert words in sent.text, sent.text
    assert not sent.out.files
