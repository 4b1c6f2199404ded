"""#导出: the rectification ledger (整改台账) as an .xlsx file, sent back into the chat."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from bot.contract import CommandContext, Reply
from bot.domain.permissions import Action
from bot.parsing.normalize import split_words
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import need, resolve_school
from handlers.steps.reach import here_or_private, shows, shows_all
from handlers.steps.views import export_path

router = Router("export")


@dataclass(frozen=True)
class Export:
    words: tuple[str, ...] = ()


@router.command(Export, "导出", parse=lambda word, rest: Export(words=split_words(rest)), action=Action.EXPORT,
                help={"导出": "help/export.j2"}, usage=Usage("#导出", "导出台账（Excel）"))
async def export(cmd: Export, ctx: CommandContext) -> list[Reply]:
    need(ctx, Action.EXPORT)
    condition: ColumnElement[bool]
    condition, scope, shown = true(), "全县", shows_all(ctx)
    if cmd.words:
        school = resolve_school(ctx, " ".join(cmd.words))
        condition, scope, shown = m.Finding.school_id == school.id, school.name, shows(ctx, school)
    path = export_path(ctx, "整改台账", ".xlsx")
    from bot.reports.ledger_book import ledger_rows, write_ledger  # openpyxl only when asked (memory)

    count = await write_ledger(path, ledger_rows(ctx.session, ctx.roster, ctx.now, condition),
                               county=ctx.roster.county, generated=ctx.local(ctx.now),
                               subtitle=f"{scope}的问题" if cmd.words else "全部问题",
                               verify_within=ctx.roster.policy.verify_within.n)
    reply = Reply("queries/exported.j2", dict(scope=scope, count=count, name=path.name), files=(str(path),))
    return here_or_private(ctx, shown, scope, reply)

