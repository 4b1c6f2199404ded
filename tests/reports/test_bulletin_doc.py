"""The monthly 通报 as a Word document (#通报 文档, from the shipped docxtpl template), read back with python-docx:
title, 文号, the four sections in order, the district and category tables, the overdue table row for row."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from bot.reports.bulletin_doc import DEFAULT_TEMPLATE, TemplateUnusable, write_bulletin_doc

SYXX, FXZX, OFFICE, D1 = "room-syxx@chatroom", "room-fxzx@chatroom", "room-office@chatroom", "room-d1@chatroom"
ZHOU, CHEN, LIU, LIUYANG, WANGF = "wxid_zhouyonghong", "wxid_chenjing", "wxid_liujianguo", "wxid_liuyang", "wxid_wangfang"
SECTIONS = ["一、总体情况", "二、问题分布", "三、整改逾期问题", "四、下步工作要求"]


async def _seed(h) -> None:
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 消防通道<堆放>杂物 & 纸箱 限期3天")  # Q1: due 3/14, overdue
    await h.say(FXZX, CHEN, "#问题 复兴中学 食品卫生 留样记录不全 限期1天")  # Q2: due 3/12, overdue longest
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天")  # Q3: closed in time
    await h.say(SYXX, ZHOU, "#到校 实验小学 检查食堂")
    await h.say(SYXX, LIUYANG, "#整改 Q3 已加固", at="2024-03-12T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q3 通过")


def _doc(path: str):  # noqa: ANN202 — a python-docx Document
    return Document(path)


def _table(table) -> list[list[str]]:  # noqa: ANN001
    return [[c.text for c in row.cells] for row in table.rows]


async def test_bulletin_document_is_sent_into_the_office_room_and_reads_back(harness) -> None:
    h = harness
    await _seed(h)
    sent = await h.one(OFFICE, LIU, "#通报 文档", at="2024-03-29T10:00:00+08:00")
    assert sent.out.room == OFFICE and len(sent.out.files) == 1 and sent.out.files[0].endswith(".docx")
    assert "2024年3月督导通报（Word 文档）已生成" in sent.text
    doc = _doc(sent.out.files[0])
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "城口县人民政府教育督导室\n关于2024年3月责任督学挂牌督导工作情况的通报"
    assert texts[1] == "〔2024〕　　号"  # a draft: the year, and a blank for the 文号 given when it is issued
    assert doc.sections[0].header.paragraphs[0].text == "草稿"
    assert [t for t in texts if t in SECTIONS] == SECTIONS  # every section, in order
    assert any("共到校督导1次，新发现问题3个。截至2024年3月29日，本月新发现问题中已销号1个（其中按期整改1个），"
               "未销号2个。全县累计未销号问题2个（含往月），其中整改逾期2个（红色督办2个），验收超期0个。本月整改率33%，"
               "按期整改率33%。"
               in t for t in texts)
    assert any("学校尚未报告整改的问题2个" in t for t in texts) and any("涉及2所学校" in t for t in texts)
    assert texts[-1] == "2024年3月29日" and texts[-2] == "城口县人民政府教育督导室"
    districts, categories, overdue = (_table(t) for t in doc.tables)
    assert districts[0] == ["责任区", "到校次数", "新发现", "已销号", "已撤销", "未销号", "整改率", "累计整改逾期", "验收超期"]
    assert districts[1:] == [["第一责任区", "1", "2", "1", "0", "1", "50%", "1", "0"],
                             ["第二责任区", "0", "1", "0", "0", "1", "0%", "1", "0"],
                             ["第三责任区", "0", "0", "0", "0", "0", "—", "0", "0"],
                             ["合计", "1", "3", "1", "0", "2", "33%", "2", "0"]]
    assert any(t.startswith("注：新发现＝已销号＋已撤销＋未销号") and "整改率＝已销号 ÷ (新发现 − 已撤销)" in t for t in texts)
    assert categories[1:] == [["安全稳定", "2", "67%"], ["食品卫生", "1", "33%"], ["合计", "3", "100%"]]
    assert overdue == [["序号", "编号", "学校", "责任区", "问题", "逾期天数"],
                       ["1", "Q2", "城口县复兴中学", "第二责任区", "留样记录不全", "17"],
                       ["2", "Q1", "城口县实验小学", "第一责任区", "消防通道<堆放>杂物 & 纸箱", "15"]]


async def test_a_month_without_problems_says_so(harness) -> None:
    await harness.say(D1, ZHOU, "#月报 本月到校3次")  # the ledger's first record: no finding, no visit
    sent = await harness.one(OFFICE, LIU, "#通报 文档 2024-03", at="2024-04-02T10:00:00+08:00")
    texts = [p.text for p in _doc(sent.out.files[0]).paragraphs]
    assert texts[0].endswith("关于2024年3月责任督学挂牌督导工作情况的通报")
    assert "本月未发现新问题。" in texts and "截至2024年3月31日，全县无整改逾期问题。" in texts
    assert any("本月没有到校督导记录" in t for t in texts)  # no praise for no visits
    assert texts[-1] == "2024年3月31日"  # a past month's 通报 is dated at its end, whenever it is made
    assert len(_doc(sent.out.files[0]).tables) == 1  # only the districts' table


async def test_a_month_before_the_first_record_has_nothing_yet(harness) -> None:
    await harness.say(D1, ZHOU, "#到校 实验小学 检查食堂")
    for asked in ("#通报 文档 2024-02", "#通报 2024年2月", "#考核 2024-02", "#周报 上周"):
        sent = await harness.one(OFFICE, LIU, asked)
        assert "还没有任何督导记录（台账从2024年3月11日开始）" in sent.text and not sent.out.files, asked


async def test_plain_bulletin_is_still_the_text_draft(harness) -> None:
    await _seed(harness)
    draft = await harness.one(OFFICE, LIU, "#通报")
    assert "通报\n（草稿，数据截至3月12日）" in draft.text and not draft.out.files
    odd = await harness.one(OFFICE, LIU, "#通报 本期", at="2024-03-12T12:00:00+08:00")  # unknown words: ignored, as before
    assert "通报\n（草稿，数据截至3月12日）" in odd.text


async def test_bulletin_document_refusals(harness) -> None:
    h = harness
    refused = await h.one(None, WANGF, "#通报 文档")
    assert "由督导室办理" in refused.text and not refused.out.files
    assert "只在督导室群" in (await h.one(D1, LIU, "#通报 文档")).text
    bad = await h.one(OFFICE, LIU, "#通报 文档 2024-13")
    assert "没能看懂" in bad.text and not bad.out.files
    year = await h.one(OFFICE, LIU, "#通报 文档 2024", at="2024-03-11T09:05:00+08:00")
    assert "通报按月生成" in year.text


VALUES = dict(county="城口县", office="城口县人民政府教育督导室", title="关于2024年3月责任督学挂牌督导工作情况的通报",
              year=2024, month=3, today=date(2024, 3, 29), until=date(2024, 3, 29),
              totals=dict(visits=0, new=0, closed=0, on_time=0, active=0, overdue=0, red=0), districts=[],
              more_districts=0, categories=[], overdue=[], overdue_more=0, reports=[],
              idle=dict(names=[], more=0), as_of="2024年3月29日", issue_date="2024年3月29日", issue_year=2024)


def _template(tmp_path: Path, text: str) -> Path:
    doc = Document()
    doc.add_paragraph(text)
    path = tmp_path / "my.docx"
    doc.save(path)
    return path


def test_the_office_may_use_its_own_template(tmp_path: Path) -> None:
    out = io.BytesIO()
    values = dict(VALUES, county="城口县\x07")  # a control character XML cannot hold is dropped, not a crash
    write_bulletin_doc(values, out, _template(tmp_path, "{{ county }}督导室第{{ month }}月简报"))
    assert Document(io.BytesIO(out.getvalue())).paragraphs[0].text == "城口县督导室第3月简报"


@pytest.mark.parametrize("make,why", [
    (lambda tmp: tmp / "missing.docx", "missing"),
    (lambda tmp: (tmp / "plain.docx").write_text("not a document") and tmp / "plain.docx", "not_docx"),
    (lambda tmp: _template(tmp, "{{ county "), "placeholder"),
    (lambda tmp: _template(tmp, "{%p if x %}no end"), "placeholder"),
])
def test_a_template_that_cannot_be_used_says_why(tmp_path: Path, make, why: str) -> None:  # noqa: ANN001
    from bot.render import Renderer

    with pytest.raises(TemplateUnusable) as caught:
        write_bulletin_doc(VALUES, io.BytesIO(), make(tmp_path))
    assert caught.value.why == why
    assert "抱歉" in Renderer().render("digests/bulletin_template_bad.j2", **caught.value.values())


def test_the_shipped_template_is_what_the_tool_builds(tmp_path: Path) -> None:
    """tools/make_bulletin_template.py regenerates the shipped template: same paragraphs and tables."""
    import runpy

    built = runpy.run_path(str(Path(__file__).parents[2] / "tools" / "make_bulletin_template.py"))["build"](
        tmp_path / "t.docx")
    a, b = Document(str(built)), Document(str(DEFAULT_TEMPLATE))
    assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
    assert [_table(t) for t in a.tables] == [_table(t) for t in b.tables]
    assert [p.text for p in a.sections[0].header.paragraphs] == [p.text for p in b.sections[0].header.paragraphs] \
        == ["{{ draft_mark }}"]  # 草稿 in a draft's header, nothing in an issued one's


async def test_the_bulletin_counts_the_months_findings_by_source_as_of_its_end(harness) -> None:
    """Only when something came from elsewhere than everyday inspection; withdrawn ones left out; a finding of
    the next month not counted in this month's, whenever it is asked."""
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 楼梯扶手松动 限期3天")
    await h.say(SYXX, ZHOU, "#问题 实验小学 学生近视率偏高 来源：质量监测 限期10天")
    await h.say(FXZX, CHEN, "#问题 复兴中学 食堂留样记录不全 来源：市级督查 限期3天")
    await h.say(FXZX, CHEN, "#问题 复兴中学 校车超载 来源：投诉 限期3天")
    await h.say(OFFICE, LIU, "#撤销 Q4 重复录入")
    await h.say(FXZX, CHEN, "#问题 复兴中学 围墙破损 来源：投诉 限期3天", at="2024-04-02T09:00:00+08:00")
    line = "从问题来源看，本月新发现的问题（不含已撤销）中，经常性督导1个、市级督查1个、质量监测反馈1个。"
    sent = await h.one(OFFICE, LIU, "#通报 文档 2024-03", at="2024-04-03T10:00:00+08:00")
    assert line in [p.text for p in _doc(sent.out.files[0]).paragraphs]
    draft = await h.one(OFFICE, LIU, "#通报 2024-03", at="2024-04-03T10:05:00+08:00")
    assert line in draft.text
    april = await h.one(OFFICE, LIU, "#通报", at="2024-04-03T10:10:00+08:00")
    assert "投诉1个" in april.text and "市级督查" not in april.text


async def test_a_month_of_everyday_inspection_only_says_nothing_of_sources(harness) -> None:
    await _seed(harness)
    sent = await harness.one(OFFICE, LIU, "#通报 文档", at="2024-03-29T10:00:00+08:00")
    assert not any("来源" in p.text for p in _doc(sent.out.files[0]).paragraphs)
