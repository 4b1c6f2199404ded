"""The 通报 as issued, read back with python-docx from the bytes stored: its 文号 and 印发日期 in place, no 草稿 mark,
the figures as of the month's end; the ledger changing afterwards leaves it byte for byte as it was, and a
correction made later is recomputed (the corrected description in it)."""
from __future__ import annotations

import hashlib
import io

from docx import Document
from sqlalchemy import select

from bot.storage import models as m

SYXX, FXZX, OFFICE = "room-syxx@chatroom", "room-fxzx@chatroom", "room-office@chatroom"
ZHOU, CHEN, LIU, LIUYANG = "wxid_zhouyonghong", "wxid_chenjing", "wxid_liujianguo", "wxid_liuyang"


async def _seed(h) -> None:
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天")  # Q1: due 3/14, overdue at 3/31
    await h.say(FXZX, CHEN, "#问题 复兴中学 食品卫生 留样记录不全 限期1天")  # Q2: due 3/12
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天")  # Q3: closed in March
    await h.say(SYXX, ZHOU, "#到校 实验小学 检查食堂")
    await h.say(SYXX, LIUYANG, "#整改 Q3 已加固", at="2024-03-12T10:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q3 通过")


async def _stored(h, number: str) -> m.Bulletin:
    async with h.app.db.reading() as s:
        row = await s.scalar(select(m.Bulletin).where(m.Bulletin.number == number))
        row.bytes = await s.scalar(select(m.Bulletin.document).where(m.Bulletin.id == row.id))
        return row


def _read(data: bytes):  # noqa: ANN202 — a python-docx Document
    return Document(io.BytesIO(data))


def _table(table) -> list[list[str]]:  # noqa: ANN001
    return [[c.text for c in row.cells] for row in table.rows]


async def test_the_stored_document_has_its_number_and_date_and_the_months_end_figures(harness) -> None:
    h = harness
    await _seed(h)
    await h.say(OFFICE, LIU, "#印发通报 2024年3月 城督〔2024〕3号 印发日期 4月1日", at="2024-04-03T10:00:00+08:00")
    row = await _stored(h, "城督〔2024〕3号")
    assert row.sha256 == hashlib.sha256(row.bytes).hexdigest()
    doc = _read(row.bytes)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "城口县人民政府教育督导室\n关于2024年3月责任督学挂牌督导工作情况的通报"
    assert texts[1] == "城督〔2024〕3号"
    assert texts[-1] == "2024年4月1日" and texts[-2] == "城口县人民政府教育督导室"  # signed on its 印发日期
    assert doc.sections[0].header.paragraphs[0].text == ""  # no 草稿 mark
    assert any("截至2024年3月31日，本月新发现问题中已销号1个" in t for t in texts)
    assert not any("更正" in t for t in texts)
    overdue = _table(doc.tables[2])
    assert overdue[1:] == [["1", "Q2", "城口县复兴中学", "第二责任区", "留样记录不全", "19"],
                           ["2", "Q1", "城口县实验小学", "第一责任区", "消防通道堆放杂物", "17"]]


async def test_the_ledger_changing_afterwards_leaves_the_issued_one_as_it_was(harness) -> None:
    """Findings closed, a description corrected, a new finding of April: the stored bytes stay the bytes issued;
    the correction is recomputed — as of March's end still, with the description as corrected."""
    h = harness
    await _seed(h)
    await h.say(OFFICE, LIU, "#印发通报 2024年3月 城督〔2024〕3号", at="2024-04-02T10:00:00+08:00")
    issued = await _stored(h, "城督〔2024〕3号")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已清理", at="2024-04-03T09:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 通过")
    await h.say(OFFICE, LIU, "#修改 Q2 描述 食堂留样记录不全、留样柜未上锁")
    await h.say(FXZX, CHEN, "#问题 复兴中学 围墙破损 限期3天")
    again = await _stored(h, "城督〔2024〕3号")
    assert again.bytes == issued.bytes and again.sha256 == issued.sha256 == hashlib.sha256(again.bytes).hexdigest()
    assert again.text == issued.text
    await h.say(OFFICE, LIU, "#更正通报 城督〔2024〕3号 城督〔2024〕5号 Q2问题描述不全", at="2024-04-08T10:00:00+08:00")
    correction = await _stored(h, "城督〔2024〕5号")
    doc = _read(correction.bytes)
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "城督〔2024〕5号" and texts[0].endswith("工作情况的通报（更正）") and texts[-1] == "2024年4月8日"
    assert "本通报是对城督〔2024〕3号的更正，原通报同时停止使用。更正原因：Q2问题描述不全。" in texts
    overdue = _table(doc.tables[2])  # Q1 still overdue at March's end, though closed since; Q2 as corrected
    assert [r[1] for r in overdue[1:]] == ["Q2", "Q1"] and overdue[1][4] == "食堂留样记录不全、留样柜未上锁"
    assert _table(_read(issued.bytes).tables[2])[1][4] == "留样记录不全"
    assert "食堂留样记录不全、留样柜未上锁" in correction.text and "留样记录不全，" in issued.text
