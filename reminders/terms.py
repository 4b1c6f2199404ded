"""Start-of-term checks: announce the window, remind in its last days, report completion to the office.

For each term in calendar.terms (see bot.obligations.term_windows for the window, bot.reports.term_checks for
which schools are checked):
- "open": at the reminder time of the window's first working day, each district room hears which schools each
  supervisor is to check (owed until the reminder step, so a late start still announces it);
- "remind": at the reminder time of the window's last REMIND_WORKDAYS working days' first day, only the
  supervisors with unchecked schools are reminded, once (owed until the window closes);
- "report": on the first working day after the window, the office room gets checked / total by district,
  naming unchecked schools and their supervisors (owed for 7 days).
A supervisor on leave is not @-mentioned: their district lead is asked to see to their schools instead.
Each step is worked out once, at the first sweep it is owed at (a marker in reminders_sent).
The schedule, the district notices and who is to check which school are shared with the 专项督导 campaigns'
reminders (reminders/campaign_reminders.py).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.contract import Context, Notice
from bot.domain.roster import PersonInfo, Roster, SchoolInfo
from bot.obligations.reporting_cycle import workday_on_or_before
from bot.obligations.term_windows import TermWindow, windows
from bot.reports.absences import leave_ends
from bot.reports.lists import shown
from bot.reports.term_checks import checks, window_finding_counts
from reminders.steps import addressed, day_end, district_room, epoch, office_room, owed_steps, stand_in, take
from reminders.timing import reminder_instant

REMIND_WORKDAYS = 3  # remind in the window's last 3 working days (once, on the first of them)
REPORT_LIVE = timedelta(days=7)
NEAR = timedelta(days=30)  # terms further than this from today are not looked at


def schedule(opens: date, closes: date, roster: Roster) -> list[tuple[str, datetime, datetime]]:
    """(step, instant, expires) for a window of county days [opens, closes]: a term's check, or a campaign's."""
    cal = roster.calendar
    open_day = cal.next_workday(opens)
    remind_day = cal.add_workdays(workday_on_or_before(cal, closes), -(REMIND_WORKDAYS - 1))
    end = day_end(closes, roster)
    report_at = reminder_instant(cal.add_workdays(closes, 1), roster)
    plan = [("report", report_at, report_at + REPORT_LIVE)]
    remind_at = reminder_instant(remind_day, roster)
    if open_day < remind_day:
        plan.insert(0, ("remind", remind_at, end))
    else:
        remind_at = end
    if open_day <= closes:
        plan.insert(0, ("open", reminder_instant(open_day, roster), remind_at))
    return plan


async def terms_rule(ctx: Context) -> list[Notice]:
    since = await epoch(ctx.session, ctx.now)
    notices: list[Notice] = []
    for window in windows(ctx.roster):
        # the key is the report's own; the district notices' marker
        for step, key in await steps_owed(ctx, _owing(window), since):
            if step == "report":
                notices += await _report(ctx, window)
            else:
                notices += await _district_notices(ctx, window, step)
                take(ctx.session, key, "term", ctx.now)
    return notices


async def steps_owed(ctx: Context, owing: Owing, since: datetime) -> list[tuple[str, str]]:
    """The steps of a window (`schedule`) owed now and not taken yet, with their keys (`owing.key:step`); none for
    a window further than NEAR from today (nothing of it can be owed)."""
    if not owing.opens - NEAR <= ctx.today <= owing.closes + NEAR:
        return []
    return await owed_steps(ctx, schedule(owing.opens, owing.closes, ctx.roster), owing.key, since)


def _owing(window: TermWindow) -> Owing:
    return Owing(key=f"term:{window.name}", kind="term", opens=window.opens, closes=window.closes,
                 templates=dict(open="cycle/term_open.j2", remind="cycle/term_remind.j2"),
                 values=dict(term=window.name))


async def _district_notices(ctx: Context, window: TermWindow, step: str) -> list[Notice]:
    done = {sid for sid, c in (await checks(ctx.session, window.name)).items() if c["done"]}
    schools = sorted(ctx.roster.schools.values(), key=lambda s: s.id)
    return await district_notices(ctx, _owing(window), step, schools, done, ctx.roster.supervisors_by_school)


@dataclass(frozen=True)
class Owing:
    """A window of checks owed by the schools' checkers (a term's start-of-term checks, a campaign): the key its
    notices are under (`key:step:district`), their kind, the window, the template of each step, what else they say."""

    key: str
    kind: str
    opens: date
    closes: date
    templates: dict[str, str]
    values: dict


async def district_notices(ctx: Context, owing: Owing, step: str, schools: list[SchoolInfo], done: set[int],
                           assigned: dict[int, list[PersonInfo]]) -> list[Notice]:
    """Each district room hears who is to check which of `schools` (at "open": all; else the ones not `done`)."""
    roster = ctx.roster
    away = await leave_ends(ctx.session, ctx.today)
    by_district: dict[int, list[SchoolInfo]] = defaultdict(list)
    for school in schools:
        if step == "open" or school.id not in done:
            by_district[school.district_id].append(school)
    left = roster.calendar.workdays_between(ctx.today - timedelta(days=1), owing.closes)
    notices: list[Notice] = []
    for district_id, owed in sorted(by_district.items()):
        lines, unassigned, mention = assignments(roster, district_id, owed, assigned, away)
        values = dict(owing.values, closes=owing.closes, started=ctx.today > owing.opens, left=left,
                      lines=lines, unassigned=shown(s.display for s in unassigned))
        notices += addressed(f"{owing.key}:{step}:{district_id}", owing.kind, owing.templates[step], values,
                             district_room(roster, district_id), mention)
    return notices


def assignments(roster: Roster, district_id: int, schools: list[SchoolInfo],
                 assigned: dict[int, list[PersonInfo]], away: dict[int, date]
                 ) -> tuple[list[dict], list[SchoolInfo], list[PersonInfo]]:
    """Who is to check which schools: their supervisors, or the district lead (supervisor on leave, or none)."""
    to_check: dict[PersonInfo, list[str]] = defaultdict(list)
    covering: dict[PersonInfo, set[str]] = defaultdict(set)
    unassigned: list[SchoolInfo] = []
    for school in schools:
        supervisors = assigned.get(school.id, [])
        present = [p for p in supervisors if p.id not in away]
        if not present:
            lead = (stand_in(roster, district_id, supervisors[0], away) if supervisors
                    else roster.lead_of(district_id))
            if lead is None or lead.id in away:
                unassigned.append(school)
                continue
            present = [lead]
            covering[lead].update(p.name for p in supervisors)
        for person in present:
            to_check[person].append(school.display)
    lines = [dict(who=p.name, covering=sorted(covering[p]), count=len(names), **shown(names))
             for p, names in to_check.items()]
    return lines, unassigned, list(to_check)


async def _report(ctx: Context, window: TermWindow) -> list[Notice]:
    room = office_room(ctx.roster)
    if room is None:
        return []
    roster = ctx.roster
    current = await checks(ctx.session, window.name)
    found = await window_finding_counts(ctx.session, window, roster)
    assigned = roster.supervisors_by_school
    districts: dict[int, dict] = {}
    for school in sorted(roster.schools.values(), key=lambda s: s.id):
        d = districts.setdefault(school.district_id, dict(total=0, checked=0, unchecked=[]))
        d["total"] += 1
        if current.get(school.id, {}).get("done"):
            d["checked"] += 1
        else:
            who = "、".join(p.name for p in assigned.get(school.id, []))
            d["unchecked"].append(f"{school.display}（{who}）" if who else school.display)
    rows = [dict(name=roster.districts[d_id].name, total=d["total"], checked=d["checked"],
                 findings=found.get(d_id, 0), **shown(d["unchecked"]), missing=len(d["unchecked"]))
            for d_id, d in districts.items() if d_id in roster.districts]
    rows.sort(key=lambda r: (-r["missing"], r["name"]))
    total, checked = sum(r["total"] for r in rows), sum(r["checked"] for r in rows)
    values = dict(term=window.name, opens=window.opens, closes=window.closes, total=total, checked=checked,
                  rate=round(100 * checked / total) if total else 100, findings=sum(found.values()),
                  districts=rows)
    return [Notice(key=f"term:{window.name}:report", kind="term", template="cycle/term_report.j2",
                   values=values, room=room)]
