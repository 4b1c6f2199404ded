"""#自查 / #月报 / #汇总: the monthly cycle's reports, filed by month (a second one that month replaces the first).

A bare #汇总 answers with the district's draft for the month from the ledger; "#汇总 确认" files that draft.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.domain.roster import SchoolInfo
from bot.obligations.reporting_cycle import month_steps
from bot.reports.district_summary import district_month_values
from bot.reports.owed import filing_period
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import need

router = Router("submissions")
KIND_ACTIONS = {"自查": Action.SELF_CHECK, "月报": Action.MONTHLY_REPORT, "汇总": Action.DISTRICT_SUMMARY}
CONFIRM_WORDS = ("确认", "确认提交", "提交草稿", "按草稿提交")


@dataclass(frozen=True)
class Submit:
    """#自查 / #月报 / #汇总 with free text."""

    kind: str
    text: str = ""


@router.command(Submit, "自查", "月报", "汇总", parse=lambda word, rest: Submit(kind=word, text=rest),
                action=tuple(KIND_ACTIONS.values()),
                help={"自查": "help/self_check.j2", "月报": "help/monthly_report.j2",
                      "汇总": "help/district_summary.j2"},
                usage=(Usage("#自查 内容", "提交学校自查", Action.SELF_CHECK, example="#自查 本月已完成消防安全自查"),
                       Usage("#月报 内容", "提交月报", Action.MONTHLY_REPORT, example="#月报 本月到校4次，发现问题3个"),
                       Usage("#汇总", "责任区汇总草稿，核对后 #汇总 确认", Action.DISTRICT_SUMMARY,
                             example="#汇总 确认")))
async def submit(cmd: Submit, ctx: CommandContext) -> list[Reply]:
    """#自查 / #月报 / #汇总 with text; a bare #汇总 (the draft) and "#汇总 确认" (file the draft)."""
    if cmd.kind != "汇总" or (cmd.text and cmd.text not in CONFIRM_WORDS):
        return await file_report(cmd, ctx)
    need(ctx, Action.DISTRICT_SUMMARY)
    district_id = district_of(ctx)
    need(ctx, Action.DISTRICT_SUMMARY, district_id=district_id)
    period = await filing_period(ctx.session, ctx.roster, "汇总", district_id, ctx.today)
    month = date.fromisoformat(f"{period}-01")
    values = await district_month_values(ctx.session, ctx.roster, district_id, month, ctx.now)
    if not cmd.text:
        return [Reply("cycle/summary_draft.j2", values)]
    body = ctx.renderer.render("cycle/summary_body.j2", **values)
    draft = json.loads(json.dumps(values, default=str, ensure_ascii=False))
    return await file_report(cmd, ctx, text=body, data={"draft": draft})


async def supersede(ctx: CommandContext, kind: str, period: str, **subject: object) -> m.Submission | None:
    """Mark the current submission of this kind, period and subject (school / person / district) replaced."""
    q = select(m.Submission).where(m.Submission.kind == kind, m.Submission.period == period,
                                   m.Submission.superseded_at.is_(None))
    for key, value in subject.items():
        q = q.where(getattr(m.Submission, key) == value)
    earlier = await ctx.session.scalar(q.order_by(m.Submission.id.desc()))
    if earlier is not None:
        earlier.superseded_at = ctx.now
    return earlier


def subject_of(ctx: CommandContext, kind: str) -> tuple[str, int, SchoolInfo | None, int | None]:
    """Who a report is from: ("school_id", id, school, district), ("person_id", …) or ("district_id", …)."""
    if kind == "自查":
        room_school = ctx.room.school_id if ctx.room and ctx.room.scope == "school" else None
        school_id = ctx.actor.school_id or room_school
        if school_id not in ctx.roster.schools:
            raise UserError("errors/need_school.j2")
        school = ctx.roster.schools[school_id]
        return "school_id", school.id, school, school.district_id
    if kind == "汇总":
        district_id = district_of(ctx)
        return "district_id", district_id, None, district_id
    assert ctx.actor.person_id is not None  # need() let only a person on the roster through (file_report)
    return "person_id", ctx.actor.person_id, None, None


async def file_report(cmd: Submit, ctx: CommandContext, *, text: str | None = None,
                      data: dict | None = None) -> list[Reply]:
    """#自查 / #月报 / #汇总 with text: file it under its month; a second one that month replaces the first."""
    need(ctx, KIND_ACTIONS[cmd.kind])  # may this role send it at all (before asking which school / district)
    column, subject, school, district_id = subject_of(ctx, cmd.kind)
    need(ctx, KIND_ACTIONS[cmd.kind], school=school, district_id=district_id)
    text = cmd.text if text is None else text
    if not text:
        raise UserError("submissions/need_text.j2", kind=cmd.kind)
    period = await filing_period(ctx.session, ctx.roster, cmd.kind, subject, ctx.today)
    earlier = await supersede(ctx, cmd.kind, period, **{column: subject})
    ctx.session.add(m.Submission(kind=cmd.kind, period=period, person_id=ctx.actor.person_id,
                                 school_id=school.id if school else None, district_id=district_id,
                                 text=text, data=data or {}, at=ctx.now, message_id=ctx.inbound.message_id))
    steps = month_steps(ctx.roster, cmd.kind, date.fromisoformat(f"{period}-01"))
    template = "cycle/summary_confirmed.j2" if data else "submissions/received.j2"
    return [Reply(template, dict(
        kind=cmd.kind, who=ctx.actor.name,
        school=school.display if school and not ctx.actor.is_principal else "",
        district=ctx.roster.districts[district_id].name if district_id in ctx.roster.districts else "",
        month=steps.month, due=steps.due, late=ctx.today > steps.due,
        replaced_at=ctx.local(earlier.at) if earlier else None))]


def district_of(ctx: CommandContext) -> int:
    """The district a 汇总 is for: this district room's (the sender leads it, or is the office), else the one led."""
    actor = ctx.actor
    here = ctx.room.district_id if ctx.room and ctx.room.scope == "district" else None
    if here is not None and (here in actor.led_districts or actor.is_office):
        return here
    if actor.led_districts:
        return min(actor.led_districts)
    if actor.is_office:
        raise UserError("cycle/summary_need_district.j2")
    return 0  # not a lead: the permission check refuses
