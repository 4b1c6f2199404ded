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

from bot.render import Renderer
from bot.reports.assessment import Assessment, SupervisorRow

NOTES_TEMPLATE = "documents/assessment_notes.j2"  # the 说明 sheet: what each column counts
HEADERS = ("责任区", "责任督学", "挂牌学校数", "到校学校数", "到校覆盖率", "到校次数", "各校到校次数", "未到校学校",
           "发现问题数", "验收次数", "按时验收次数", "按时验收率", "月报应报", "月报按时", "月报逾期", "月报未报",
           "请假免报")
PERCENT = {"到校覆盖率", "按时验收率"}
MAX_WIDTH = 60


def row_values(r: SupervisorRow) -> tuple:
    return (r.district, r.name, len(r.schools), r.schools_visited, r.coverage, r.visits,
            "、".join(f"{name}{n}次" for name, n in r.visits_by_school), "、".join(r.unvisited), r.findings,
            r.verifications, r.verified_on_time, r.on_time_rate, r.reports_due, r.reports_on_time, r.reports_late,
            r.reports_missing, r.reports_excused)


def total_values(a: Assessment) -> tuple:
    t = a.totals
    coverage = t["visited"] / t["schools"] if t["schools"] else None
    on_time = t["verified_on_time"] / t["verifications"] if t["verifications"] else None
    return ("合计", f"{len(a.rows)}人", t["schools"], t["visited"], coverage, t["visits"], "", "", t["findings"],
            t["verifications"], t["verified_on_time"], on_time, t["reports_due"], t["reports_on_time"],
            t["reports_late"], t["reports_missing"], t["reports_excused"])


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
    text = Renderer().render(NOTES_TEMPLATE, county=a.county, label=p.label, first=p.first.isoformat(),
                             last=p.last.isoformat(), until=a.until.isoformat(), days=a.verify_days,
                             due_day=a.report_due_day, generated=generated.strftime("%Y-%m-%d %H:%M"))
    for line in text.splitlines():
        name, _, note = line.partition("|")
        ws.append([_cell(ws, name, font=bold), _cell(ws, note, alignment=wrap)])


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
