"""The 专项督导通报 (#专项通报, `dudao export campaign`) read back with python-docx: coverage by district, the findings
by item and by school, and their rectification as of the day asked for — a finding closed after that day is still
open in it. 第一责任区's 双减 campaign, Mon 2024-03-11 … Fri 2024-03-22."""
from __future__ import annotations

import runpy
from datetime import datetime
from pathlib import Path

from docx import Document
from sqlalchemy import select

from bot.cli.export_actions import BadInput, export_campaign
from bot.reports.campaign_doc import CAMPAIGN_TEMPLATE
from bot.storage import models as m

OFFICE, D1 = "room-office@chatroom", "room-d1@chatroom"
LIU, ZHOU, ZHANGW = "wxid_liujianguo", "wxid_zhouyonghong", "wxid_zhangwei"
DECLARE = "#专项督导 双减 双减专项督导 3月11日-3月22日 范围 第一责任区 检查项 作业总量控制；课后服务开展；校外培训治理"


def _table(table) -> list[list[str]]:  # noqa: ANN001
    return [[c.text for c in row.cells] for row in table.rows]


async def _seed(h) -> None:  # noqa: ANN001 — a Harness
    await h.say(OFFICE, LIU, DECLARE)
    await h.say(D1, ZHOU, "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖全部学生 3不适用")  # Q1
    await h.say(D1, ZHOU, "#专项检查 双减 县一中 1不符合 作业偏多 2不符合 课后服务时长不足 3符合")  # Q2, Q3
    await h.say(None, ZHANGW, "#整改 Q2 已压减作业", at="2024-03-13T10:00:00+08:00")
    await h.say(D1, ZHOU, "#验收 Q2 通过", at="2024-03-14T10:00:00+08:00")
    await h.say(None, ZHANGW, "#整改 Q3 已延长课后服务", at="2024-03-19T10:00:00+08:00")
    await h.say(D1, ZHOU, "#验收 Q3 通过", at="2024-03-20T10:00:00+08:00")


async def test_the_campaign_bulletin_as_of_a_day(harness) -> None:
    await _seed(harness)
    sent = await harness.one(OFFICE, LIU, "#专项通报 双减 截至3月15日", at="2024-03-25T10:00:00+08:00")
    assert sent.out.room == OFFICE and sent.out.files[0].endswith(".docx")
    assert "双减专项督导通报草稿（Word 文档，截至2024年3月15日）已生成" in sent.text
    assert "#印发通报 双减专项督导 文号" in sent.text
    doc = Document(sent.out.files[0])
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "城口县人民政府教育督导室\n关于双减专项督导情况的通报"
    assert texts[1] == "〔2024〕　　号" and doc.sections[0].header.paragraphs[0].text == "草稿"  # a draft
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、")] == [
        "一、检查覆盖情况", "二、发现的问题", "三、整改情况", "四、工作要求"]
    assert any("应检查学校（幼儿园）5所，已完成检查2所，完成率40%" in t for t in texts)
    assert any("发现的3个问题中，已销号1个，未销号2个，整改率33%。" in t for t in texts), texts  # Q3 closed on 3/20
    coverage, items, schools = (_table(t) for t in doc.tables)
    assert coverage[1] == ["第一责任区", "5", "2", "3", "实验小学（周永红）、葛城小学（李明）、机关幼儿园（李明）"]
    assert items[1:] == [["1", "作业总量控制", "1", "1", "0", "1", "0", "0"],
                         ["2", "课后服务开展", "0", "2", "0", "0", "2", "0"],
                         ["3", "校外培训治理", "1", "0", "1", "0", "0", "0"]]
    assert schools[1:] == [["1", "重庆市城口中学", "第一责任区", "2.课后服务开展", "Q1", "0", "1"],
                           ["2", "城口县第一中学", "第一责任区", "1.作业总量控制；2.课后服务开展", "Q2、Q3", "1", "1"]]
    assert texts[-1] == "2024年3月15日"
    later = await harness.one(OFFICE, LIU, "#专项通报 双减", at="2024-03-25T10:05:00+08:00")
    assert any("已销号2个，未销号1个" in p.text for p in Document(later.out.files[0]).paragraphs)
    future = await harness.one(OFFICE, LIU, "#专项通报 双减 截至3月30日", at="2024-03-25T10:10:00+08:00")
    assert "还没到" in future.text and not future.out.files
    elsewhere = await harness.one(D1, LIU, "#专项通报 双减", at="2024-03-25T10:15:00+08:00")
    assert "督导室群" in elsewhere.text and not elsewhere.out.files


async def _bulletins(h) -> list:  # noqa: ANN001
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Bulletin).order_by(m.Bulletin.id)))


async def test_issuing_the_campaign_bulletin_with_a_number_and_correcting_it(harness) -> None:
    """#印发通报 naming the campaign: the document of the draft with the 文号 written in, stored as issued, sent to
    the office room; once per 截至 day; a correction recomputed as of the same day names the one it corrects."""
    await _seed(harness)
    sent = await harness.one(OFFICE, LIU, "#印发通报 双减 城督〔2024〕6号 截至3月15日", at="2024-03-25T10:00:00+08:00")
    assert "城督〔2024〕6号《关于双减专项督导情况的通报》已印发" in sent.text and sent.out.room == OFFICE
    [row] = await _bulletins(harness)
    assert (row.kind, row.label, str(row.period_last), str(row.issued_on)) == (
        "campaign", "双减专项督导（截至3月15日）", "2024-03-15", "2024-03-25")
    assert row.name == "城督〔2024〕6号双减专项督导通报.docx" and "应检查5所，已完成2所（40%）" in row.text
    doc = Document(sent.out.files[0])
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "城督〔2024〕6号" and doc.sections[0].header.paragraphs[0].text == ""  # not a draft
    assert any("已销号1个，未销号2个，整改率33%。" in t for t in texts) and texts[-1] == "2024年3月25日"
    again = await harness.one(OFFICE, LIU, "#印发专项通报 双减 城督〔2024〕7号 截至3月15日", at="2024-03-25T10:05:00+08:00")
    assert "已经印发（城督〔2024〕6号）" in again.text and len(await _bulletins(harness)) == 1
    fixed = await harness.one(OFFICE, LIU, "#更正通报 城督〔2024〕6号 城督〔2024〕7号 完成数有误",
                              at="2024-03-26T10:00:00+08:00")
    assert "更正城督〔2024〕6号" in fixed.text
    first, second = await _bulletins(harness)
    assert (second.kind, second.subject, second.period_last, second.corrects_id) == (
        "campaign", first.subject, first.period_last, first.id)
    texts = [p.text for p in Document(fixed.out.files[0]).paragraphs]
    assert texts[0].endswith("（更正）") and any("本通报是对城督〔2024〕6号的更正" in t for t in texts)
    assert any("已销号1个，未销号2个" in t for t in texts)  # still as of 3月15日, though Q3 closed on 3月20日
    final = await harness.one(OFFICE, LIU, "#印发通报 双减 城督〔2024〕8号", at="2024-03-26T11:00:00+08:00")
    assert "已印发" in final.text and (await _bulletins(harness))[-1].period_last.isoformat() == "2024-03-22"


async def test_a_campaign_bulletin_refused_says_why_and_stores_nothing(harness) -> None:
    await _seed(harness)
    for text, reason in (("#印发通报 双减", "印发通报需要文号"),
                         ("#印发通报 双减 城督〔2024〕6号 截至3月1日", "3月11日才开始"),
                         ("#印发通报 双减 城督〔2024〕6号 截至3月22日 印发日期3月20日", "晚于印发日期"),
                         ("#印发通报 双减 城督〔2023〕6号", "文号城督〔2023〕6号中的年份与印发日期不一致"),
                         ("#印发专项通报 体育 城督〔2024〕6号", "没有找到")):
        reply = await harness.one(OFFICE, LIU, text, at="2024-03-25T10:00:00+08:00")
        assert reason in reply.text and not reply.out.files, (text, reply.text)
    refused = await harness.one(D1, ZHOU, "#印发通报 双减 城督〔2024〕6号", at="2024-03-25T10:00:00+08:00")
    assert "督导室" in refused.text and await _bulletins(harness) == []


async def test_dudao_export_campaign_writes_it(harness, tmp_path: Path) -> None:
    await _seed(harness)
    settings = harness.app.settings
    now = datetime.fromisoformat("2024-03-25T10:00:00+08:00")
    line = await export_campaign(settings, "双减", "2024-03-15", tmp_path, now)
    assert "已写出双减专项督导通报（截至2024年3月15日）" in line
    doc = Document(str(tmp_path / "双减专项督导通报.docx"))
    assert any("已销号1个，未销号2个" in p.text for p in doc.paragraphs)
    for name, day, reason in (("体育", None, "没有找到专项督导“体育”"), ("双减", "2024-04-01", "还没到"),
                              ("双减", "3/15", "看不懂日期")):
        try:
            await export_campaign(settings, name, day, tmp_path, now)
        except BadInput as err:
            assert reason in str(err)
        else:
            raise AssertionError(f"{name} {day}: no error")


def test_the_template_is_the_one_the_tool_builds(tmp_path: Path) -> None:
    """tools/make_campaign_template.py regenerates the shipped template: same paragraphs and tables."""
    built = runpy.run_path(str(Path(__file__).parents[2] / "tools" / "make_campaign_template.py"))["build"](
        tmp_path / "t.docx")
    shipped, fresh = Document(str(CAMPAIGN_TEMPLATE)), Document(str(built))
    assert [p.text for p in shipped.paragraphs] == [p.text for p in fresh.paragraphs]
    assert [_table(t) for t in shipped.tables] == [_table(t) for t in fresh.tables]
