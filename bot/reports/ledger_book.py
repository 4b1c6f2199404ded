"""The 整改台账 workbook, as the office files and prints it: a title, then one row a finding with every
rectification report and every verification (dated, in order), extensions and withdrawal, the 三色督办 colour filled
in; dates are Excel dates. Streamed (openpyxl write-only, findings and their events read 500 at a time), so a
ledger of 100,000 findings stays within bounded memory."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from bot.domain import figures, sources
from bot.domain.colour import colour
from bot.domain.roster import Roster
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.private_names import check
from bot.reports.book_style import (
    DATE,
    DATETIME,
    HEADER_ROW,
    WRAP,
    add_notes_sheet,
    add_title,
    header_cells,
    print_setup,
    set_widths,
    text_cell,
)
from bot.reports.ledger_history import EVENT_KINDS, Event, opinions, reports
from bot.storage import models as m
from bot.storage.session import Session
from bot.text import cell_text

HEADERS = ("序号", "编号", "学校", "责任区", "类别", "严重程度", "来源", "问题描述", "发现人", "责任督学", "发现时间",
           "整改期限", "状态", "督办颜色", "问题照片数", "整改情况", "整改时间", "佐证照片数", "验收人",
           "验收时间",
           "验收意见/不通过原因", "延期记录", "撤销原因")
WIDTHS = (6, 8, 22, 12, 10, 8, 12, 40, 8, 14, 17, 11, 12, 10, 10, 36, 17, 10, 8, 17, 36, 30, 20)
FORMATS = {"发现时间": DATETIME, "整改期限": DATE, "整改时间": DATETIME, "验收时间": DATETIME}
WRAPPED = ("问题描述", "责任督学", "整改情况", "验收意见/不通过原因", "延期记录", "撤销原因")
COLOUR_COLUMN = HEADERS.index("督办颜色")
COLOURS = {"red": ("红色督办", "FFC7CE"), "yellow": ("黄色督办", "FFEB9C"), "blue": ("蓝色督办", "BDD7EE")}
CHUNK = 500
_EVENTS = select(m.FindingEvent.finding_id, m.FindingEvent.kind, m.FindingEvent.actor_id, m.FindingEvent.at,
                 m.FindingEvent.data).where(m.FindingEvent.kind.in_(EVENT_KINDS))


async def ledger_rows(session: Session, roster: Roster, now: datetime,
                      condition: ColumnElement[bool]) -> AsyncIterator[tuple]:
    """The rows of the findings matching `condition`, in number order, as plain values (without 序号); times as
    naive county-local datetimes. The events the ledger shows are read in one query a chunk of findings."""
    problem = case((m.FindingEvent.kind.in_(evidence.PROBLEM_EVENTS), 1), else_=0)
    photos = {f: (int(shown), int(n) - int(shown)) for f, n, shown in await session.execute(
        select(m.Evidence.finding_id, func.count(), func.coalesce(func.sum(problem), 0))
        .outerjoin(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id)
        .where(m.Evidence.finding_id.is_not(None)).group_by(m.Evidence.finding_id))}
    last = 0
    while True:
        findings = list(await session.scalars(select(m.Finding).where(condition, m.Finding.number > last)
                                              .order_by(m.Finding.number).limit(CHUNK)))
        if not findings:
            return
        events: dict[int, list[Event]] = defaultdict(list)
        for e in await session.execute(_EVENTS.where(m.FindingEvent.finding_id.in_([f.id for f in findings]))
                                       .order_by(m.FindingEvent.id)):
            events[e.finding_id].append(e)
        for f in findings:
            yield _row(f, events[f.id], photos.get(f.id, (0, 0)), roster, now)
        last = findings[-1].number


def _row(f: m.Finding, events: list[Event], photos: tuple[int, int], roster: Roster, now: datetime) -> tuple:
    """One finding's row; `photos`: its (问题照片, 整改照片) counts."""
    school = roster.schools.get(f.school_id)
    district = roster.districts.get(school.district_id) if school else None
    tz = roster.tz
    verdict = next((e for e in reversed(events) if e.kind in (ledger.VERIFY_PASS, ledger.VERIFY_FAIL)), None)
    extensions = "；\n".join(f"{e.data.get('old', '')}→{e.data.get('new', '')}（{e.data.get('reason', '')}）"
                            for e in events if e.kind == ledger.EXTEND)
    withdrawn = next((e for e in reversed(events) if e.kind == ledger.WITHDRAW), None)
    tint = colour(f.status, f.deadline_at, f.due_date, now, roster, appealing=ledger.appealing(f))
    late = ledger.lateness(f, now, tz, roster.calendar, roster.policy.verify_within.n)
    status = ledger.STATUS_LABELS[f.status] + (f"（{late}）" if late else "")
    return (ledger.ref(f.number), school.name if school else "", district.name if district else "", f.category,
            f.severity, sources.label(f.source), f.description, _name(roster, f.finder_id),
            "、".join(p.name for p in roster.supervisors_of(f.school_id)), _local(f.created_at, roster), f.due_date,
            status, tint or "", photos[0], reports(events, tz), _local(f.rectified_at, roster), photos[1],
            _name(roster, verdict.actor_id) if verdict else "", _local(verdict.at, roster) if verdict else None,
            opinions(events, tz), extensions, withdrawn.data.get("reason", "") if withdrawn else "")


def _name(roster: Roster, person_id: int | None) -> str:
    person = roster.people.get(person_id) if person_id is not None else None
    return person.name if person else ""


def _local(at: datetime | None, roster: Roster) -> datetime | None:
    """An instant as the county's wall-clock time, naive (Excel has no time zones), to the minute."""
    return at.astimezone(roster.tz).replace(tzinfo=None, second=0, microsecond=0) if at else None


async def write_ledger(path: Path, rows: AsyncIterator[tuple], *, county: str, generated: datetime,
                       subtitle: str = "全部问题", verify_within: int | None = None) -> int:
    """Stream the rows into a workbook at `path`: the title `{county}整改台账` with `subtitle` (what the rows cover)
    and `generated` (county time), a numbered, frozen, filtered header, colour fills, dates as dates, print setup;
    user text is always text; a 说明 sheet of the statuses and the office's figures (bot.domain.figures). Returns
    the rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    set_widths(ws, WIDTHS)
    print_setup(ws, len(HEADERS), HEADER_ROW)
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    add_title(ws, f"{county}整改台账", subtitle, generated, len(HEADERS))
    ws.append(header_cells(ws, HEADERS))
    styles = _column_styles(ws)
    count = 0
    async for row in rows:
        count += 1
        cells = [_cell(ws, v, styles[i]) for i, v in enumerate((count, *row))]
        label, fill = COLOURS.get(row[COLOUR_COLUMN - 1], ("", None))
        if fill:
            cells[COLOUR_COLUMN] = text_cell(ws, label, fill=PatternFill("solid", fgColor=fill))
        ws.append(cells)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(HEADERS))}{HEADER_ROW + count}"
    add_notes_sheet(wb, "说明", notes(verify_within))
    wb.save(path)
    return count


STATUS_NOTES = (
    ("状态", "待整改：学校尚未报告整改（或验收不通过后退回）；待验收：学校已报告整改，等待责任督学验收；"
             "已销号：验收通过；已撤销：督导室或发现人撤销。"),
    ("（整改逾期）", "待整改且已过整改期限（含批准的延期）：学校的延误。"),
    ("（验收超期）", "待验收且整改报告后超过规定工作日仍未验收：责任督学的延误，不算学校逾期。"),
    ("（申诉中）", "校长已提出申诉、等待督导室决定：其间不计整改逾期和验收超期，也暂停提醒。"),
    ("督办颜色", "蓝色：2个工作日内到期；黄色：已逾期；红色：逾期超过督办期限、报督导室问责。"),
    ("时间", "均为本县时间（北京时间）；整改情况、验收意见按时间先后列出每一次报告和验收。"),
)


def notes(verify_within: int | None) -> list[tuple[str, str]]:
    """The 说明 sheet's rows: the statuses, then every figure as bot.domain.figures defines it."""
    return [*STATUS_NOTES, ("", ""), ("指标", "说明"), *figures.notes_rows(verify_within)]


def _column_styles(ws) -> list:  # noqa: ANN001 — a write-only worksheet; style arrays (or pairs) or None
    """Each column's cell style (a date format, wrapped text), made once and copied into each cell: setting a
    style on every cell costs several times the cell itself. The style array is a private name of openpyxl's
    (bot/private_names.py): without it, (number format, alignment) for each cell to set through the public path."""
    arrays = not check("ledger-styles")
    styles: list[object] = []  # openpyxl style arrays, (number format, alignment) pairs, or None
    for header in HEADERS:
        if header not in FORMATS and header not in WRAPPED:
            styles.append(None)
            continue
        if not arrays:
            styles.append((FORMATS.get(header), WRAP if header in WRAPPED else None))
            continue
        template = Cell(ws, row=1, column=1)
        if header in FORMATS:
            template.number_format = FORMATS[header]
        if header in WRAPPED:
            template.alignment = WRAP
        styles.append(template._style)
    return styles


def _cell(ws, value: object, style: object) -> object:  # noqa: ANN001 — a write-only worksheet
    """A plain value where it needs no style (a cell object costs twice the time); nothing for an empty text."""
    if isinstance(value, str):
        if not value:
            return None
        value = cell_text(value)
    if style is None or value is None:
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(style, tuple):  # the public path (see _column_styles)
        cell, (number_format, alignment) = Cell(ws, row=1, column=1, value=value), style
        if number_format is not None:
            cell.number_format = number_format
        if alignment is not None:
            cell.alignment = alignment
        return cell
    return Cell(ws, row=1, column=1, value=value, style_array=style)
