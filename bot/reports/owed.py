"""Owed vs submitted: which monthly reports (自查 / 月报 / 汇总) are owed for a month, which are in, which pending.

A report is "done" for a month when a current (not superseded) submission of that kind and period names the
school (自查), the person (月报) or the district (汇总). `owed_reports` is the one place that sets what is owed
against what is done; the digests, the 通报, the district summary and the monthly reminders all read it.
"""
from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from bot.domain.roster import Roster
from bot.obligations.reporting_cycle import Duty, duties, month_steps, period_of, previous_month
from bot.storage import models as m
from bot.storage.session import Session

SUBJECT_COLUMN = {"自查": m.Submission.school_id, "月报": m.Submission.person_id, "汇总": m.Submission.district_id}
GRACE_DAYS = 5  # in the first days of a month, a report still missing for last month is filed as last month's


@dataclass(frozen=True)
class Done:
    """A subject's current submission: when it came and who sent it."""

    at: datetime
    person_id: int | None
    text: str = ""  # what was sent (the desk's cycle page shows it)


@dataclass(frozen=True)
class Owed:
    """One kind's reports for one month (roster order): every duty owed, those submitted, those pending, and each
    submitted one's current submission (by subject)."""

    kind: str
    period: str
    duties: tuple[Duty, ...]
    submitted: tuple[Duty, ...]
    pending: tuple[Duty, ...]
    done: Mapping[int, Done] = field(default_factory=dict)


async def owed_reports(session: Session, roster: Roster, kind: str, period: str,
                       district_id: int | None = None, as_of: datetime | None = None) -> Owed:
    """The reports of `kind` owed for `period` (only those of `district_id` when given), submitted or not — as the
    submissions stood at `as_of` when given (then `done` holds each subject's first submission before it)."""
    every = tuple(d for d in duties(roster, kind) if district_id is None or d.district_id == district_id)
    done = await done_subjects(session, kind, period) if as_of is None else \
        await first_subjects(session, kind, period, as_of)
    return Owed(kind=kind, period=period, duties=every, submitted=tuple(d for d in every if d.subject in done),
                pending=tuple(d for d in every if d.subject not in done),
                done={d.subject: done[d.subject] for d in every if d.subject in done})


def excused(duty: Duty, away: Container[int]) -> bool:
    """Is everyone who submits `duty` on leave (`away`: person ids)? A duty nobody submits is never excused."""
    return bool(duty.people) and all(p.id in away for p in duty.people)


async def done_subjects(session: Session, kind: str, period: str) -> dict[int, Done]:
    """Subject id (school / person / district) → its current submission of `kind` for `period` (when, by whom)."""
    column = SUBJECT_COLUMN[kind]
    rows = await session.execute(select(column, m.Submission.at, m.Submission.person_id, m.Submission.text).where(
        m.Submission.kind == kind, m.Submission.period == period, m.Submission.superseded_at.is_(None),
        column.is_not(None)))
    return {subject: Done(at, person_id, text) for subject, at, person_id, text in rows.all()}


async def first_subjects(session: Session, kind: str, period: str, before: datetime) -> dict[int, Done]:
    """Subject id → its first submission of `kind` for `period` made before `before` (superseded or not: it was
    in at that moment, and its time says whether it came by the due day)."""
    column = SUBJECT_COLUMN[kind]
    S = m.Submission
    rows = await session.execute(select(column, S.at, S.person_id, S.text).where(
        S.kind == kind, S.period == period, S.at < before, column.is_not(None)).order_by(S.at.desc(), S.id.desc()))
    return {subject: Done(at, person_id, text)  # the earliest wins
            for subject, at, person_id, text in rows.all()}


async def is_done(session: Session, kind: str, period: str, subject: int) -> bool:
    column = SUBJECT_COLUMN[kind]
    return await session.scalar(select(m.Submission.id).where(
        m.Submission.kind == kind, m.Submission.period == period, m.Submission.superseded_at.is_(None),
        column == subject).limit(1)) is not None


async def filing_period(session: Session, roster: Roster, kind: str, subject: int, today: date) -> str:
    """The month ("2024-03") a report sent today is filed under.

    Normally this month. In the first GRACE_DAYS days of a month, a report still missing for last month (whose
    deadline has passed) is filed as last month's, late: "本月" in a report sent on the 2nd means last month.
    """
    if today.day <= GRACE_DAYS:
        last = month_steps(roster, kind, previous_month(today))
        if today > last.due and not await is_done(session, kind, last.period, subject):
            return last.period
    return period_of(today)

