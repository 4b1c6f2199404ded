"""The monthly cycle (自查 → 月报 → 汇总): when each report is due and who owes it.

Who owes what (policy.monthly):
- 自查: every active school (its principals submit; a school with no principal on file still owes it);
- 月报: every active supervisor (督学; district leads are supervisors too);
- 汇总: every active district with a lead.
Who has submitted, and the month a report sent today is filed under, are read by bot.reports.owed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from bot.county.policy import MONTHLY_KINDS
from bot.domain.calendar import WorkCalendar
from bot.domain.roster import PersonInfo, Roster

PRINCIPAL_ROLES = ("校长", "园长")


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
    if kind not in MONTHLY_KINDS:  # an unknown kind fails as indexing policy.monthly with it would
        raise KeyError(kind)
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
    """Everything owed for `kind` in a month, in roster order (worked out once per roster snapshot)."""
    key = ("duties", kind)
    if key not in roster.memo:
        roster.memo[key] = tuple(_duties(roster, kind))
    return list(roster.memo[key])


def _duties(roster: Roster, kind: str) -> list[Duty]:
    if kind == "自查":
        return [Duty(s.id, s.display, s.district_id, tuple(roster.principals_of(s.id)))
                for s in sorted(roster.schools.values(), key=lambda s: s.id)]
    if kind == "月报":
        return [Duty(p.id, p.name, home_district(roster, p), (p,)) for p in supervisors(roster)]
    leads = ((d, roster.lead_of(d.id)) for d in sorted(roster.districts.values(), key=lambda d: d.id))
    return [Duty(d.id, d.name, d.id, (lead,)) for d, lead in leads if lead is not None]
