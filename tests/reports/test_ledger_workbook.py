"""The 整改台账 and 考核 workbooks as the office files and prints them, read back with openpyxl: the title, 序号,
dates as Excel dates, every report and verification in order, the print setup, and user text never a formula."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.parsing.periods import month_period
from bot.reports.assessment import Assessment, SupervisorRow
from bot.reports.assessment_book import write_assessment
from bot.reports.book_style import add_notes_sheet
from bot.reports.ledger_book import HEADERS
from bot.text import cell_text

SYXX, OFFICE = "room-syxx@chatroom", "room-office@chatroom"
ZHOU, LIUYANG, LIU = "wxid_zhouyonghong", "wxid_liuyang", "wxid_liujianguo"
EVIL = ("\u0001=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "＝1+1", "\t=1+1",
        "\r\n=1+1", "\u0008\u000b=cmd|' /C calc'!A0")


def columns(ws) -> dict[str, int]:  # noqa: ANN001 — a worksheet
    return {cell.value: cell.column for cell in ws[3]}


async def test_title_numbers_dates_and_every_report_in_order(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 消防通道堵塞 限期5天")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已清理通道", at="2024-03-12T10:05:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 不通过 仍有杂物", at="2024-03-13T09:00:00+08:00")
    await h.say(SYXX, LIUYANG, "#整改 Q1 杂物已全部搬走", at="2024-03-14T16:30:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q1 通过 很好", at="2024-03-15T11:20:00+08:00")
    await h.say(SYXX, ZHOU, "#问题 实验小学 围墙破损")
    sent = await h.one(OFFICE, LIU, "#导出 实验小学", at="2024-04-08T15:30:00+08:00")
    ws = load_workbook(sent.out.files[0])["整改台账"]
    assert ws["A1"].value == "城口县整改台账" and ws["A1"].font.bold and ws["A1"].font.size > 11
    assert ws["A2"].value == "城口县实验小学的问题　　导出时间：2024年4月8日 15:30"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:W1", "A2:W2"}
    col = columns(ws)
    assert tuple(col) == HEADERS and [ws.cell(row, 1).value for row in (4, 5)] == [1, 2]
    found, due = ws.cell(4, col["发现时间"]), ws.cell(4, col["整改期限"])
    assert found.value == datetime(2024, 3, 11, 9, 0) and found.number_format == "yyyy-mm-dd hh:mm"
    assert due.value == datetime(2024, 3, 16) and due.number_format == "yyyy-mm-dd" and due.is_date
    rectified, verified = ws.cell(4, col["整改时间"]), ws.cell(4, col["验收时间"])
    assert rectified.value == datetime(2024, 3, 14, 16, 30) and rectified.number_format == "yyyy-mm-dd hh:mm"
    assert verified.value == datetime(2024, 3, 15, 11, 20) and verified.number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(4, col["整改情况"]).value == "2024-03-12 已清理通道；\n2024-03-14 杂物已全部搬走"
    assert ws.cell(4, col["验收意见/不通过原因"]).value == "2024-03-13 不通过：仍有杂物；\n2024-03-15 通过：很好"
    assert ws.cell(4, col["整改情况"]).alignment.wrap_text
    assert ws.cell(5, col["整改情况"]).value is None and ws.cell(5, col["验收时间"]).value is None


async def test_the_ledger_prints_on_a3_landscape_one_page_wide(harness) -> None:
    await harness.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    ws = load_workbook((await harness.one(OFFICE, LIU, "#导出")).out.files[0])["整改台账"]
    assert ws["A2"].value.startswith("全部问题　　导出时间：2024年3月11日")
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 8, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_options.gridLines
    assert ws.print_title_rows == "$3:$3" and ws.freeze_panes == "C4" and ws.auto_filter.ref == "A3:W4"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws.column_dimensions["H"].width >= 30 and ws["C3"].font.bold


async def test_typed_text_never_becomes_a_formula_in_the_ledger(tmp_path: Path) -> None:
    from bot.reports.ledger_book import write_ledger

    async def rows() -> AsyncIterator[tuple]:
        for i, text in enumerate(EVIL, start=1):
            yield (f"Q{i}", text, "", text, text, text, text, text, "", None, date(2026, 9, 1), "待整改", "", text,
                   None, 0, "", None, text, text, text)

    path = tmp_path / "ledger.xlsx"
    count = await write_ledger(path, rows(), county="城口县", generated=datetime(2026, 12, 6, 15, 30),
                               subtitle="=HYPERLINK(\"http://evil.example\")")
    ws = load_workbook(path)["整改台账"]
    assert count == len(EVIL)
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert len(cells) > 10 * len(EVIL)
    for cell in cells:
        assert cell.data_type != "f" and not cell.value.startswith(("=", "+", "-", "@", "＝")), cell.coordinate
    assert ws["H4"].value == "'=HYPERLINK(\"http://evil.example\",\"点我\")"  # the control character gone


async def test_without_openpyxls_style_array_each_cell_gets_the_same_format(tmp_path: Path, monkeypatch) -> None:
    """The public path of bot/private_names.py's 'ledger-styles': the same dates and wrapping, set cell by cell."""
    from bot.reports import ledger_book

    async def rows() -> AsyncIterator[tuple]:
        yield ("Q1", "实验小学", "第一责任区", "安全", "一般", "经常性督导", "扶手松动\n两处", "周", "周", datetime(2024, 3, 11, 9),
               date(2024, 3, 16), "待整改", "", 0, "已修", datetime(2024, 3, 12, 10), 1, "", None, "", "", "")

    books = {}
    for private in (True, False):
        if not private:
            monkeypatch.setattr(ledger_book, "check", lambda key: {key: ["openpyxl.cell.cell:Cell._style"]})
        books[private] = path = tmp_path / f"ledger-{private}.xlsx"
        await ledger_book.write_ledger(path, rows(), county="城口县", generated=datetime(2026, 12, 6, 15, 30),
                                       subtitle="全部问题")
    cells = {private: [(c.value, c.number_format, c.alignment.wrap_text) for c in load_workbook(path)["整改台账"][4]]
             for private, path in books.items()}
    assert cells[True] == cells[False]
    assert (datetime(2024, 3, 16), "yyyy-mm-dd", None) in cells[False] and ("已修", "General", True) in cells[False]


@pytest.mark.parametrize(("typed", "kept"), [("\u0001=1+1", "'=1+1"), ("＠x", "'＠x"), ("\n=1", "'\n=1"),
                                            ("扶手=松动", "扶手=松动"), ("", "")])
def test_cell_text_removes_control_characters_before_neutralising(typed: str, kept: str) -> None:
    assert cell_text(typed) == kept


def march(name: str) -> Assessment:
    row = SupervisorRow(person_id=1, name=name, district="第一责任区", schools=("实验小学",),
                        visits_by_school=(("实验小学", 2),), unvisited=(), findings=1, verifications=1,
                        verified_on_time=1, reports_due=1, reports_on_time=1)
    totals = dict(schools=1, visited=1, visits=2, findings=1, verifications=1, verified_on_time=1, verify_late=0,
                  reports_due=1,
                  reports_on_time=1, reports_late=0, reports_missing=0, reports_excused=0)
    return Assessment(county="城口县", period=month_period(date(2026, 11, 1)), until=date(2026, 11, 30),
                      verify_days=5, report_due_day=25, rows=(row,), totals=totals)


def test_the_assessment_workbook_has_a_title_numbers_print_setup_and_safe_names(tmp_path: Path) -> None:
    path = tmp_path / "考核.xlsx"
    write_assessment(march("\u0001=HYPERLINK(\"http://evil.example\",\"点我\")"), path, datetime(2026, 12, 6, 15, 30))
    wb = load_workbook(path)
    ws = wb["考核"]
    assert ws["A1"].value == "城口县责任督学考核表" and ws["A1"].font.bold
    assert ws["A2"].value == "2026年11月（2026-11-01 至 2026-11-30）　　导出时间：2026年12月6日 15:30"
    assert ws["A3"].value == "序号" and ws["A4"].value == 1 and ws["B5"].value == "合计"
    name = ws["C4"]
    assert name.data_type != "f" and name.value == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 8, 1, 0)
    assert ws.print_title_rows == "$3:$3" and ws.freeze_panes == "D4"
    notes = wb["说明"]
    assert notes["A1"].value == "名称" and notes["B1"].value == "说明" and notes.print_title_rows == "$1:$1"
    assert notes.page_setup.paperSize == 9 and notes.page_setup.orientation == "landscape"
    assert notes.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_a_notes_sheet_holds_its_rows_safely(tmp_path: Path) -> None:
    wb = Workbook()
    add_notes_sheet(wb, "说明", [("统计范围", "2026年11月"), ("", ""), ("-注意", "=1+1")])
    wb.save(tmp_path / "notes.xlsx")
    ws = load_workbook(tmp_path / "notes.xlsx")["说明"]
    assert list(ws.iter_rows(values_only=True)) == [("名称", "说明"), ("统计范围", "2026年11月"), (None, None),
                                                    ("'-注意", "'=1+1")]
    assert ws["B4"].data_type != "f" and ws["B2"].alignment.wrap_text and ws.freeze_panes == "A2"
