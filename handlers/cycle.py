"""The monthly cycle and the office's documents: #汇总 draft and confirm, #开学检查, #周报 / #通报 on demand, #请假.

#自查 / #月报 / #汇总 with text are filed by handlers.submissions; `submit` here routes them there, except a bare
#汇总 (answers with the district's draft for the month) and "#汇总 确认" (files that draft as the 汇总).
"""
from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.domain.permissions import Action
from bot.domain.roster import PersonInfo, SchoolInfo
from bot.handling import CommandContext, Reply, UserError
from bot.obligations.reporting_cycle import home_district
from bot.obligations.term_windows import KIND, window_for_entry, windows
from bot.parsing import commands as c
from bot.parsing.dates import DateRangeError, parse_date_range
from bot.reports.bulletin import BULLETIN_TEMPLATE, bulletin_values
from bot.reports.district_summary import district_month_values
from bot.reports.lists import shown
from bot.reports.owed import filing_period
from bot.reports.term_checks import checks, window_findings
from bot.reports.weekly_digest import WEEKLY_TEMPLATE, weekly_digest_values
from bot.storage import models as m
from handlers import submissions
from handlers.common import need, school_from_words

CONFIRM_WORDS = ("确认", "确认提交", "提交草稿", "按草稿提交")
LEAVE_MAX_DAYS = 366


async def submit(cmd: c.Submit, ctx: CommandContext) -> list[Reply]:
    if cmd.kind != "汇总" or (cmd.text and cmd.text not in CONFIRM_WORDS):
        return await submissions.submit(cmd, ctx)
    need(ctx, Action.DISTRICT_SUMMARY)
    district_id = submissions.district_of(ctx)
    need(ctx, Action.DISTRICT_SUMMARY, district_id=district_id)
    period = await filing_period(ctx.session, ctx.roster, "汇总", district_id, ctx.today)
    month = date.fromisoformat(f"{period}-01")
    values = await district_month_values(ctx.session, ctx.roster, district_id, month, ctx.now)
    if not cmd.text:
        return [Reply("cycle/summary_draft.j2", values)]
    body = ctx.renderer.render("cycle/summary_body.j2", **values)
    draft = json.loads(json.dumps(values, default=str, ensure_ascii=False))
    return await submissions.submit(cmd, ctx, text=body, data={"draft": draft})


async def term_check(cmd: c.TermCheck, ctx: CommandContext) -> list[Reply]:
    """#开学检查 学校 完成 [发现问题N个]: the school's check for the term whose window is open (or just closed)."""
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.TERM_CHECK, school=school)
    window, late = window_for_entry(ctx.roster, ctx.today)
    if window is None:
        upcoming = [dict(term=w.name, opens=w.opens) for w in windows(ctx.roster) if w.opens > ctx.today]
        raise UserError("cycle/term_none.j2", next=upcoming[0] if upcoming else None)
    earlier = await submissions.supersede(ctx, KIND, window.name, school_id=school.id)
    ctx.session.add(m.Submission(
        kind=KIND, period=window.name, person_id=ctx.actor.person_id, school_id=school.id,
        district_id=school.district_id, text=" ".join(rest), data=dict(done=cmd.done, problems=cmd.problems),
        at=ctx.now, message_id=ctx.inbound.message_id))
    await ctx.session.flush()
    logged = (await window_findings(ctx.session, window, ctx.roster, school.id)).get(school.id, [])
    return [Reply("cycle/term_checked.j2", dict(
        term=window.name, school=school.name, done=cmd.done, problems=cmd.problems, late=late, closes=window.closes,
        replaced=earlier is not None, logged=[f"Q{n}" for n in logged],
        unlogged=max(0, (cmd.problems or 0) - len(logged)), **await _progress(ctx, window.name, school)))]


async def _progress(ctx: CommandContext, term: str, school: SchoolInfo) -> dict:
    """How far the school's district is, and which of the sender's own schools are still unchecked."""
    done = {sid for sid, v in (await checks(ctx.session, term)).items() if v["done"]}
    in_district = [s for s in ctx.roster.schools.values() if s.district_id == school.district_id]
    mine = sorted((ctx.roster.schools[s] for s in ctx.actor.supervised if s in ctx.roster.schools),
                  key=lambda s: s.id)
    return dict(district=ctx.roster.districts[school.district_id].name, district_total=len(in_district),
                district_checked=sum(1 for s in in_district if s.id in done),
                remaining=shown(s.display for s in mine if s.id not in done))


async def digest(cmd: c.Digest, ctx: CommandContext) -> list[Reply]:
    """#周报 / #通报: the weekly digest, or this month's 通报 draft so far (the office, in its room or privately)."""
    need(ctx, Action.DIGEST)
    if not ctx.private and not (ctx.room and ctx.room.scope == "office"):
        raise UserError("digests/office_room_only.j2")
    if cmd.kind == "weekly":
        return [Reply(WEEKLY_TEMPLATE, await weekly_digest_values(ctx.session, ctx.roster, ctx.now))]
    return [Reply(BULLETIN_TEMPLATE, await bulletin_values(ctx.session, ctx.roster, ctx.now))]


async def leave(cmd: c.Leave, ctx: CommandContext) -> list[Reply]:
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


async def end_leave(cmd: c.EndLeave, ctx: CommandContext) -> list[Reply]:
    """#销假 (for oneself), or the office for someone: #销假 李明. Leave ends yesterday; later leave is dropped."""
    need(ctx, Action.LEAVE)
    person = _on_leave_for(ctx, cmd.name)
    leaves = list(await ctx.session.scalars(select(m.Leave).where(m.Leave.person_id == person.id,
                                                                  m.Leave.ends >= ctx.today)))
    if not leaves:
        raise UserError("cycle/leave_none.j2", who=person.name, own=person.id == ctx.actor.person_id)
    yesterday = ctx.today - timedelta(days=1)
    for leave in leaves:  # a leave not yet begun keeps its row but covers no day any more
        leave.ends = max(min(leave.ends, yesterday), leave.starts - timedelta(days=1))
    return [Reply("cycle/leave_ended.j2", dict(who=person.name, own=person.id == ctx.actor.person_id))]


def _on_leave_for(ctx: CommandContext, named: str) -> PersonInfo:
    """The sender, or (the office only) the person named before the dates."""
    if not named or named in (ctx.actor.name, "我", "本人"):
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
