"""The 整改台账 workbook, as the office keeps it: one row a finding with its rectification, verification, extensions
and withdrawal, the 三色督办 colour filled in; streamed (openpyxl write-only, findings and their events read 500
at a time), so a ledger of 100,000 findings stays within bounded memory."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.colour import colour
from bot.domain.roster import Roster
from bot.ledger import lifecycle as ledger
from bot.storage import models as m

HEADERS = ("编号", "学校", "责任区", "类别", "严重程度", "问题描述", "发现人", "责任督学", "发现时间", "整改期限",
           "状态", "督办颜色", "整改情况", "整改时间", "佐证照片数", "验收人", "验收时间", "验收意见/不通过原因",
           "延期记录", "撤销原因")
WIDTHS = (8, 22, 12, 10, 8, 40, 8, 14, 17, 11, 12, 10, 30, 17, 10, 8, 17, 30, 30, 20)
COLOURS = {"red": ("红色督办", "FFC7CE"), "yellow": ("黄色督办", "FFEB9C"), "blue": ("蓝色督办", "BDD7EE")}
CHUNK = 500


async def ledger_rows(session: AsyncSession, roster: Roster, now: datetime,
                      condition: ColumnElement[bool]) -> AsyncIterator[tuple]:
    """The rows of the findings matching `condition`, in number order, as plain values."""
    photos = dict((await session.execute(select(m.Evidence.finding_id, func.count())
                                         .where(m.Evidence.finding_id.is_not(None)).group_by(m.Evidence.finding_id))).all())
    last = 0
    while True:
        findings = list(await session.scalars(select(m.Finding).where(condition, m.Finding.number > last)
                                              .order_by(m.Finding.number).limit(CHUNK)))
        if not findings:
            return
        events: dict[int, list[m.FindingEvent]] = defaultdict(list)
        for e in await session.scalars(select(m.FindingEvent).where(
                m.FindingEvent.finding_id.in_([f.id for f in findings])).order_by(m.FindingEvent.id)):
            events[e.finding_id].append(e)
        for f in findings:
            yield _row(f, events[f.id], photos.get(f.id, 0), roster, now)
        last = findings[-1].number


def _row(f: m.Finding, events: list[m.FindingEvent], photos: int, roster: Roster, now: datetime) -> tuple:
    school = roster.schools.get(f.school_id)
    district = roster.districts.get(school.district_id) if school else None
    name = _names(roster)
    when = _local(roster)
    last = {e.kind: e for e in events}  # the latest event of each kind
    rectified = last.get(ledger.RECTIFY)
    verdict = next((e for e in reversed(events) if e.kind in (ledger.VERIFY_PASS, ledger.VERIFY_FAIL)), None)
    extensions = "；".join(f"{e.data.get('old', '')}→{e.data.get('new', '')}（{e.data.get('reason', '')}）"
                          for e in events if e.kind == ledger.EXTEND)
    tint = colour(f.status, f.deadline_at, f.due_date, now, roster)
    status = ledger.STATUS_LABELS[f.status] + ("（逾期）" if ledger.is_overdue(f, now) else "")
    return (ledger.ref(f.number), school.name if school else "", district.name if district else "", f.category,
            f.severity, f.description, name(f.finder_id),
            "、".join(p.name for p in roster.supervisors_of(f.school_id)), when(f.created_at), f.due_date.isoformat(),
            status, tint or "", rectified.data.get("note", "") if rectified else "", when(f.rectified_at), photos,
            name(verdict.actor_id) if verdict else "", when(verdict.at) if verdict else "", _opinion(verdict),
            extensions, last[ledger.WITHDRAW].data.get("reason", "") if ledger.WITHDRAW in last else "")


def _opinion(verdict: m.FindingEvent | None) -> str:
    """验收意见: 通过 (with its note), or 不通过 with the reason."""
    if verdict is None:
        return ""
    if verdict.kind == ledger.VERIFY_PASS:
        note = verdict.data.get("note") or ""
        return f"通过：{note}" if note else "通过"
    return f"不通过：{verdict.data.get('reason', '')}"


def _names(roster: Roster):  # noqa: ANN202 — a person id → name function
    return lambda person_id: roster.people[person_id].name if person_id in roster.people else ""


def _local(roster: Roster):  # noqa: ANN202 — an instant → county time text function
    return lambda at: at.astimezone(roster.tz).strftime("%Y-%m-%d %H:%M") if at else ""


async def write_ledger(path: Path, rows: AsyncIterator[tuple]) -> int:
    """Stream the rows into a workbook at `path`: frozen header, auto filter, widths for Chinese text, colour
    fills; text is always text (a description starting with = stays words) and cells drop what Excel refuses."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    ws.freeze_panes = "A2"
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    bold = Font(bold=True)
    ws.append([_cell(ws, h, font=bold) for h in HEADERS])
    count = 0
    async for row in rows:
        cells = [_cell(ws, v) for v in row]
        label, fill = COLOURS.get(row[11], ("", None))
        if fill:
            cells[11] = _cell(ws, label, fill=PatternFill("solid", fgColor=fill))
        ws.append(cells)
        count += 1
    ws.auto_filter.ref = f"A1:{chr(ord('A') + len(HEADERS) - 1)}{count + 1}"
    wb.save(path)
    return count


def _cell(ws, value: object, **style: object) -> object:  # noqa: ANN001 — an openpyxl write-only worksheet
    if not style and (not isinstance(value, str) or not value.startswith("=")):
        # plain values are written as they are (a cell object each costs twice the time); only what would be read
        # as a formula needs a text cell
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    for name, v in style.items():
        setattr(cell, name, v)
    return cell
