"""#导出 [学校|几所学校|责任区] [时间段]: the rectification ledger (整改台账) as an .xlsx file, sent back into the
chat — the findings of the places named (bot.domain.place_words) logged in the period named (bot.parsing.periods)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, true

from bot.contract import CommandContext, Reply
from bot.domain.permissions import Action
from bot.parsing.normalize import split_words
from bot.routing import Router, Usage
from handlers.steps.lookup import need
from handlers.steps.reach import here_or_private, shows_all
from handlers.steps.scope import logged_in, period_among, scope_and_period
from handlers.steps.views import export_path

router = Router("export")


@dataclass(frozen=True)
class Export:
    words: tuple[str, ...] = ()


@router.command(Export, "导出", parse=lambda word, rest: Export(words=split_words(rest)), action=Action.EXPORT,
                help={"导出": "help/export.j2"},
                usage=Usage("#导出 [时间] [责任区/学校]", "导出台账（Excel）", example="#导出 9月"))
async def export(cmd: Export, ctx: CommandContext) -> list[Reply]:
    need(ctx, Action.EXPORT)
    condition: ColumnElement[bool]
    condition, scope, shown = true(), "全县", shows_all(ctx)
    period, places = period_among(ctx, cmd.words)
    named = ""
    if places:  # the places named; none: the whole county, wherever asked (as before)
        where, _ = scope_and_period(ctx, places, "导出")
        condition, scope, shown = where.condition, where.name, where.shown
        named = scope
    condition = and_(condition, logged_in(period, ctx))
    path = export_path(ctx, "整改台账" + (f"-{period.slug}" if period else ""), ".xlsx")
    from bot.reports.ledger_book import ledger_rows, write_ledger  # openpyxl only when asked (memory)

    count = await write_ledger(path, ledger_rows(ctx.session, ctx.roster, ctx.now, condition),
                               county=ctx.roster.county, generated=ctx.local(ctx.now),
                               subtitle=_subtitle(named, period.label if period else ""),
                               verify_within=ctx.roster.policy.verify_within.n)
    reply = Reply("queries/exported.j2", dict(scope=(named or ("" if period else scope)) + (period.label if period
                                                                                             else ""), count=count,
                                              name=path.name), files=(str(path),))
    return here_or_private(ctx, shown, scope, reply)



def _subtitle(scope: str, period: str) -> str:
    """全部问题 / 城口中学的问题 / 2026年9月发现的问题 / 第一责任区2026年9月发现的问题."""
    if period:
        return f"{scope}{period}发现的问题"
    return f"{scope}的问题" if scope else "全部问题"
