"""The rectification ladder (整改逾期督办): escalate an overdue 待整改 finding step by step (policy.overdue_ladder).

Semantics:
- A finding is due by the end of `due_date` (county time); `deadline_at` is the UTC instant it is overdue.
- Step k (`after: N`) falls due at policy.reminder_time on calendar.add_workdays(due_date, N + 1): after N
  full working days overdue (`after: 0` = the first working day after the deadline). Holidays and 调休
  make-up days count as the calendar says; the sweep itself speaks only on working days, outside quiet hours.
- Each step goes out once per finding and deadline (key `ladder:<id>:<due date>:<k>`): an extension (延期)
  gives the new deadline a ladder of its own; a failed verification keeps the deadline, so the ladder
  resumes where it was.
- Catch-up: when several steps of one finding are due at once (the bot was down, or a finding came back
  from 待验收 long overdue), only the highest goes out; the lower ones are recorded as skipped.
- Only 待整改 (open) is chased. 待验收 past the deadline still reads "逾期", but the school has reported and the
  finding waits on the supervisor (reminders/verify.py); closed and withdrawn findings stop at once (the
  query looks at the status at each sweep).
- One message per room per step lists its findings, most overdue first, at most LIST_MAX lines and a count
  of the rest. The step names its people (audience.py: leave → district lead); the last step names the
  findings as 问责 candidates and @-mentions the office people.
"""
from __future__ import annotations

from sqlalchemy import case

from bot.contract import Context, Covered, Notice
from bot.domain.escalation import latest_due_reaching_step, reminded_through
from bot.ledger.lifecycle import deadline_instant
from bot.reports.absences import people_on_leave
from reminders import due_findings as q
from reminders.audience import Audience, Directory, audience_for, directory
from reminders.grouping import Pairs, notices_by_room
from reminders.notify import record_skipped_many

KIND = "ladder"


async def ladder_rule(ctx: Context) -> list[Notice]:
    """The ladder steps due now, most urgent (highest) step first."""
    d, on_leave = directory(ctx.roster), await people_on_leave(ctx.session, ctx.today)
    notices: list[Notice] = []
    for k, found in await due_steps(ctx):
        skipped = [Covered(q.step_key(KIND, f.id, f.due_date, lower), f.id, lower)
                   for f in found for lower in range(k)]
        await record_skipped_many(ctx.session, skipped, KIND, ctx.now)
        notices += _step_notices(ctx, d, k, found, on_leave)
    return notices


async def due_steps(ctx: Context) -> list[tuple[int, list[q.Due]]]:
    """For each step k, highest first: the open findings whose highest step due now is k, not yet recorded."""
    roster = ctx.roster
    ladder = roster.policy.overdue_ladder
    if not ladder:
        return []
    through = reminded_through(ctx.now, roster.tz, roster.policy.reminder_time)
    # deadline_at <= deadline_instant(D) ⇔ due_date <= D: the findings that reached step k by `through`
    reached = [deadline_instant(latest_due_reaching_step(through, s.after, roster.calendar), roster.tz)
               for s in ladder]
    highest = case(*[(q.F.deadline_at <= reached[k], k) for k in reversed(range(1, len(ladder)))], else_=0)
    found = await q.open_findings(ctx.session, KIND, deadline_until=reached[0], step=highest)
    by_step: dict[int, list[q.Due]] = {}
    for f, k in found:
        assert k is not None  # `highest` gives every finding a step
        by_step.setdefault(k, []).append(f)
    return sorted(by_step.items(), reverse=True)


def _step_notices(ctx: Context, d: Directory, k: int, found: list[q.Due],
                  on_leave: set[int]) -> list[Notice]:
    ladder = ctx.roster.policy.overdue_ladder
    step = ladder[k]

    def audience(pairs: Pairs) -> Audience:
        people = Audience()
        for school in q.schools_of(pairs):
            audience_for(d, step.notify, school, on_leave, into=people)
        return people

    return notices_by_room(ctx, d, found, scope=step.room, kind=KIND, template="reminders/ladder.j2", step=k,
                           key=lambda f: q.step_key(KIND, f.id, f.due_date, k), audience=audience,
                           values=dict(step=k + 1, after=step.after, final=k == len(ladder) - 1))
