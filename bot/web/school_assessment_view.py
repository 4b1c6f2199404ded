"""The desk's 学校综合督导考核 (/schools-assessment) and its workbook (/schools-assessment.xlsx).

Who sees what is the chat's rule (bot.domain.permissions, Action.SCHOOL_ASSESS): the office every school, a district
lead the district's, a supervisor the assigned schools — each with its score and ranks in the district and the
county; a principal only the own school's breakdown, whatever the address asks for. `?month=` is the period as the
office writes it (documents_view.period_asked), `?district=` a district's id (a filter), `?school=` a school's id
(its breakdown). A school or a district the viewer may not see is a polite 403 page, never a part of the table.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.permissions import Action, can
from bot.reports.school_assessment import SchoolAssessment, SchoolScore, school_assessment
from bot.reports.school_assessment_book import (
    headers,
    percent_headers,
    row_values,
    share_text,
    write_school_assessment,
)
from bot.web.documents_view import XLSX, attachment, period_asked, period_choices, refused
from bot.web.page import render
from bot.web.viewer import Viewer

WHAT = "school_assessment"


def _id(request: Request, name: str) -> int | None:
    """An id in the query (None: not given; -1, which is no row's: given but not an id)."""
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) <= 9 else -1


async def _asked(request: Request, viewer: Viewer
                 ) -> tuple[SchoolAssessment, list[SchoolScore], int | None, int | None, str, str | None] | Response:
    """The assessment and the rows the viewer asked for and may see — or the 403 page."""
    actor, roster = viewer.actor, viewer.roster
    if not can(actor, Action.SCHOOL_ASSESS):
        return refused(request, viewer, WHAT)
    district, school = _id(request, "district"), _id(request, "school")
    if actor.is_principal:  # the own school only, whatever the address says
        if school not in (None, actor.school_id) or (district is not None and (
                actor.school_id not in roster.schools or roster.schools[actor.school_id].district_id != district)):
            return refused(request, viewer, WHAT)
        school = actor.school_id
    if school is not None and not can(actor, Action.SCHOOL_ASSESS, school_id=school,
                                      district_id=roster.schools[school].district_id if school in roster.schools
                                      else None):
        return refused(request, viewer, WHAT)
    period, problem = period_asked(request, viewer)
    async with request.app.state.db.reading() as session:
        found = await school_assessment(session, roster, period, request.app.state.clock.now())
    visible = {school} if school is not None else viewer.school_ids
    rows = found.only(visible, district)
    if district is not None and not rows and not actor.is_office:
        return refused(request, viewer, WHAT)
    return found, rows, district, school, found.scope_name(actor, rows, district, school is not None), problem


async def schools_assessment_page(request: Request, viewer: Viewer) -> Response:
    asked = await _asked(request, viewer)
    if isinstance(asked, Response):
        return asked
    found, rows, district, school, scope, problem = asked
    roster = viewer.roster
    now = request.app.state.clock.now()
    query = {"month": found.period.slug, **({"district": district} if district else {}),
             **({"school": school} if school and not viewer.actor.is_principal else {})}
    seen = {r.district_id for r in found.only(viewer.school_ids)}
    districts = [(d, name) for d, name in found.districts if d in seen]
    one = rows[0] if len(rows) == 1 and (school is not None or viewer.actor.is_principal) else None
    return render(request, "schools_assessment.html", viewer=viewer, a=found, scope=scope, problem=problem,
                  headers=headers(found), percent=percent_headers(found),
                  rows=[(r, row_values(r)) for r in found.by_county_rank(rows)] if one is None else [],
                  one=one, shares={m.indicator.name: share_text(m) for m in one.measures} if one else {},
                  districts=districts if not viewer.actor.is_principal else [], district=district,
                  choices=period_choices(now.astimezone(roster.tz).date(), roster.terms, found.period),
                  month=found.period.slug, xlsx=f"/schools-assessment.xlsx?{urlencode(query)}")


async def schools_assessment_xlsx(request: Request, viewer: Viewer) -> Response:
    asked = await _asked(request, viewer)
    if isinstance(asked, Response):
        return asked
    found, rows, _, _, scope, problem = asked
    if problem:
        return render(request, "refused.html", code=400, viewer=viewer, what="period", message=problem)
    buffer = io.BytesIO()
    now = request.app.state.clock.now()
    await run_in_threadpool(write_school_assessment, found, rows, buffer, now.astimezone(viewer.roster.tz), scope)
    return Response(buffer.getvalue(), media_type=XLSX, headers={"content-disposition": attachment(
        f"学校综合督导考核-{found.period.slug}.xlsx", f"school-assessment-{found.period.first.isoformat()}.xlsx")})
