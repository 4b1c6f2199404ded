"""待验收 waiting too long: remind the supervisor who must verify (验收) a reported rectification.

A finding 待验收 (rectified) for longer than policy.verify_within working days — counted from the local day
of rectified_at, reminded at policy.reminder_time on the (N+1)-th working day after it, like the ladder — is
reminded once per rectification report: a report made after the last reminder (a new #整改, or one after a
failed verification) starts a new wait. Who: the finder if still active, else the school's supervisors;
someone on leave is replaced by the district lead. Where: the school's room (its district's if it has none).
"""
from __future__ import annotations

from datetime import datetime

from bot.contract import Context, Notice
from bot.domain.escalation import ONE_DAY, latest_due_reaching_step, reminded_through
from bot.reports.absences import people_on_leave
from reminders import due_findings as q
from reminders.audience import SUPERVISOR, Audience, Directory, directory
from reminders.grouping import Pairs, notices_by_room

KIND = "verify"


def verify_key(f: q.Due) -> str:
    stamp = f.rectified_at.strftime("%Y%m%dT%H%M%S%f") if f.rectified_at else "-"
    return f"{KIND}:{f.id}:{stamp}"


async def verify_rule(ctx: Context) -> list[Notice]:
    found = await awaiting(ctx)
    d, on_leave = directory(ctx.roster), await people_on_leave(ctx.session, ctx.today)
    return notices_by_room(ctx, d, found, scope="school", kind=KIND, template="reminders/verify.j2",
                           key=verify_key, audience=lambda pairs: _verifiers(d, pairs, on_leave),
                           values={"days": ctx.roster.policy.verify_within.n})


async def awaiting(ctx: Context) -> list[q.Due]:
    """Rectified findings waiting longer than verify_within, not reminded since their report."""
    roster = ctx.roster
    through = reminded_through(ctx.now, roster.tz, roster.policy.reminder_time)
    last_day = latest_due_reaching_step(through, roster.policy.verify_within.n, roster.calendar)
    return await q.awaiting_verification(ctx.session, rectified_before=datetime.combine(
        last_day + ONE_DAY, datetime.min.time(), roster.tz))  # reported on or before last_day


def _verifiers(d: Directory, pairs: Pairs, on_leave: set[int]) -> Audience:
    people = Audience()
    for f, school in pairs:
        finder = d.roster.people.get(f.finder_id)
        who = [finder] if finder and finder.active else d.people(SUPERVISOR, school)
        people.reach(SUPERVISOR, who, lead=d.roster.lead_of(school.district_id), on_leave=on_leave)
    return people
