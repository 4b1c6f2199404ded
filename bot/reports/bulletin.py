"""The monthly 通报 draft: the month's findings, rectification, visits and reports, in the office's formal style.

Render it with: `renderer.render(BULLETIN_TEMPLATE, **await bulletin_values(session, roster, now))`.
When it is sent is reminders.digests' business; this module only works out its values.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import Roster
from bot.ledger import lifecycle as ledger
from bot.obligations.reporting_cycle import month_steps, period_of, supervisors
from bot.reports import aggregates as q
from bot.reports.absences import leave_ends
from bot.reports.district_summary import month_bounds
from bot.reports.lists import shown
from bot.reports.owed import excused, owed_reports

BULLETIN_TEMPLATE = "digests/bulletin.j2"


@dataclass(frozen=True)
class Shown:
    """How much a 通报 lists: the chat draft is read on a phone; the Word document has tables."""

    overdue: int = 5
    categories: int = 5
    districts: int = 20
    description: int = 30  # characters of a finding's description


CHAT = Shown()
DOCUMENT = Shown(overdue=100, categories=50, districts=200, description=60)


async def bulletin_values(session: AsyncSession, roster: Roster, now: datetime,
                          month_start: date | None = None, limits: Shown = CHAT) -> dict:
    """Plain values for digests/bulletin.j2 for the month of `month_start` (default: this month, so far); the
    state counts (active, overdue, red) are at `now`. `limits` sets how many districts, categories and overdue
    findings are listed (the rest counted)."""
    today = now.astimezone(roster.tz).date()
    month_start = month_start or today.replace(day=1)
    since, until = month_bounds(roster, month_start, now)
    red = await q.red_condition(session, roster, now)
    flows = q.by_district(await q.flow(session, since, until), roster, q.FLOW)
    states = q.by_district(await q.state(session, now, red), roster, q.STATE)
    went = q.by_district({sid: dict(visits=n) for sid, n in (await q.visits(session, since, until)).items()},
                         roster, ("visits",))
    districts = [dict(name=d.name, **went[d.id], **flows[d.id], **states[d.id])
                 for d in sorted(roster.districts.values(), key=lambda d: d.id)]
    totals = {k: sum(r[k] for r in districts) for k in ("visits", *q.FLOW, *q.STATE)}
    if len(districts) > limits.districts:  # a big county: those with the most overdue first, the rest counted
        districts.sort(key=lambda r: (-r["overdue"], -r["active"]))
    cats = await q.categories(session, since, until)
    overdue = await _overdue(session, roster, now, today, limits)
    return dict(county=roster.county, year=month_start.year, month=month_start.month, today=today,
                until=(until - timedelta(seconds=1)).astimezone(roster.tz).date(), totals=totals,
                districts=districts[:limits.districts], more_districts=len(districts[limits.districts:]),
                categories=[dict(name=c, count=n) for c, n in cats[:limits.categories]],
                overdue=overdue, overdue_more=max(0, totals["overdue"] - len(overdue)),
                reports=await _reports(session, roster, month_start),
                idle=await _idle(session, roster, since, until))


async def _overdue(session: AsyncSession, roster: Roster, now: datetime, today: date, limits: Shown) -> list[dict]:
    rows = []
    for number, school_id, description, due in await q.longest_overdue(session, roster, now, limits.overdue):
        school = roster.schools.get(school_id)
        district = roster.districts.get(school.district_id) if school else None
        cut = limits.description
        text = description if len(description) <= cut else description[:cut] + "…"
        rows.append(dict(ref=ledger.ref(number), school=school.name if school else "", description=text,
                         district=district.name if district else "", days=(today - due).days))
    return rows


async def _reports(session: AsyncSession, roster: Roster, month_start: date) -> list[dict]:
    """For each monthly report: how many were due and in, and who is missing."""
    rows = []
    for kind in roster.policy.monthly:
        owed = await owed_reports(session, roster, kind, period_of(month_start))
        away = await leave_ends(session, month_steps(roster, kind, month_start).due_day)
        on_leave = [d.label for d in owed.pending if excused(d, away)]
        missing = [d.label for d in owed.pending if d.label not in on_leave]
        rows.append(dict(kind=kind, total=len(owed.duties), submitted=len(owed.submitted),
                         missing=shown(missing), missing_count=len(missing), excused=on_leave))
    return rows


async def _idle(session: AsyncSession, roster: Roster, since: datetime, until: datetime) -> dict:
    """Supervisors with no visit (到校) in the month."""
    done = await q.activity(session, since, until)
    return shown(p.name for p in supervisors(roster) if not done.get(p.id, {}).get("visits"))
