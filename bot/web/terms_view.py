"""/terms: start-of-term check progress (开学检查) for a chosen term — each school the viewer may see: checked or
not, by whom, when, the problems the check reported and the findings logged there during the window. Which
checks are in and which findings belong to a window is bot.reports.term_checks'."""
from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from bot.ledger import lifecycle as ledger
from bot.obligations.term_windows import TermWindow, windows
from bot.reports.term_checks import checks, window_findings
from bot.web.page import render
from bot.web.viewer import Viewer


def default_window(every: list[TermWindow], today: date) -> TermWindow | None:
    """The term whose window is open, else the last one opened, else the next one."""
    opened = [w for w in every if w.opens <= today]
    return opened[-1] if opened else (every[0] if every else None)


async def terms_page(request: Request, viewer: Viewer) -> Response:
    roster, now = viewer.roster, request.app.state.clock.now()
    today = now.astimezone(roster.tz).date()
    every = windows(roster)
    asked = request.query_params.get("term", "").strip()
    window = next((w for w in every if w.name == asked), None) if asked else None
    understood = not asked or window is not None
    window = window or default_window(every, today)
    if window is None:
        return render(request, "terms.html", viewer=viewer, window=None, terms=[], understood=understood)
    schools = sorted((s for s in roster.schools.values()
                      if viewer.school_ids is None or s.id in viewer.school_ids),
                     key=lambda s: (roster.districts[s.district_id].name if s.district_id in roster.districts
                                    else "", s.id))
    async with request.app.state.db.reading() as session:
        done = await checks(session, window.name)
        logged = await window_findings(session, window, roster)
    rows = []
    for school in schools:
        check = done.get(school.id)
        person = roster.people.get(check["person_id"]) if check else None
        district = roster.districts.get(school.district_id)
        rows.append(dict(school=school.name, district=district.name if district else "",
                         supervisors="、".join(p.name for p in roster.supervisors_of(school.id)),
                         state="unchecked" if check is None else ("done" if check["done"] else "partial"),
                         by=person.name if person else "", at=check["at"] if check else None,
                         problems=check["problems"] if check else None,
                         findings=[(n, ledger.ref(n)) for n in logged.get(school.id, [])]))
    state = "open" if window.covers(today) else ("closed" if window.closes < today else "upcoming")
    return render(request, "terms.html", viewer=viewer, window=window, state=state, rows=rows, tz=roster.tz,
                  terms=[w.name for w in reversed(every)], understood=understood,
                  checked=sum(1 for r in rows if r["state"] == "done"),
                  unchecked=[r["school"] for r in rows if r["state"] != "done"])
