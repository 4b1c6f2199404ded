"""The monthly cycle (自查 → 月报 → 汇总): when each report is due, who owes it, who has submitted.

Who owes what (policy.monthly):
- 自查: every active school (its principals submit; a school with no principal on file still owes it);
- 月报: every active supervisor (督学; district leads are supervisors too);
- 汇总: every active district with a lead.
A report is "done" for a month when a current (not superseded) submission of that kind and period names the
school (自查), the person (月报) or the district (汇总).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import WorkCalendar
from bot.domain.roster import PersonInfo, Roster
from bot.storage import models as m

PRINCIPAL_ROLES = ("校长", "园长")
SUBJECT_COLUMN = {"自查": m.Submission.school_id, "月报": m.Submission.person_id, "汇总": m.Submission.district_id}
GRACE_DAYS = 5  # in the first days of a month, a report still missing for last month is filed as last month's


@dataclass(frozen=True)
class MonthSteps:
    """The days of one kind's cycle in one month (county dates)."""

    kind: str
    period: str  # "2024-03"
    month: int
    due: date  # the due day itself
    before_day: date | None  # remind_before working days before `due` (None when 0 or not before due_day)
    due_day: date  # the due-day reminder: `due`, or the last working day before it
    missing_day: date  # the first working day after `due`: the office hears who is missing


def period_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def workday_on_or_before(calendar: WorkCalendar, day: date) -> date:
    return day if calendar.is_workday(day) else calendar.add_workdays(day, -1)


def month_steps(roster: Roster, kind: str, month_start: date) -> MonthSteps:
    step = roster.policy.monthly[kind]
    cal = roster.calendar
    due = month_start.replace(day=step.due_day)
    due_day = workday_on_or_before(cal, due)
    before = cal.add_workdays(due, -step.remind_before) if step.remind_before else None
    return MonthSteps(kind=kind, period=period_of(due), month=due.month, due=due,
                      before_day=before if before is not None and before < due_day else None,
                      due_day=due_day, missing_day=cal.add_workdays(due, 1))


@dataclass(frozen=True)
class Duty:
    """One report owed for a month: by a school (自查), a person (月报) or a district (汇总)."""

    subject: int  # school id / person id / district id, as the submission names it
    label: str  # 实验小学 / 李明 / 第一责任区
    district_id: int | None
    people: tuple[PersonInfo, ...]  # who submits it (and is reminded)


def home_district(roster: Roster, person: PersonInfo) -> int | None:
    """A supervisor's district: the one they lead, else the one most of their schools are in."""
    led = sorted(d.id for d in roster.districts.values() if d.lead_id == person.id)
    if led:
        return led[0]
    counts = Counter(roster.schools[s].district_id for s in person.supervised if s in roster.schools)
    return min(counts, key=lambda d: (-counts[d], d)) if counts else None


def supervisors(roster: Roster) -> list[PersonInfo]:
    return sorted((p for p in roster.people.values() if p.active and p.role == "督学"), key=lambda p: p.id)


def duties(roster: Roster, kind: str) -> list[Duty]:
    """Everything owed for `kind` in a month, in roster order."""
    if kind == "自查":
        return [Duty(s.id, s.display, s.district_id, tuple(roster.principals_of(s.id)))
                for s in sorted(roster.schools.values(), key=lambda s: s.id)]
    if kind == "月报":
        return [Duty(p.id, p.name, home_district(roster, p), (p,)) for p in supervisors(roster)]
    leads = ((d, roster.lead_of(d.id)) for d in sorted(roster.districts.values(), key=lambda d: d.id))
    return [Duty(d.id, d.name, d.id, (lead,)) for d, lead in leads if lead is not None]


async def done_subjects(session: AsyncSession, kind: str, period: str) -> dict[int, datetime]:
    """Subject id (school / person / district) → when its current submission of `kind` for `period` came."""
    column = SUBJECT_COLUMN[kind]
    rows = await session.execute(select(column, m.Submission.at).where(
        m.Submission.kind == kind, m.Submission.period == period, m.Submission.superseded_at.is_(None),
        column.is_not(None)))
    return {subject: at for subject, at in rows.all()}


async def is_done(session: AsyncSession, kind: str, period: str, subject: int) -> bool:
    column = SUBJECT_COLUMN[kind]
    return await session.scalar(select(m.Submission.id).where(
        m.Submission.kind == kind, m.Submission.period == period, m.Submission.superseded_at.is_(None),
        column == subject).limit(1)) is not None


async def filing_period(session: AsyncSession, roster: Roster, kind: str, subject: int, today: date) -> str:
    """The month ("2024-03") a report sent today is filed under.

    Normally this month. In the first GRACE_DAYS days of a month, a report still missing for last month (whose
    deadline has passed) is filed as last month's, late: "本月" in a report sent on the 2nd means last month.
    """
    if today.day <= GRACE_DAYS:
        last = month_steps(roster, kind, previous_month(today))
        if today > last.due and not await is_done(session, kind, last.period, subject):
            return last.period
    return period_of(today)

