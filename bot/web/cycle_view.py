"""/cycle: the monthly cycle (自查 → 月报 → 汇总) of a chosen month — for each school its 自查, for each supervisor the
月报, for each district the 汇总: in or not, when and by whom. What is owed and what is in is bot.reports.owed's;
this page only sorts it into the rows the viewer may see:

- 自查: the schools they may see (office all, district lead the district, supervisor the assigned schools,
  principal the own school);
- 月报: the office every supervisor's, a district lead those of the district, a supervisor the own;
- 汇总: the office every district's, a district lead the own district's.
"""
from __future__ import annotations

import re
from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from bot.obligations.reporting_cycle import Duty, month_steps, period_of, previous_month
from bot.reports.absences import leave_ends
from bot.reports.owed import Done, excused, owed_reports
from bot.web.page import render
from bot.web.viewer import Viewer

KINDS = {"自查": "学校自查", "月报": "督学月报", "汇总": "责任区汇总"}
MONTHS_OFFERED = 12
LONG = 120  # a report longer than this (characters) is folded: its first line shown, the rest a click away
MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def read_month(value: str, today: date) -> tuple[date, bool]:
    """The first day of the month asked for ("2024-03"), or this month's and False when the value means nothing."""
    value = value.strip()
    if not value:
        return today.replace(day=1), True
    match = MONTH.fullmatch(value)
    if match and 2000 <= int(match[1]) <= today.year + 1 and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1), True
    return today.replace(day=1), False


def _shown(viewer: Viewer, kind: str, duty: Duty) -> bool:
    actor = viewer.actor
    if actor.is_office:
        return True
    if kind == "自查":
        return duty.subject in (viewer.school_ids or set())
    if kind == "月报":
        return duty.subject == actor.person_id or duty.district_id in actor.led_districts
    return duty.subject in actor.led_districts


async def cycle_page(request: Request, viewer: Viewer) -> Response:
    roster, now = viewer.roster, request.app.state.clock.now()
    today = now.astimezone(roster.tz).date()
    month, understood = read_month(request.query_params.get("month", ""), today)
    sections = []
    async with request.app.state.db.reading() as session:
        for kind, title in KINDS.items():
            if kind not in roster.policy.monthly:
                continue
            owed = await owed_reports(session, roster, kind, period_of(month))
            steps = month_steps(roster, kind, month)
            away = await leave_ends(session, steps.due_day)
            rows = [_row(viewer, duty, owed.done.get(duty.subject), steps.due, today, excused(duty, away))
                    for duty in owed.duties if _shown(viewer, kind, duty)]
            if rows:
                sections.append(dict(kind=kind, title=title, due=steps.due, rows=rows, total=len(rows),
                                     submitted=sum(1 for r in rows if r["done"]),
                                     missing=[r["label"] for r in rows if r["state"] == "missing"]))
    months, first = [], today.replace(day=1)
    for _ in range(MONTHS_OFFERED):
        months.append(first)
        first = previous_month(first)
    if month not in months:
        months.append(month)
    return render(request, "cycle.html", viewer=viewer, month=month, months=sorted(months, reverse=True),
                  understood=understood, sections=sections, tz=roster.tz)


def _row(viewer: Viewer, duty: Duty, done: Done | None, due: date, today: date, on_leave: bool) -> dict:
    roster = viewer.roster
    district = roster.districts.get(duty.district_id) if duty.district_id is not None else None
    row = dict(label=duty.label, district=district.name if district else "", done=done is not None,
               people="、".join(p.name for p in duty.people), at=None, by="", late=False, text="", long=False)
    if done is not None:
        person = roster.people.get(done.person_id) if done.person_id is not None else None
        row.update(state="done", at=done.at, by=person.name if person else "", text=done.text,
                   long=len(done.text) > LONG,
                   late=done.at.astimezone(roster.tz).date() > due)
    elif on_leave:
        row.update(state="leave")
    else:
        row.update(state="missing" if today > due else "waiting")
    return row
