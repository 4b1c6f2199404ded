"""The monthly cycle's reminders: before the due day, on it, and the office's missing list after it.

For each kind in policy.monthly (自查 → principals, 月报 → supervisors, 汇总 → district leads), in each month:
- "before": at the reminder time `remind_before` working days before the due day;
- "due": on the due day (or the last working day before it when it is not a working day);
- "missing": on the first working day after the due day, the office room hears who is missing, by district.
Reminders go only to those who have not submitted, @-mentioning them in their district room (principals in
their school room where there is one), one message per room and step (no room: privately). People on leave
today are not @-mentioned; their district lead hears of it instead. Those on leave on the due-day reminder's
day are not counted missing. A step is owed until the next one (the missing list for 7 days), then dropped;
it is worked out once, at the first sweep it is owed at (a marker in reminders_sent), so a sweep costs nothing
once the day's steps are out, however many schools there are.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from bot.contract import Context, Notice
from bot.domain.roster import PersonInfo, Roster
from bot.obligations.reporting_cycle import Duty, MonthSteps, month_steps, previous_month
from bot.reports.absences import leave_ends
from bot.reports.lists import shown
from bot.reports.owed import excused, owed_reports
from reminders.steps import (
    addressed,
    day_end,
    district_room,
    epoch,
    office_room,
    owed_steps,
    school_room,
    stand_in,
    take,
)
from reminders.timing import reminder_instant

MISSING_LIVE = timedelta(days=7)
LINES_SHOWN = 30


def schedule(steps: MonthSteps, roster: Roster) -> list[tuple[str, datetime, datetime]]:
    """(step, instant, expires) for one kind and month."""
    due_at = reminder_instant(steps.due_day, roster)
    missing_at = reminder_instant(steps.missing_day, roster)
    plan = [("due", due_at, day_end(steps.due, roster)), ("missing", missing_at, missing_at + MISSING_LIVE)]
    if steps.before_day is not None:
        plan.insert(0, ("before", reminder_instant(steps.before_day, roster), due_at))
    return plan


async def monthly_rule(ctx: Context) -> list[Notice]:
    since = await epoch(ctx.session, ctx.now)
    notices: list[Notice] = []
    for month_start in (previous_month(ctx.today), ctx.today.replace(day=1)):
        for kind in ctx.roster.policy.monthly:
            steps = month_steps(ctx.roster, kind, month_start)
            # the key is the missing list's own; the reminders' marker
            for step, key in await owed_steps(ctx, schedule(steps, ctx.roster), f"monthly:{kind}:{steps.period}",
                                              since):
                if step == "missing":
                    notices += await _missing_list(ctx, steps, key)
                else:
                    notices += await _reminders(ctx, steps, step)
                    take(ctx.session, key, "monthly", ctx.now)
    return notices


def _room_of(roster: Roster, kind: str, duty: Duty) -> str | None:
    own = school_room(roster, duty.subject) if kind == "自查" else None
    return own or district_room(roster, duty.district_id)


async def _reminders(ctx: Context, steps: MonthSteps, step: str) -> list[Notice]:
    roster = ctx.roster
    report = await owed_reports(ctx.session, roster, steps.kind, steps.period)
    away = await leave_ends(ctx.session, ctx.today)
    by_room: dict[str | None, list[Duty]] = defaultdict(list)
    for duty in report.pending:
        by_room[_room_of(roster, steps.kind, duty)].append(duty)
    notices: list[Notice] = []
    for room, group in by_room.items():
        pending, on_leave, mention = _split_by_leave(roster, group, away)
        if not pending and not on_leave:
            continue
        values = dict(kind=steps.kind, month=steps.month, due=steps.due, step=step,
                      due_today=steps.due == ctx.today, pending=pending[:LINES_SHOWN],
                      more=max(0, len(pending) - LINES_SHOWN), on_leave=on_leave)
        key = f"monthly:{steps.kind}:{steps.period}:{step}:{room or 'private'}"
        notices += addressed(key, "monthly", "cycle/remind.j2", values, room, mention)
    return notices


def _split_by_leave(roster: Roster, group: list[Duty], away: dict[int, date]
                    ) -> tuple[list[dict], list[dict], list[PersonInfo]]:
    """Lines for those to remind, lines for those on leave (with who stands in), and everyone to @-mention."""
    pending: list[dict] = []
    on_leave: list[dict] = []
    mention: list[PersonInfo] = []
    for duty in group:
        present = [p for p in duty.people if p.id not in away]
        if present or not duty.people:
            pending.append(dict(label=duty.label, who="、".join(p.name for p in present)))
            mention += present
            continue
        lead = stand_in(roster, duty.district_id, duty.people[0], away)
        until = max(away[p.id] for p in duty.people)
        on_leave.append(dict(label=duty.label, who="、".join(p.name for p in duty.people), until=until,
                             lead=lead.name if lead else ""))
        mention += [lead] if lead else []
    return pending, on_leave, mention


def _missing_label(kind: str, duty: Duty) -> str:
    """How the office list names a missing report: 县一中（张伟）, 何丽; a district's by its lead."""
    who = "、".join(p.name for p in duty.people)
    if kind == "汇总" or who in ("", duty.label):
        return who or duty.label
    return f"{duty.label}（{who}）"


async def _missing_list(ctx: Context, steps: MonthSteps, key: str) -> list[Notice]:
    room = office_room(ctx.roster)
    if room is None:
        return []
    roster = ctx.roster
    report = await owed_reports(ctx.session, roster, steps.kind, steps.period)
    away = await leave_ends(ctx.session, steps.due_day)
    missing: dict[int | None, list[str]] = defaultdict(list)
    on_leave: list[dict] = []
    for duty in report.pending:
        if excused(duty, away):
            on_leave.append(dict(label=duty.label, who="、".join(p.name for p in duty.people),
                                 until=max(away[p.id] for p in duty.people)))
            continue
        missing[duty.district_id].append(_missing_label(steps.kind, duty))
    districts = [dict(name=roster.districts[d].name if d in roster.districts else "未分责任区",
                      count=len(labels), **shown(labels))
                 for d, labels in sorted(missing.items(), key=lambda kv: (-len(kv[1]), kv[0] or 0))]
    values = dict(kind=steps.kind, month=steps.month, due=steps.due, total=len(report.duties),
                  submitted=len(report.submitted), missing=sum(d["count"] for d in districts), districts=districts,
                  excused=on_leave)
    return [Notice(key=key, kind="monthly", template="cycle/missing.j2", values=values, room=room)]
