"""#导出 writes the 整改台账 the office keeps: a title, its columns, every report and verification, extensions,
withdrawal, the colour filled in, a frozen header and an auto filter (tests/reports/test_ledger_workbook.py has the
dates, the print setup and the formula cases)."""
from __future__ import annotations

from openpyxl import load_workbook

from bot.reports.ledger_book import HEADERS
from tests.support.photos import photo, photos

SYXX, OFFICE = "room-syxx@chatroom", "room-office@chatroom"
ZHOU, LIUYANG, LIU = "wxid_zhouyonghong", "wxid_liuyang", "wxid_liujianguo"


async def test_the_ledger_workbook_has_the_office_columns(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天")  # Q1: rectified, failed, rectified, passed
    await h.say(SYXX, ZHOU, "#问题 实验小学 食品卫生 留样记录不全 限期3天")  # Q2: extended
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堵塞 限期1天")  # Q3: withdrawn
    await h.say(SYXX, ZHOU, "#问题 实验小学 围墙破损 限期1天")  # Q4: left overdue
    await h.say(SYXX, ZHOU, files=photos("a.jpg", "b.jpg"))  # Q4's 问题照片
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固", at="2024-03-12T10:00:00+08:00")
    await h.say(SYXX, LIUYANG, files=(photo("c.jpg", seed=7),))  # Q1's 整改照片
    await h.say(SYXX, ZHOU, "#验收 Q1 不通过 三楼也松动")
    await h.say(SYXX, LIUYANG, "#整改 Q1 三层都已加固", at="2024-03-12T11:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 通过 很好")
    await h.say(OFFICE, LIU, "#延期 Q2 5天 需采购")
    await h.say(OFFICE, LIU, "#撤销 Q3 重复录入")
    sent = await h.one(OFFICE, LIU, "#导出", at="2024-03-14T10:00:00+08:00")
    wb = load_workbook(sent.out.files[0])
    ws = wb["整改台账"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "城口县整改台账" and rows[1][0].startswith("全部问题")
    assert "导出时间：2024年3月14日 10:00" in rows[1][0]
    assert rows[2] == HEADERS and len(rows) == 7
    q1, q2, q3, q4 = (dict(zip(HEADERS, r, strict=True)) for r in rows[3:])
    assert [q["序号"] for q in (q1, q2, q3, q4)] == [1, 2, 3, 4]
    assert q1["来源"] == "经常性督导" and q1["发现人"] == "周永红" and "周永红" in q1["责任督学"] and q1["状态"] == "已销号"
    assert q1["整改情况"] == "2024-03-12 已加固；\n2024-03-12 三层都已加固" and q1["验收人"] == "周永红"
    assert q1["验收意见/不通过原因"] == "2024-03-12 不通过：三楼也松动；\n2024-03-12 通过：很好"
    assert "需采购" in q2["延期记录"] and "→" in q2["延期记录"]
    assert q3["撤销原因"] == "重复录入" and q3["状态"] == "已撤销"
    assert q4["状态"] == "待整改（整改逾期）" and q4["督办颜色"] == "黄色督办"
    assert ws.cell(row=7, column=HEADERS.index("督办颜色") + 1).fill.fgColor.rgb.endswith("FFEB9C")
    assert (q4["问题照片数"], q4["佐证照片数"], q1["问题照片数"], q1["佐证照片数"]) == (2, 0, 0, 1)
    assert ws.freeze_panes == "C4" and ws.auto_filter.ref == "A3:W7"
