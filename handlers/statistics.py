"""#统计 [学校|责任区] [时间段]: every finding so far (or those logged in the period, as of its end), each figure as
bot.domain.figures defines it, by district too when the scope spans several."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.contract import CommandContext, Reply
from bot.domain import figures
from bot.domain.permissions import Action
from bot.parsing.normalize import split_words
from bot.reports import as_of
from bot.reports.places import districts_at
from bot.routing import Router, Usage
from handlers.steps.scope import answer, scope_and_period

router = Router("statistics")
CATEGORIES_SHOWN = 6


@dataclass(frozen=True)
class Stats:
    words: tuple[str, ...] = ()


@router.command(Stats, "统计", parse=lambda word, rest: Stats(words=split_words(rest)), action=Action.VIEW,
                help={"统计": "help/stats.j2"},
                usage=Usage("#统计 [时间] [责任区/学校]", "问题统计", example="#统计 本学期"))
async def stats(cmd: Stats, ctx: CommandContext) -> list[Reply]:
    """Every figure over all findings in the scope (those logged in the period named, as of its end), as of now; by
    district too when the scope spans several."""
    scope, period = scope_and_period(ctx, cmd.words, "统计")
    window = as_of.Window.of(period.first, period.last, ctx.roster, ctx.now) if period else as_of.Window.ever(ctx.now)
    tally = await as_of.tally(ctx.session, ctx.roster, window, ctx.now, where=scope.condition)
    district_of = await districts_at(ctx.session, ctx.roster, ctx.now)
    per = as_of.by_district(tally.schools, district_of)
    totals = as_of.total(tally.schools.values())
    districts = [dict(name=ctx.roster.districts[d].name, **c, **figures.rates(c)) for d, c in sorted(per.items())
                 if d in ctx.roster.districts] if scope.many_districts else []
    cats = sorted(tally.categories.items(), key=lambda c: (-c[1], c[0]))[:CATEGORIES_SHOWN]
    categories = [dict(name=c, total=n, closed=tally.closed_categories[c]) for c, n in cats]
    return answer(ctx, scope, Reply("queries/stats.j2", dict(
        scope=scope.name, period=period.label if period else "", districts=districts, **totals,
        **figures.rates(totals), categories=categories,
        now=ctx.local(window.t - timedelta(seconds=1) if period else ctx.now),
        notes=figures.footnotes(("rate", "on_time_rate")))))
