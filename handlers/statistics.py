"""#统计 [学校]: counts by status and overdue, by district too when the scope spans several."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import split_words
from bot.routing import Router
from bot.storage import models as m
from handlers.scope import Scope, answer, scope_of

router = Router("statistics")
CATEGORIES_SHOWN = 6


@dataclass(frozen=True)
class Stats:
    words: tuple[str, ...] = ()


STATUS_KEYS = {ledger.OPEN: "open", ledger.RECTIFIED: "rectified", ledger.CLOSED: "closed",
               ledger.WITHDRAWN: "withdrawn"}


@router.command(Stats, "统计", parse=lambda word, rest: Stats(words=split_words(rest)), action=Action.VIEW,
                help={"统计": "help/stats.j2"})
async def stats(cmd: Stats, ctx: CommandContext) -> list[Reply]:
    """Counts by status (and overdue), one GROUP BY; by district too when the scope spans several."""
    scope = scope_of(ctx, cmd.words)
    overdue = and_(m.Finding.status.in_(ledger.ACTIVE), m.Finding.deadline_at <= ctx.now)
    late = case((overdue, 1), else_=0).label("late")  # grouped by its label: one bound parameter on PostgreSQL
    rows = await ctx.session.execute(
        select(m.School.district_id, m.Finding.status, late, func.count())
        .join(m.School, m.School.id == m.Finding.school_id).where(scope.condition)
        .group_by(m.School.district_id, m.Finding.status, late))
    per: dict[int, dict[str, int]] = {}
    for district_id, status, late, n in rows.all():
        counts = per.setdefault(district_id, dict.fromkeys(("total", "overdue", *STATUS_KEYS.values()), 0))
        counts["total"] += n
        counts[STATUS_KEYS[status]] += n
        counts["overdue"] += n * late
    totals = {k: sum(c[k] for c in per.values()) for k in ("total", "overdue", *STATUS_KEYS.values())}
    districts = [dict(name=ctx.roster.districts[d].name, **c) for d, c in sorted(per.items())
                 if d in ctx.roster.districts] if scope.many_districts else []
    categories, on_time = await _by_category(ctx, scope)
    rates = dict(rate=percent(totals["closed"], totals["total"] - totals["withdrawn"]),
                 on_time_rate=percent(on_time, totals["closed"]))
    return answer(ctx, scope, Reply("queries/stats.j2", dict(scope=scope.name, districts=districts, **totals,
                                                             **rates, categories=categories)))


def percent(part: int, whole: int) -> int | None:
    """A rate in whole percent (None when there is nothing to divide by)."""
    return round(100 * part / whole) if whole else None


async def _by_category(ctx: CommandContext, scope: Scope) -> tuple[list[dict], int]:
    """Findings by category (withdrawn left out), most first, and how many were closed on time in all."""
    closed = m.Finding.status == ledger.CLOSED
    in_time = and_(closed, func.coalesce(m.Finding.rectified_at, m.Finding.closed_at) < m.Finding.deadline_at)
    rows = (await ctx.session.execute(
        select(m.Finding.category, func.count(), func.sum(case((closed, 1), else_=0)),
               func.sum(case((in_time, 1), else_=0)))
        .where(scope.condition, m.Finding.status != ledger.WITHDRAWN).group_by(m.Finding.category))).all()
    cats = sorted(((c, n, int(k or 0)) for c, n, k, _ in rows), key=lambda r: (-r[1], r[0]))
    shown = [dict(name=c, total=n, closed=k) for c, n, k in cats[:CATEGORIES_SHOWN]]
    return shown, sum(int(t or 0) for *_, t in rows)
