"""#导出: the rectification ledger (整改台账) as an .xlsx file, sent back into the chat."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import split_words
from bot.routing import Router
from bot.storage import models as m
from handlers.common import need, resolve_school
from handlers.reach import here_or_private, here_room, shows

router = Router("export")


@dataclass(frozen=True)
class Export:
    words: tuple[str, ...] = ()


HEADERS = ("编号", "学校", "责任区", "类别", "严重程度", "问题描述", "状态", "是否逾期", "整改期限", "登记人",
           "登记时间", "报告整改时间", "销号/撤销时间", "照片数")


def _local(ctx: CommandContext, at) -> str:
    return ctx.local(at).strftime("%Y-%m-%d %H:%M") if at else ""


@router.command(Export, "导出", parse=lambda word, rest: Export(words=split_words(rest)), action=Action.EXPORT,
                help={"导出": "help/export.j2"})
async def export(cmd: Export, ctx: CommandContext) -> list[Reply]:
    need(ctx, Action.EXPORT)
    q = select(m.Finding).order_by(m.Finding.number)
    scope, shown = "全县", here_room(ctx) is None or here_room(ctx).scope == "office"
    if cmd.words:
        school = resolve_school(ctx, " ".join(cmd.words))
        q, scope, shown = q.where(m.Finding.school_id == school.id), school.name, shows(ctx, school)
    photos = dict((await ctx.session.execute(
        select(m.Evidence.finding_id, func.count()).where(m.Evidence.finding_id.is_not(None))
        .group_by(m.Evidence.finding_id))).all())
    rows = [_row(ctx, f, photos) for f in await ctx.session.scalars(q)]
    path = _export_path(ctx)
    _write(path, rows)  # no awaits while openpyxl streams: its writer must not be interleaved
    reply = Reply("queries/exported.j2", dict(scope=scope, count=len(rows), name=path.name), files=(str(path),))
    return here_or_private(ctx, shown, scope, reply)


def _write(path: Path, rows: list[tuple]) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    ws.append(HEADERS)
    for row in rows:
        ws.append([_cell(ws, value) for value in row])
    wb.save(path)


def _cell(ws, value: object) -> object:  # noqa: ANN001 — an openpyxl write-only worksheet
    """A value as a cell that its content cannot break: control characters Excel refuses are dropped (the ledger
    keeps them), and text that looks like a formula (=, +, -, @) stays text."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _row(ctx: CommandContext, f: m.Finding, photos: dict[int, int]) -> tuple:
    school = ctx.roster.schools.get(f.school_id)
    district = ctx.roster.districts.get(school.district_id) if school else None
    finder = ctx.roster.people.get(f.finder_id)
    return (ledger.ref(f.number), school.name if school else "", district.name if district else "",
            f.category, f.severity, f.description, ledger.STATUS_LABELS[f.status],
            "是" if ledger.is_overdue(f, ctx.now) else "", f.due_date.isoformat(),
            finder.name if finder else "", _local(ctx, f.created_at), _local(ctx, f.rectified_at),
            _local(ctx, f.closed_at), photos.get(f.id, 0))


def _export_path(ctx: CommandContext) -> Path:
    """One file per command (named from the message key, so a retried message rewrites the same file)."""
    stamp = ctx.local(ctx.now).strftime("%Y%m%d-%H%M")
    tag = hashlib.sha256(ctx.message_key.encode()).hexdigest()[:6]
    directory = Path(ctx.settings.evidence_dir).parent / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"整改台账-{stamp}-{tag}.xlsx"
