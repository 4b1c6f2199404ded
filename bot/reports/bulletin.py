"""The monthly 通报: the month's findings, rectification, visits and reports, in the office's formal style — as of
the month's end (or now, for the month under way), the same in the chat draft and the Word document.

Render it with: `renderer.render(BULLETIN_TEMPLATE, **await bulletin_values(session, roster, now))`.
When it is sent is reminders.digests' business; this module only works out its values. Every figure is one of
bot.domain.figures, counted by bot.reports.as_of.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bot.domain import figures, sources
from bot.domain.roster import Roster, RosterAt
from bot.ledger import lifecycle as ledger
from bot.obligations.reporting_cycle import month_steps, period_of, supervisors
from bot.parsing.periods import month_period
from bot.reports import as_of
from bot.reports.absences import leave_ends
from bot.reports.lists import shown
from bot.reports.owed import excused, owed_reports
from bot.reports.places import school_name
from bot.storage import models as m
from bot.storage.roster_history import roster_at
from bot.storage.session import Session

BULLETIN_TEMPLATE = "digests/bulletin.j2"
OTHER = "其他"  # never named as where problems concentrate


@dataclass(frozen=True)
class Shown:
    """How much a 通报 lists: the chat draft is read on a phone; the Word document has tables."""

    overdue: int = 5
    categories: int = 5
    districts: int = 20
    description: int = 30  # characters of a finding's description


CHAT = Shown()
DOCUMENT = Shown(overdue=100, categories=50, districts=200, description=60)


async def bulletin_values(session: Session, roster: Roster, now: datetime,
                          month_start: date | None = None, limits: Shown = CHAT) -> dict:
    """Plain values for digests/bulletin.j2 (and the Word template) for the month of `month_start` (default: this
    month, so far), every figure as of the month's end — or now, while the month is under way."""
    today = now.astimezone(roster.tz).date()
    month_start = month_start or today.replace(day=1)
    window = as_of.Window.of(month_start, month_period(month_start).last, roster, now)
    tally = await as_of.tally(session, roster, window, now)
    then = await roster_at(session, roster, window.t)
    districts, totals = as_of.district_rows(tally, roster, then.district_of)
    if len(districts) > limits.districts:  # a big county: those with the most overdue first, the rest counted
        districts.sort(key=lambda r: (-r["rectify_overdue"], -r["active"]))
    cats = sorted(tally.categories.items(), key=lambda c: (-c[1], c[0]))
    day = window.last_day(roster)
    return dict(county=roster.county, office=roster.office_name, year=month_start.year, month=month_start.month,
                title=f"关于{month_start.year}年{month_start.month}月责任督学挂牌督导工作情况的通报",
                as_of=day, current=window.current, today=today, until=day, totals=totals,
                districts=districts[:limits.districts], more_districts=len(districts[limits.districts:]),
                categories=[dict(name=c, count=n) for c, n in cats[:limits.categories]],
                concentrated=[dict(name=c, count=n) for c, n in cats if c != OTHER][:3],
                sources=_sources(await as_of.sources(session, window)),
                overdue=await _listed(session, roster, tally.overdue[:limits.overdue], then, day, limits),
                overdue_more=max(0, len(tally.overdue) - limits.overdue),
                verify_late=_late(roster, tally.verify_late[:limits.overdue], then, day),
                verify_late_more=max(0, len(tally.verify_late) - limits.overdue),
                verify_days=roster.policy.verify_within.n,
                reports=await _reports(session, roster, month_start, window),
                idle=_idle(roster, tally) if totals["visits"] or not window.current else shown(()),
                notes=figures.footnotes(("rate", "on_time_rate", "rectify_overdue", "verify_late")),
                issued=None)  # a draft; bot.reports.issued fills in the 文号 and 印发日期 of one issued


def _sources(counted: Counter) -> list[dict]:
    """The month's findings by 来源, in the design's order — none when all came from everyday inspection (the
    通报 then says nothing of sources)."""
    if not any(n for code, n in counted.items() if code != sources.ROUTINE):
        return []
    return [dict(name=s.label, count=counted[s.code]) for s in sources.SOURCES if counted[s.code]]


async def _descriptions(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(m.Finding.id, m.Finding.description)
                                       .where(m.Finding.id.in_(ids)))).all())


async def _listed(session: Session, roster: Roster, found: list[as_of.Live], then: RosterAt, day: date,
                  limits: Shown) -> list[dict]:
    texts = await _descriptions(session, [f.id for f in found])
    rows = []
    for f in found:
        text, cut = texts.get(f.id, ""), limits.description
        rows.append(dict(ref=ledger.ref(f.number), school=school_name(roster, then, f.school_id),
                         district=_district(roster, then, f.school_id),
                         description=text if len(text) <= cut else text[:cut] + "…", days=(day - f.due_date).days,
                         due=f.due_date))
    return rows


def _late(roster: Roster, found: list[as_of.Live], then: RosterAt, day: date) -> list[dict]:
    rows = []
    for f in found:
        finder = roster.people.get(f.finder_id)
        rows.append(dict(ref=ledger.ref(f.number), school=school_name(roster, then, f.school_id),
                         district=_district(roster, then, f.school_id),
                         supervisor=finder.name if finder else "",
                         reported=f.reported_at.astimezone(roster.tz).date() if f.reported_at else day))
    return rows


def _district(roster: Roster, then: RosterAt, school_id: int) -> str:
    district = roster.districts.get(then.district_of.get(school_id, -1))
    return district.name if district else ""


async def _reports(session: Session, roster: Roster, month_start: date, window: as_of.Window) -> list[dict]:
    """For each monthly report, as the submissions stood at the window's end: owed, in on time, late, missing."""
    rows = []
    for kind in roster.policy.monthly:
        steps = month_steps(roster, kind, month_start)
        owed = await owed_reports(session, roster, kind, period_of(month_start), as_of=window.t)
        away = await leave_ends(session, steps.due_day)
        on_leave = [d.label for d in owed.pending if excused(d, away)]
        missing = [d.label for d in owed.pending if d.label not in on_leave]
        on_time = sum(1 for d in owed.submitted if owed.done[d.subject].at.astimezone(roster.tz).date() <= steps.due)
        counted = len(owed.duties) - len(on_leave)
        over = figures.day_end(steps.due, roster.tz) <= window.t
        rows.append(dict(kind=kind, total=len(owed.duties), submitted=len(owed.submitted), on_time=on_time,
                         late=len(owed.submitted) - on_time, due=steps.due, over=over,
                         on_time_rate=figures.percent(on_time, counted) if over else None,
                         missing=shown(missing), missing_count=len(missing), excused=on_leave))
    return rows


def _idle(roster: Roster, tally: as_of.Tally) -> dict:
    """Supervisors with no visit (到校) in the window."""
    visited = tally.visitors
    return shown(p.name for p in supervisors(roster) if p.id not in visited)
