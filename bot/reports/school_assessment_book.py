"""学校综合督导考核.xlsx: bot.reports.school_assessment as the office's workbook — the sheet 全县排名 (one row a
school, by county rank) and a sheet per district (its schools by district rank), each under a title with the
header frozen, every indicator's value and points beside the score and the two ranks; and a sheet 说明 saying how
each indicator is computed and weighted, and the 不适用 rule. Values only: no formula, user text made safe
(book_style.text_cell)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook

from bot.domain.school_indicators import one_decimal
from bot.render import Renderer
from bot.reports.assessment_book import display_width
from bot.reports.book_style import (
    HEADER_ROW,
    add_notes_sheet,
    add_title,
    header_cells,
    print_setup,
    set_widths,
    text_cell,
)
from bot.reports.school_assessment import Measure, SchoolAssessment, SchoolScore

NOTES_TEMPLATE = "documents/school_assessment_notes.j2"
NOT_APPLICABLE = "不适用"
COUNTY_SHEET = "全县排名"
MAX_WIDTH = 40


def headers(a: SchoolAssessment) -> tuple[str, ...]:
    """The table's columns (the desk's page shows the same): the school, its score and ranks, then for each
    indicator its value and its points."""
    per = [h for i, _ in a.weights for h in (i.name, f"{i.name}得分")]
    return ("责任区", "学校", "综合得分", "全县排名", "责任区排名", *per)


def percent_headers(a: SchoolAssessment) -> set[str]:
    return {i.name for i, _ in a.weights if i.is_rate}


def row_values(r: SchoolScore) -> tuple:
    """A school's row: a rate as a fraction (shown as a percentage), a count as it is, 不适用 as the word."""
    per = [v for m in r.measures for v in (_value(m), NOT_APPLICABLE if m.points is None else m.points)]
    return (r.district, r.name, NOT_APPLICABLE if r.score is None else r.score, r.county_rank, r.district_rank, *per)


def _value(m: Measure) -> object:
    if m.value is None:
        return NOT_APPLICABLE
    return m.value / 100 if m.indicator.is_rate else m.value


def write_school_assessment(a: SchoolAssessment, rows: list[SchoolScore], target: Path | BinaryIO,
                            generated: datetime, scope: str) -> int:
    """Write the workbook of `rows` (what the asker may see) to `target`: 全县排名, a sheet per district, 说明.
    `scope` names what the rows cover (全县, 第一责任区, a school). Returns the rows written."""
    wb = Workbook(write_only=True)
    _sheet(wb, a, COUNTY_SHEET, a.by_county_rank(rows), generated, f"{scope}（按全县排名）")
    for district_id, name in a.districts:
        mine = [r for r in rows if r.district_id == district_id]
        if mine and name:
            _sheet(wb, a, name[:31], mine, generated, f"{name}（按责任区排名）")
    add_notes_sheet(wb, "说明", _notes(a, generated, scope))
    wb.save(target)
    return len(rows)


def _sheet(wb: Workbook, a: SchoolAssessment, title: str, rows: list[SchoolScore], generated: datetime,
           what: str) -> None:
    names = ("序号", *headers(a))
    percent = percent_headers(a)
    values = [(i, *row_values(r)) for i, r in enumerate(rows, start=1)]
    ws = wb.create_sheet(title)
    ws.freeze_panes = f"D{HEADER_ROW + 1}"
    set_widths(ws, _widths([names, *values]))
    print_setup(ws, len(names), HEADER_ROW)
    p = a.period
    add_title(ws, f"{a.county}学校综合督导考核表",
              f"{p.label}（{p.first.isoformat()} 至 {p.last.isoformat()}），{what}", generated, len(names))
    ws.append(header_cells(ws, names))
    for row in values:
        cells = []
        for header, value in zip(names, row, strict=True):
            cell = text_cell(ws, value)
            if header in percent and isinstance(value, float):
                cell.number_format = "0%"
            cells.append(cell)
        ws.append(cells)


def _widths(rows: list[tuple]) -> list[float]:
    widths = [0] * len(rows[0])
    for row in rows:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], display_width(f"{v:.0%}" if isinstance(v, float) and v <= 1 else
                                                     "" if v is None else str(v)))
    return [min(MAX_WIDTH, w + 2) for w in widths]


def _notes(a: SchoolAssessment, generated: datetime, scope: str) -> list[tuple[str, str]]:
    p = a.period
    indicators = [dict(name=i.name, weight=w, reads=i.reads, rule=i.rule(a.deduction), rate=i.is_rate,
                       better="越高越好" if i.better == "higher" else "越少越好") for i, w in a.weights]
    text = Renderer().render(NOTES_TEMPLATE, county=a.county, label=p.label, first=p.first.isoformat(),
                             last=p.last.isoformat(), until=a.until.isoformat(), scope=scope,
                             generated=generated.strftime("%Y-%m-%d %H:%M"), indicators=indicators,
                             due_day=a.self_check_due_day)
    return [(name, note) for name, _, note in (line.partition("|") for line in text.splitlines())]


def share_text(m: Measure) -> str:
    """The weight an indicator carries for a school, as shown: 40, or 40→50 when 不适用 moved weight to it."""
    if m.share is None:
        return f"{m.weight}（不适用）"
    shown = one_decimal(m.share)
    return f"{m.weight}" if shown == m.weight else f"{m.weight}→{shown:g}"
