"""The weekly digest (周报) to the office room: the seven days before today and what falls due in the next seven.

Render it with: `renderer.render(WEEKLY_TEMPLATE, **await weekly_digest_values(session, roster, now))`.
When it is sent is reminders.digests' business; this module only works out its values.
"""
from __future__ import annotations

import heapq
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.local_time import local_instant
from bot.domain.roster import Roster
from bot.obligations.reporting_cycle import month_steps, supervisors
from bot.obligations.term_windows import windows
from bot.reports import aggregates as q
from bot.reports.lists import shown
from bot.reports.owed import owed_reports
from bot.reports.term_checks import checks

WEEKLY_TEMPLATE = "digests/weekly.j2"
DISTRICTS_SHOWN, SCHOOLS_SHOWN, PEOPLE_SHOWN = 12, 8, 15


def _day_start(day: date, roster: Roster) -> datetime:
    return local_instant(day, datetime.min.time(), roster)


async def weekly_digest_values(session: AsyncSession, roster: Roster, now: datetime) -> dict:
    """Plain values for digests/weekly.j2: the last seven days, the state now, and what is due this week."""
    today = now.astimezone(roster.tz).date()
    since = _day_start(today - timedelta(days=7), roster)
    red = await q.red_condition(session, roster, now)
    flows = q.in_roster(await q.flow(session, since, now), roster)
    states = q.in_roster(await q.state(session, now, red), roster)
    flow_d, state_d = q.by_district(flows, roster, q.FLOW), q.by_district(states, roster, q.STATE)
    districts = [dict(name=d.name, **{k: flow_d[d.id][k] for k in ("new", "closed")}, **state_d[d.id])
                 for d in sorted(roster.districts.values(), key=lambda d: d.id)]
    districts.sort(key=lambda r: (-r["red"], -r["overdue"], -r["active"], -r["new"]))  # stable: then by id
    totals = {k: sum(r[k] for r in districts) for k in ("new", "closed", "active", "overdue", "red")}
    totals["on_time"] = sum(flow_d[d.id]["on_time"] for d in roster.districts.values())
    totals.update(await q.rates(session))
    first = today - timedelta(days=7)  # the report is about the seven days before today (last week, on a Monday)
    return dict(county=roster.county, today=today, since=first, last=today - timedelta(days=1),
                week=first.isocalendar().week,
                totals=totals, districts=districts[:DISTRICTS_SHOWN],
                more_districts=max(0, len(districts) - DISTRICTS_SHOWN), **_schools(roster, flows, states),
                **await _people(session, roster, since, now),
                due=await _due(session, roster, today, today + timedelta(days=6)))


def _schools(roster: Roster, flows: dict[int, dict], states: dict[int, dict]) -> dict:
    """The schools with the most red, then overdue findings, and how many more have overdue ones."""
    overdue = [sid for sid, counts in states.items() if counts["overdue"]]
    top = heapq.nsmallest(SCHOOLS_SHOWN, overdue, key=lambda sid: (
        -states[sid]["red"], -states[sid]["overdue"], -states[sid]["active"], sid))
    rows = []
    for sid in top:
        school = roster.schools[sid]
        district = roster.districts.get(school.district_id)
        rows.append(dict(name=school.display, district=district.name if district else "", **states[sid],
                         new=flows.get(sid, {}).get("new", 0), closed=flows.get(sid, {}).get("closed", 0)))
    return dict(schools=rows, more_schools=len(overdue) - len(rows))


async def _people(session: AsyncSession, roster: Roster, since: datetime, now: datetime) -> dict:
    done = await q.activity(session, since, now)
    people = [dict(name=p.name, **done.get(p.id, dict(visits=0, findings=0))) for p in supervisors(roster)]
    busy = sorted((r for r in people if r["visits"] or r["findings"]),
                  key=lambda r: (-r["visits"], -r["findings"], r["name"]))
    return dict(people=busy[:PEOPLE_SHOWN], more_people=max(0, len(busy) - PEOPLE_SHOWN),
                idle=shown(r["name"] for r in people if not r["visits"] and not r["findings"]))


async def _due(session: AsyncSession, roster: Roster, first: date, last: date) -> dict:
    """What falls due in [first, last]: findings, monthly reports (how many are in), term checks closing."""
    reports = []
    for month_start in sorted({first.replace(day=1), last.replace(day=1)}):
        for kind in roster.policy.monthly:
            steps = month_steps(roster, kind, month_start)
            if first <= steps.due <= last:
                owed = await owed_reports(session, roster, kind, steps.period)
                reports.append(dict(kind=kind, month=steps.month, due=steps.due, total=len(owed.duties),
                                    submitted=len(owed.submitted)))
    terms = []
    for window in windows(roster):
        if first <= window.closes <= last and window.opens <= last:
            done = sum(1 for c in (await checks(session, window.name)).values() if c["done"])
            terms.append(dict(term=window.name, closes=window.closes, checked=done,
                              total=len(roster.schools)))
    due_findings = sum(q.in_roster(await q.due(session, roster, first, last), roster).values())
    return dict(findings=due_findings, until=last, reports=reports, terms=terms)
