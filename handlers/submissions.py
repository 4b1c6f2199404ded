"""#到校 (a visit), #自查 / #月报 / #汇总 (the monthly cycle's reports), #开学检查 (start-of-term check)."""
from __future__ import annotations

from sqlalchemy import select

from bot.domain.permissions import Action
from bot.handling import Context, Reply, UserError
from bot.parsing import commands as c
from bot.storage import models as m
from handlers.common import need, school_from_words

KIND_ACTIONS = {"自查": Action.SELF_CHECK, "月报": Action.MONTHLY_REPORT, "汇总": Action.DISTRICT_SUMMARY}


async def visit(cmd: c.Visit, ctx: Context) -> list[Reply]:
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.VISIT, school=school)
    note = " ".join(rest)
    ctx.session.add(m.Visit(person_id=ctx.actor.person_id, school_id=school.id, at=ctx.now, note=note,
                            message_id=ctx.inbound.message_id))
    return [Reply("submissions/visit.j2", dict(school=school.name, note=note, who=ctx.actor.name,
                                               when=ctx.local(ctx.now)))]


def period_of(ctx: Context) -> str:
    local = ctx.local(ctx.now)
    return f"{local.year}-{local.month:02d}"


async def supersede(ctx: Context, kind: str, period: str, **scope: object) -> m.Submission | None:
    """Mark the sender's earlier submission of this kind and period replaced; return it."""
    q = select(m.Submission).where(m.Submission.kind == kind, m.Submission.period == period,
                                   m.Submission.person_id == ctx.actor.person_id,
                                   m.Submission.superseded_at.is_(None))
    for key, value in scope.items():
        q = q.where(getattr(m.Submission, key) == value)
    earlier = await ctx.session.scalar(q.order_by(m.Submission.id.desc()))
    if earlier is not None:
        earlier.superseded_at = ctx.now
    return earlier


async def submit(cmd: c.Submit, ctx: Context) -> list[Reply]:
    action = KIND_ACTIONS[cmd.kind]
    district_id = None
    school_id = ctx.actor.school_id if cmd.kind == "自查" else None
    if cmd.kind == "汇总":
        district_id = _district_of(ctx)
    need(ctx, action, district_id=district_id)
    if not cmd.text:
        raise UserError("submissions/need_text.j2", kind=cmd.kind)
    period = period_of(ctx)
    earlier = await supersede(ctx, cmd.kind, period)
    ctx.session.add(m.Submission(kind=cmd.kind, period=period, person_id=ctx.actor.person_id, school_id=school_id,
                                 district_id=district_id, text=cmd.text, at=ctx.now,
                                 message_id=ctx.inbound.message_id))
    local = ctx.local(ctx.now)
    return [Reply("submissions/received.j2", dict(kind=cmd.kind, who=ctx.actor.name, month=local.month,
                                                  replaced=earlier is not None, text=cmd.text))]


def _district_of(ctx: Context) -> int | None:
    if ctx.room and ctx.room.scope == "district" and ctx.room.district_id in ctx.actor.led_districts:
        return ctx.room.district_id
    return next(iter(sorted(ctx.actor.led_districts)), None)
