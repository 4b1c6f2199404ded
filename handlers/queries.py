"""#查询 Q12, #清单 [逾期|待验收] [学校], #统计 — read-only views, limited to what the sender may see."""
from __future__ import annotations

from sqlalchemy import func, select

from bot import ledger
from bot.domain.permissions import Action
from bot.handling import Context, Reply, UserError
from bot.parsing import commands as c
from bot.storage import models as m
from handlers.common import finding_for, finding_line, need, resolve_school, status_label

LIST_LIMIT = 15


async def query(cmd: c.Query, ctx: Context) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.VIEW)
    events = await ledger.events_of(ctx.session, finding)
    people = ctx.roster.people
    history = [dict(at=ctx.local(e.at), what=ledger.EVENT_LABELS.get(e.kind, e.kind),
                    who=people[e.actor_id].name if e.actor_id in people else "",
                    text=e.data.get("note") or e.data.get("reason") or "") for e in events]
    finder = people.get(finding.finder_id)
    return [Reply("queries/finding.j2", dict(
        line=finding_line(ctx, finding), school=school.name, finder=finder.name if finder else "",
        created=ctx.local(finding.created_at), status=status_label(finding, ctx.now),
        photos=await ledger.evidence_count(ctx.session, finding), history=history,
    ))]


def _scope(ctx: Context, words: tuple[str, ...]) -> tuple[set[int], str]:
    """Which schools a list covers: the one named, this room's school, or all the sender may see."""
    if words:
        school = resolve_school(ctx, " ".join(words))
        need(ctx, Action.VIEW, school=school)
        return {school.id}, school.name
    if ctx.room and ctx.room.scope == "school" and ctx.room.school_id:
        school = ctx.roster.schools[ctx.room.school_id]
        need(ctx, Action.VIEW, school=school)
        return {school.id}, school.name
    visible = ctx.roster.visible_schools(ctx.actor)
    if ctx.room and ctx.room.scope == "district" and not ctx.actor.is_principal:
        in_district = {s.id for s in ctx.roster.schools.values() if s.district_id == ctx.room.district_id}
        if visible & in_district:
            return visible & in_district, ctx.roster.districts[ctx.room.district_id].name
    if not visible:
        need(ctx, Action.VIEW)
    return visible, "全县" if ctx.actor.is_office else "您负责的学校"


async def list_findings(cmd: c.ListFindings, ctx: Context) -> list[Reply]:
    schools, scope_name = _scope(ctx, cmd.words)
    q = select(m.Finding).where(m.Finding.school_id.in_(schools), m.Finding.status.in_(ledger.ACTIVE))
    if cmd.filter == "overdue":
        q = q.where(m.Finding.deadline_at <= ctx.now)
    elif cmd.filter in ("rectified", "open"):
        q = q.where(m.Finding.status == cmd.filter)
    rows = list(await ctx.session.scalars(q.order_by(m.Finding.deadline_at, m.Finding.number).limit(LIST_LIMIT + 1)))
    total = await ctx.session.scalar(select(func.count()).select_from(q.subquery()))
    label = {"overdue": "逾期", "rectified": "待验收", "open": "待整改"}.get(cmd.filter or "", "未销号")
    return [Reply("queries/list.j2", dict(scope=scope_name, label=label, total=total,
                                          items=[finding_line(ctx, f) for f in rows[:LIST_LIMIT]]))]


async def stats(cmd: c.Stats, ctx: Context) -> list[Reply]:
    schools, scope_name = _scope(ctx, cmd.words)
    base = select(func.count()).select_from(m.Finding).where(m.Finding.school_id.in_(schools))
    count = ctx.session.scalar
    values = dict(
        scope=scope_name,
        total=await count(base),
        open=await count(base.where(m.Finding.status == ledger.OPEN)),
        rectified=await count(base.where(m.Finding.status == ledger.RECTIFIED)),
        closed=await count(base.where(m.Finding.status == ledger.CLOSED)),
        overdue=await count(base.where(m.Finding.status.in_(ledger.ACTIVE), m.Finding.deadline_at <= ctx.now)),
        withdrawn=await count(base.where(m.Finding.status == ledger.WITHDRAWN)),
    )
    if values["total"] == 0 and not schools:
        raise UserError("errors/nothing_visible.j2")
    return [Reply("queries/stats.j2", values)]
