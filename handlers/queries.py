"""#查询 Q12, #清单 [逾期|待验收] [学校], #统计 — read-only views, limited to what the sender may see."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply
from bot.ledger import lifecycle as ledger
from bot.parsing import commands as c
from bot.storage import models as m
from handlers.common import finding_for, finding_line, need, resolve_school, status_label

LIST_LIMIT = 15


async def query(cmd: c.Query, ctx: CommandContext) -> list[Reply]:
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


@dataclass(frozen=True)
class Scope:
    """What a list or count covers: a name for the reply and an SQL condition on findings (no giant IN lists)."""

    name: str
    condition: ColumnElement[bool]
    many_districts: bool = False


def _in_districts(ids: set[int]) -> ColumnElement[bool]:
    return m.Finding.school_id.in_(select(m.School.id).where(m.School.district_id.in_(sorted(ids))))


def _visible(ctx: CommandContext) -> ColumnElement[bool]:
    actor = ctx.actor
    if actor.is_office:
        return true()
    parts = []
    if actor.supervised:
        parts.append(m.Finding.school_id.in_(sorted(actor.supervised)))
    if actor.led_districts:
        parts.append(_in_districts(set(actor.led_districts)))
    if actor.is_principal and actor.school_id:
        parts.append(m.Finding.school_id == actor.school_id)
    return or_(*parts) if parts else false()


def _scope(ctx: CommandContext, words: tuple[str, ...]) -> Scope:
    """The school named, this room's school, this district room's schools, or all the sender may see."""
    school = resolve_school(ctx, " ".join(words)) if words else None
    if school is None and ctx.room and ctx.room.scope == "school" and ctx.room.school_id in ctx.roster.schools:
        school = ctx.roster.schools[ctx.room.school_id]
    if school is not None:
        need(ctx, Action.VIEW, school=school)
        return Scope(school.name, m.Finding.school_id == school.id)
    visible = ctx.roster.visible_schools(ctx.actor)
    if not visible:
        need(ctx, Action.VIEW)
    district = ctx.roster.districts.get(ctx.room.district_id) if ctx.room and ctx.room.scope == "district" else None
    if district and not ctx.actor.is_principal and any(
            ctx.roster.schools[s].district_id == district.id for s in visible if s in ctx.roster.schools):
        return Scope(district.name, and_(_visible(ctx), _in_districts({district.id})))
    districts = {ctx.roster.schools[s].district_id for s in visible if s in ctx.roster.schools}
    return Scope("全县" if ctx.actor.is_office else "您负责的学校", _visible(ctx), many_districts=len(districts) > 1)


async def list_findings(cmd: c.ListFindings, ctx: CommandContext) -> list[Reply]:
    scope = _scope(ctx, cmd.words)
    q = select(m.Finding).where(scope.condition, m.Finding.status.in_(ledger.ACTIVE))
    if cmd.filter == "overdue":
        q = q.where(m.Finding.deadline_at <= ctx.now)
    elif cmd.filter in ("rectified", "open"):
        q = q.where(m.Finding.status == cmd.filter)
    rows = list(await ctx.session.scalars(q.order_by(m.Finding.deadline_at, m.Finding.number).limit(LIST_LIMIT + 1)))
    total = await ctx.session.scalar(select(func.count()).select_from(q.subquery()))
    label = {"overdue": "逾期", "rectified": "待验收", "open": "待整改"}.get(cmd.filter or "", "未销号")
    return [Reply("queries/list.j2", dict(scope=scope.name, label=label, total=total,
                                          items=[finding_line(ctx, f) for f in rows[:LIST_LIMIT]]))]


STATUS_KEYS = {ledger.OPEN: "open", ledger.RECTIFIED: "rectified", ledger.CLOSED: "closed",
               ledger.WITHDRAWN: "withdrawn"}


async def stats(cmd: c.Stats, ctx: CommandContext) -> list[Reply]:
    """Counts by status (and overdue), one GROUP BY; by district too when the scope spans several."""
    scope = _scope(ctx, cmd.words)
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
    return [Reply("queries/stats.j2", dict(scope=scope.name, districts=districts, **totals))]
