"""考核.xlsx: the 责任督学考核 of bot.reports.assessment as the office's workbook — one row a supervisor and a
合计 row on the sheet 考核 under a title (header frozen with the names, widths fitted to Chinese text, rates as
percentages, printed landscape one page wide), and a sheet 说明 saying what each column counts, the period, and
when a verification or a 月报 is on time."""
from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.domain import figures
from bot.render import Renderer
from bot.reports.assessment import Assessment, SupervisorRow
from bot.reports.book_style import (
    HEADER_ROW,
    WRAP,
    add_notes_sheet,
    add_title,
    header_cells,
    print_setup,
    set_widths,
    text_cell,
)

NOTES_TEMPLATE = "documents/assessment_notes.j2"  # the 说明 sheet: what each column counts
COLUMNS = ("责任区", "责任督学", "挂牌学校数", "到校学校数", "到校覆盖率", "到校次数", "各校到校次数", "未到校学校",
           "发现问题数", "验收次数", "按时验收次数", "按时验收率", "验收超期", "月报应报", "月报按时", "月报逾期",
           "月报未报", "请假免报", "月报按时率")  # what row_values and total_values give (the desk's page shows these)
HEADERS = ("序号", *COLUMNS)  # the workbook's: numbered
PERCENT = {"到校覆盖率", "按时验收率", "月报按时率"}
WRAPPED = {"各校到校次数", "未到校学校"}
MAX_WIDTH = 60


def row_values(r: SupervisorRow) -> tuple:
    return (r.district, r.name, len(r.schools), r.schools_visited, r.coverage, r.visits,
            "、".join(f"{name}{n}次" for name, n in r.visits_by_school), "、".join(r.unvisited), r.findings,
            r.verifications, r.verified_on_time, r.on_time_rate, r.verify_late, r.reports_due, r.reports_on_time,
            r.reports_late, r.reports_missing, r.reports_excused, r.report_rate)


def total_values(a: Assessment) -> tuple:
    t = a.totals
    coverage = t["visited"] / t["schools"] if t["schools"] else None
    on_time = t["verified_on_time"] / t["verifications"] if t["verifications"] else None
    reports = t["reports_on_time"] / t["reports_due"] if t["reports_due"] else None
    return ("合计", f"{len(a.rows)}人", t["schools"], t["visited"], coverage, t["visits"], "", "", t["findings"],
            t["verifications"], t["verified_on_time"], on_time, t["verify_late"], t["reports_due"],
            t["reports_on_time"], t["reports_late"], t["reports_missing"], t["reports_excused"], reports)


def write_assessment(a: Assessment, target: Path | BinaryIO, generated: datetime) -> int:
    """Write the workbook to `target` (a path or a binary file): the title `{county}责任督学考核表` with the period
    and `generated` (county time), a numbered table with its 合计 row, print setup, and the 说明 sheet. Returns
    the rows."""
    rows = [(i, *row_values(r)) for i, r in enumerate(a.rows, start=1)]
    total = ("", *total_values(a))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考核")
    ws.freeze_panes = f"D{HEADER_ROW + 1}"
    set_widths(ws, _widths([HEADERS, *rows, total]))
    print_setup(ws, len(HEADERS), HEADER_ROW)
    p = a.period
    add_title(ws, f"{a.county}责任督学考核表", f"{p.label}（{p.first.isoformat()} 至 {p.last.isoformat()}）",
              generated, len(HEADERS))
    ws.append(header_cells(ws, HEADERS))
    for values in rows:
        ws.append([_plain(ws, h, v) for h, v in zip(HEADERS, values, strict=True)])
    ws.append([_cell(ws, h, v, font=Font(bold=True)) for h, v in zip(HEADERS, total, strict=True)])
    _photo_sheet(wb, a)
    add_notes_sheet(wb, "说明", _notes(a, generated))
    wb.save(target)
    return len(rows)


PHOTO_HEADERS = ("对象", "名称", "疑似重复照片", "照片数")


def _photo_sheet(wb: Workbook, a: Assessment) -> None:
    """The sheet 疑似重复照片: per supervisor (the rows of 考核) and per school with photos in the period, how many of
    the period's photos are the same as, or nearly the same as, another finding's or an earlier report's."""
    ws = wb.create_sheet("疑似重复照片")
    set_widths(ws, (10, 30, 14, 10))
    ws.append(header_cells(ws, PHOTO_HEADERS))
    for r in a.rows:
        ws.append([text_cell(ws, "责任督学"), text_cell(ws, r.name), a.photos.by_supervisor.get(r.person_id, 0), None])
    for school, doubtful, photos in a.photos.by_school:
        ws.append([text_cell(ws, "学校"), text_cell(ws, school), doubtful, photos])


def _notes(a: Assessment, generated: datetime) -> list[tuple[str, str]]:
    """The 说明 rows (name, note) from the template: what each column counts, the period, what is on time."""
    p = a.period
    text = Renderer().render(NOTES_TEMPLATE, county=a.county, label=p.label, first=p.first.isoformat(),
                             last=p.last.isoformat(), until=a.until.isoformat(), days=a.verify_days,
                             due_day=a.report_due_day, generated=generated.strftime("%Y-%m-%d %H:%M"))
    rows = [(name, note) for name, _, note in (line.partition("|") for line in text.splitlines())]
    return [*rows, ("", ""), ("本县统一指标", "说明"), *figures.notes_rows(a.verify_days)]


def _plain(ws, header: str, value: object) -> object:  # noqa: ANN001 — a worksheet
    """A body cell: a number as it is (no cell object: 5,000 supervisors make 100,000 cells), else as `_cell`."""
    if header not in WRAPPED and header not in PERCENT and (value is None or isinstance(value, int)):
        return value
    return _cell(ws, header, value)


def _cell(ws, header: str, value: object, **style: object) -> object:  # noqa: ANN001 — a worksheet
    cell = text_cell(ws, value, **style)
    if header in WRAPPED:
        cell.alignment = WRAP
    if header in PERCENT and value is not None:
        cell.number_format = "0%"
    return cell


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


WIDTH_SAMPLE = 500  # rows measured for the column widths (a long table's first ones, its header and total)


def _widths(rows: list[tuple]) -> list[float]:
    widths = [0] * len(HEADERS)
    for row in (*rows[:WIDTH_SAMPLE], rows[-1]) if len(rows) > WIDTH_SAMPLE else rows:
        for i, v in enumerate(row):
            text = f"{v:.0%}" if isinstance(v, float) else "" if v is None else str(v)
            widths[i] = max(widths[i], display_width(text))
    return [min(MAX_WIDTH, w + 2) for w in widths]
