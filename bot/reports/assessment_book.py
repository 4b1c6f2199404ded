"""考核.xlsx: the 责任督学考核 of bot.reports.assessment as the office's workbook — one row a supervisor and a
合计 row on the sheet 考核 (header frozen with the names, widths fitted to Chinese text, rates as percentages), and
a sheet 说明 saying what each column counts, the period, and when a verification or a 月报 is on time."""
from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.reports.assessment import Assessment, SupervisorRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("责任区", "督学所属责任区：其负责的责任区，否则其挂牌学校最多的责任区。"),
    ("责任督学", "名册中在岗的责任督学（责任区负责人也是责任督学）。"),
    ("挂牌学校数", "名册中分配给该督学的学校数（按当前名册）。"),
    ("到校学校数", "统计期内有到校记录（#到校）的挂牌学校数。"),
    ("到校覆盖率", "到校学校数 ÷ 挂牌学校数。"),
    ("到校次数", "统计期内该督学的到校记录条数（含到非挂牌学校）。"),
    ("各校到校次数", "统计期内到过的每所学校及次数，次数多的在前。"),
    ("未到校学校", "统计期内没有到校记录的挂牌学校。"),
    ("发现问题数", "统计期内该督学登记的问题数（不含已撤销的）。"),
    ("验收次数", "统计期内该督学做出的验收（通过与不通过都算）。"),
    ("按时验收次数", "其中按时的验收：在所验收的整改报告当天之后{days}个工作日内（含第{days}个工作日）完成，"
                "即督导助手催办验收之前。"),
    ("按时验收率", "按时验收次数 ÷ 验收次数。"),
    ("月报应报", "统计期内截止日（每月{due_day}日）已过或已报送的月报份数，请假免报的不计。"),
    ("月报按时", "当月月报在截止日（含）之前首次报送的份数。"),
    ("月报逾期", "截止日之后才报送的份数。"),
    ("月报未报", "截止日已过仍未报送的份数。"),
    ("请假免报", "截止日当天（遇节假日为之前最后一个工作日）在请假、未报送的份数，不计入应报。"),
)
HEADERS = tuple(name for name, _ in COLUMNS)
PERCENT = {"到校覆盖率", "按时验收率"}
MAX_WIDTH = 60


def row_values(r: SupervisorRow) -> tuple:
    return (r.district, r.name, len(r.schools), r.schools_visited, r.coverage, r.visits,
            "、".join(f"{name}{n}次" for name, n in r.visits_by_school), "、".join(r.unvisited), r.findings,
            r.verifications, r.verified_on_time, r.on_time_rate, r.reports_due, r.reports_on_time, r.reports_late,
            r.reports_missing, r.reports_excused)


def total_values(a: Assessment) -> tuple:
    t = a.totals
    return ("合计", f"{len(a.rows)}人", t["schools"], t["visited"], t["visited"] / t["schools"] if t["schools"] else None,
            t["visits"], "", "", t["findings"], t["verifications"], t["verified_on_time"],
            t["verified_on_time"] / t["verifications"] if t["verifications"] else None, t["reports_due"],
            t["reports_on_time"], t["reports_late"], t["reports_missing"], t["reports_excused"])


def write_assessment(a: Assessment, target: Path | BinaryIO, generated: datetime) -> int:
    """Write the workbook to `target` (a path or a binary file); `generated`: county time. Returns the rows."""
    rows = [row_values(r) for r in a.rows]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考核")
    ws.freeze_panes = "C2"
    for i, width in enumerate(_widths([HEADERS, *rows, total_values(a)]), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    ws.append([_cell(ws, h, font=bold) for h in HEADERS])
    for values in rows:
        ws.append([_cell(ws, v, percent=h in PERCENT) for h, v in zip(HEADERS, values, strict=True)])
    ws.append([_cell(ws, v, percent=h in PERCENT, font=bold) for h, v in zip(HEADERS, total_values(a), strict=True)])
    _notes(wb, a, generated)
    wb.save(target)
    return len(rows)


def _notes(wb: Workbook, a: Assessment, generated: datetime) -> None:
    ws = wb.create_sheet("说明")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 16, 90
    wrap, bold = Alignment(wrap_text=True, vertical="top"), Font(bold=True)
    p = a.period
    lines = [
        ("统计范围", f"{a.county}责任督学考核，{p.label}（{p.first.isoformat()} 至 {p.last.isoformat()}）"
                 + ("" if a.until >= p.last else f"，统计至 {a.until.isoformat()}") + "。"),
        ("生成时间", generated.strftime("%Y-%m-%d %H:%M") + "（县时间），由督导助手根据群内记录自动统计。"),
        ("按时验收", f"整改报告（#整改）后{a.verify_days}个工作日内完成验收为按时（县政策“验收时限”，节假日和调休按国家规定"
                 "及县里的补充安排计算）；同一问题多次报告整改的，以验收前最近一次报告为准。"),
        ("按时报送月报", f"每月{a.report_due_day}日（含）之前首次报送当月月报为按时；次月初补报的记为逾期。"),
        ("", ""),
        ("列名", "说明"),
        *((name, text.format(days=a.verify_days, due_day=a.report_due_day)) for name, text in COLUMNS),
    ]
    for name, text in lines:
        ws.append([_cell(ws, name, font=bold), _cell(ws, text, alignment=wrap)])


def _cell(ws, value: object, *, percent: bool = False, **style: object) -> object:  # noqa: ANN001 — a worksheet
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a name starting with = stays words
    if percent and value is not None:
        cell.number_format = "0%"
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _widths(rows: list[tuple]) -> list[float]:
    widths = [0] * len(HEADERS)
    for row in rows:
        for i, v in enumerate(row):
            text = f"{v:.0%}" if isinstance(v, float) else "" if v is None else str(v)
            widths[i] = max(widths[i], display_width(text))
    return [min(MAX_WIDTH, w + 2) for w in widths]
