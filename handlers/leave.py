"""#请假 (leave: reminders go to the district lead meanwhile) and #销假 (back early); the office for anyone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.domain.roster import PersonInfo
from bot.obligations.reporting_cycle import home_district
from bot.parsing.dates import DateRangeError, parse_date_range
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import need

router = Router("leave")
LEAVE_MAX_DAYS = 366


@dataclass(frozen=True)
class Leave:
    """#请假 10月8日-10月12日 [姓名]."""

    text: str


@dataclass(frozen=True)
class EndLeave:
    """#销假 [姓名]: back from leave early (the office may name someone)."""

    name: str = ""


@router.command(Leave, "请假", parse=lambda word, rest: Leave(text=rest), action=Action.LEAVE,
                help={"请假": "help/leave.j2"}, usage=Usage("#请假 10月8日-10月12日", "登记请假"))
async def leave(cmd: Leave, ctx: CommandContext) -> list[Reply]:
    """#请假 10月8日-10月12日 (for oneself), or the office for someone: #请假 李明 10月8日-10月12日."""
    need(ctx, Action.LEAVE)
    try:
        span = parse_date_range(cmd.text, ctx.today)
    except DateRangeError:
        raise UserError("cycle/leave_usage.j2") from None
    person = _on_leave_for(ctx, span.before)
    if span.ends < ctx.today or (span.ends - span.starts).days >= LEAVE_MAX_DAYS:
        raise UserError("cycle/leave_bad_range.j2", starts=span.starts, ends=span.ends,
                        past=span.ends < ctx.today)
    ctx.session.add(m.Leave(person_id=person.id, starts=span.starts, ends=span.ends,
                            created_by=ctx.actor.person_id, at=ctx.now, message_id=ctx.inbound.message_id))
    lead = _lead_for(ctx, person)
    return [Reply("cycle/leave_recorded.j2", dict(
        who=person.name, own=person.id == ctx.actor.person_id, starts=span.starts, ends=span.ends,
        days=(span.ends - span.starts).days + 1, lead=lead.name if lead else "",
        reminded=person.role != "督导室"))]


@router.command(EndLeave, "销假", parse=lambda word, rest: EndLeave(name=rest), action=Action.LEAVE,
                help={"销假": "help/end_leave.j2"}, usage=Usage("#销假", "提前结束请假"))
async def end_leave(cmd: EndLeave, ctx: CommandContext) -> list[Reply]:
    """#销假 (for oneself), or the office for someone: #销假 李明. Leave ends yesterday; later leave is dropped."""
    need(ctx, Action.LEAVE)
    person = _on_leave_for(ctx, cmd.name)
    leaves = list(await ctx.session.scalars(select(m.Leave).where(m.Leave.person_id == person.id,
                                                                  m.Leave.ends >= ctx.today)))
    if not leaves:
        raise UserError("cycle/leave_none.j2", who=person.name, own=person.id == ctx.actor.person_id)
    yesterday = ctx.today - timedelta(days=1)
    started = any(leave.starts <= ctx.today for leave in leaves)
    starts = min(leave.starts for leave in leaves)
    for leave in leaves:  # a leave not yet begun keeps its row but covers no day any more
        leave.ends = max(min(leave.ends, yesterday), leave.starts - timedelta(days=1))
    return [Reply("cycle/leave_ended.j2", dict(who=person.name, own=person.id == ctx.actor.person_id,
                                               started=started, starts=starts))]


def _on_leave_for(ctx: CommandContext, named: str) -> PersonInfo:
    """The sender, or (the office only) the person named before the dates."""
    if not named or named in (ctx.actor.name, "我", "本人"):
        assert ctx.actor.person_id is not None  # need(Action.LEAVE) lets only a person on the roster through
        return ctx.roster.people[ctx.actor.person_id]
    if not ctx.actor.is_office:
        raise UserError("cycle/leave_only_self.j2", name=named)
    matches = [p for p in ctx.roster.people.values() if p.active and named in (p.name, p.key)]
    if len(matches) != 1:
        raise UserError("cycle/leave_who.j2", name=named,
                        options=[dict(name=p.name, role=p.role, key=p.key) for p in matches])
    return matches[0]


def _lead_for(ctx: CommandContext, person: PersonInfo) -> PersonInfo | None:
    """Whose district lead hears this person's reminders while they are away."""
    district_id = (ctx.roster.schools[person.school_id].district_id if person.school_id in ctx.roster.schools
                   else home_district(ctx.roster, person))
    lead = ctx.roster.lead_of(district_id) if district_id is not None else None
    return lead if lead is not None and lead.id != person.id else None
