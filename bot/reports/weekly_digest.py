"""The weekly digest (周报) to the office room: one ISO week (Monday–Sunday), as of its end, and what falls due in the
next seven days. The scheduled digest covers the last full week whatever day it goes out on (a Monday holiday
delays it, never shifts it); #周报 on demand counts this week so far or a week asked for.

Render it with: `renderer.render(WEEKLY_TEMPLATE, **await weekly_digest_values(session, roster, now))`.
When it is sent is reminders.digests' business; this module only works out its values.
"""
from __future__ import annotations

import heapq
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain import figures
from bot.domain.roster import Roster
from bot.obligations.reporting_cycle import month_steps, supervisors
from bot.obligations.term_windows import windows
from bot.reports import aggregates as q
from bot.reports import as_of
from bot.reports.lists import shown
from bot.reports.owed import owed_reports
from bot.reports.places import districts_at
from bot.reports.term_checks import checks
from bot.storage.session import Session

WEEKLY_TEMPLATE = "digests/weekly.j2"
DISTRICTS_SHOWN, SCHOOLS_SHOWN, PEOPLE_SHOWN = 12, 8, 15


def last_full_week(day: date) -> date:
    """The Monday of the last full week (Monday–Sunday) before `day`."""
    return day - timedelta(days=day.weekday() + 7)


async def weekly_digest_values(session: Session, roster: Roster, now: datetime,
                               monday: date | None = None) -> dict:
    """Plain values for digests/weekly.j2 about the ISO week starting `monday` (default: the last full week) —
    its figures as of its Sunday's end, or now while it is under way — and what falls due in the next seven days."""
    today = now.astimezone(roster.tz).date()
    monday = monday or last_full_week(today)
    window = as_of.Window.of(monday, monday + timedelta(days=6), roster, now)
    tally = await as_of.tally(session, roster, window, now, who=True)
    districts, totals = as_of.district_rows(tally, roster, await districts_at(session, roster, window.t))
    districts.sort(key=lambda r: (-r["red"], -r["rectify_overdue"], -r["active"], -r["new"]))  # stable: then by id
    year, week, _ = monday.isocalendar()
    last = window.last_day(roster)
    return dict(county=roster.county, today=today, year=year, week=week, since=monday, last=last,
                sunday=monday + timedelta(days=6), current=window.current, totals=totals,
                districts=districts[:DISTRICTS_SHOWN], more_districts=max(0, len(districts) - DISTRICTS_SHOWN),
                **_schools(roster, tally), **_people(roster, tally),
                due=await _due(session, roster, today, today + timedelta(days=6)),
                notes=figures.footnotes(("rate", "on_time_rate", "rectify_overdue", "verify_late")))


def _schools(roster: Roster, tally: as_of.Tally) -> dict:
    """The schools with the most red, then 整改逾期 findings at the week's end, and how many more have any."""
    counts = tally.schools
    overdue = [sid for sid, c in counts.items() if c["rectify_overdue"] and sid in roster.schools]
    top = heapq.nsmallest(SCHOOLS_SHOWN, overdue, key=lambda sid: (
        -counts[sid]["red"], -counts[sid]["rectify_overdue"], -counts[sid]["active"], sid))
    rows = []
    for sid in top:
        school = roster.schools[sid]
        district = roster.districts.get(school.district_id)
        rows.append(dict(name=school.display, district=district.name if district else "", **counts[sid]))
    return dict(schools=rows, more_schools=len(overdue) - len(rows))


def _people(roster: Roster, tally: as_of.Tally) -> dict:
    people: list[dict[str, Any]] = [dict(name=p.name, visits=tally.visitors[p.id], findings=tally.finders[p.id])
                                    for p in supervisors(roster)]
    busy = sorted((r for r in people if r["visits"] or r["findings"]),
                  key=lambda r: (-r["visits"], -r["findings"], r["name"]))
    return dict(people=busy[:PEOPLE_SHOWN], more_people=max(0, len(busy) - PEOPLE_SHOWN),
                idle=shown(r["name"] for r in people if not r["visits"] and not r["findings"]))


async def _due(session: Session, roster: Roster, first: date, last: date) -> dict:
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
