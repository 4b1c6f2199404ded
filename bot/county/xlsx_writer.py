"""Write a county as an .xlsx workbook (for `dudao county template` and round-trip tests).

The layout is bot.county.xlsx_layout's. Of the policy the workbook holds the 综合督导考核 (考核指标, 每个逾期扣分),
通报发送 and 申诉决定时限, always written (the defaults too, so the office sees what it may change); the rest is not
written and loads with its defaults, so a county whose other policy differs is warned about and should keep its YAML
file.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

import bot.county.xlsx_layout as lay
from bot.county.policy import Policy, SchoolAssessment
from bot.county.schema import CountyData, Person
from bot.text import cell_text

logger = logging.getLogger("dudao.county")


def _join(values: Iterable[str]) -> str | None:
    return lay.LIST_JOINER.join(values) or None


def _school_cell(person: Person) -> str | None:
    return person.school if person.is_principal else _join(person.schools)


def _rows(data: CountyData) -> dict[str, list[Sequence[object]]]:
    cal, policy = data.calendar, data.policy
    return {
        "settings": [
            (lay.COUNTY_KEY, data.county),
            (lay.OFFICE_KEY, data.office),
            (lay.HOLIDAYS_KEY, _join(d.isoformat() for d in cal.extra_holidays)),
            (lay.WORKDAYS_KEY, _join(d.isoformat() for d in cal.extra_workdays)),
            (lay.DEDUCTION_KEY, policy.school_assessment.overdue_deduction),
            (lay.BULLETIN_KEY, _join(lay.BULLETIN_ROOM_NAMES[r] for r in policy.bulletin_rooms)),
            (lay.APPEAL_KEY, policy.appeal_within.n),  # working days (policy.Workdays)
            (lay.EXTEND_KEY, lay.EXTEND_FROM_NAMES[policy.extend_from]),
        ],
        "districts": [(d.name, d.lead) for d in data.districts],
        "schools": [(s.name, _join(s.short), s.district, s.type) for s in data.schools],
        "people": [(p.id, p.name, p.role, p.chat_id, _school_cell(p)) for p in data.people],
        "rooms": [
            (r.chat_id, r.name or None, lay.SCOPE_NAMES[r.scope], r.district, r.school) for r in data.rooms
        ],
        "terms": [(t.name, t.starts, t.check_window[0], t.check_window[1]) for t in cal.terms],
        "campaigns": [(c.name, c.kind, c.starts, c.ends, _join(c.scope), lay.ITEM_JOINER.join(c.items) or None,
                       _join(c.checkers)) for c in data.campaigns],
        "assessment": list(policy.school_assessment.indicators.items()),
    }


def _unwritten_policy(policy: Policy) -> Policy:
    """The policy less what the workbook holds: what a county loaded from it gets back is the default for this."""
    default = Policy()
    return policy.model_copy(update={"school_assessment": SchoolAssessment(), "bulletin_rooms": default.bulletin_rooms,
                                     "appeal_within": default.appeal_within})


def _cell(value: object) -> object:
    """A text through bot.text.cell_text (a name that starts with `=` is never a formula; xlsx_source reads the
    apostrophe off again); anything else as it is."""
    return cell_text(value) if isinstance(value, str) else value


def _fill(ws: Worksheet, sheet: lay.Sheet, rows: list[Sequence[object]]) -> None:
    ws.append([_cell(c.header) for c in sheet.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    for i, column in enumerate(sheet.columns):
        width = max([len(column.header) * 2 + 2, *(len(str(r[i] or "")) * 2 for r in rows)])
        ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = min(width, 60)
    for row in ws.iter_rows(min_row=2, min_col=1, max_col=len(sheet.columns)):
        for cell in row:
            if cell.is_date:
                cell.number_format = "yyyy-mm-dd"


def write_county_xlsx(data: CountyData, path: Path | str) -> None:
    """Write every sheet (also the optional ones, with headers only when empty)."""
    if _unwritten_policy(data.policy) != Policy():
        logger.warning("the county policy differs from the defaults in what a workbook does not hold, "
                       "and that part is not written to %s", path)
    book = Workbook()
    rows = _rows(data)
    first = True
    for sheet in lay.SHEETS:
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = sheet.title
        _fill(ws, sheet, rows[sheet.section])
    book.save(Path(path))
