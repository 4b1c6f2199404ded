"""The desk's documents: the 责任督学考核 page (/assessment) and the downloads /assessment.xlsx and /bulletin.docx.

Who: the 考核 is the office's (every supervisor) and a district lead's (the supervisors of the districts they
lead); the 通报 covers the whole county, so it is the office's. Anyone else gets a polite 403 page. The period is
`?month=` as the office writes it (2024-03, 9月, 本周, 第38周, 9月1日-9月30日, 2024-03~2024-06, a term's name or 本学期,
2024; default this month); the 通报
takes a month only.
"""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.permissions import Action, assessment_districts, can
from bot.parsing.periods import Period, PeriodError, month_period, parse_period, year_period
from bot.render import Renderer
from bot.reports.assessment import assessment
from bot.reports.assessment_book import COLUMNS, PERCENT, row_values, total_values, write_assessment
from bot.reports.bulletin_doc import TemplateUnusable, bulletin_doc_values, write_bulletin_doc
from bot.web.page import render
from bot.web.viewer import Viewer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MONTHS_OFFERED = 12


def attachment(name: str, fallback: str) -> str:
    """Content-Disposition for a download named in Chinese: an ASCII `filename` for old clients and the real name
    as RFC 5987 `filename*` (UTF-8, percent-encoded), which browsers prefer."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def refused(request: Request, viewer: Viewer, what: str) -> Response:
    return render(request, "refused.html", code=403, viewer=viewer, what=what)


def period_asked(request: Request, viewer: Viewer, *, months_only: bool = False) -> tuple[Period, str | None]:
    """The period asked for (this month when none) and, when the text could not be read, what to say."""
    today = request.app.state.clock.now().astimezone(viewer.roster.tz).date()
    text = request.query_params.get("month", "").strip()[:50]
    if not text:
        return month_period(today.replace(day=1)), None
    try:
        return parse_period(text, today, viewer.roster.terms, months_only=months_only), None
    except PeriodError as err:
        return month_period(today.replace(day=1)), Renderer().render("errors/period_bad.j2",
                                                                     **err.values(viewer.roster.terms))


async def assessment_page(request: Request, viewer: Viewer) -> Response:
    districts = assessment_districts(viewer.actor)
    if districts is not None and not districts:
        return refused(request, viewer, "assessment")
    period, problem = period_asked(request, viewer)
    now = request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        found = await assessment(session, viewer.roster, period, now, districts)
    roster = viewer.roster
    scope = "全县" if districts is None else "、".join(roster.districts[d].name for d in sorted(districts)
                                                     if d in roster.districts)
    query = urlencode({"month": period.slug})
    return render(request, "assessment.html", viewer=viewer, a=found, scope=scope, problem=problem,
                  headers=COLUMNS, percent=PERCENT, rows=[row_values(r) for r in found.rows],
                  total=total_values(found), doubts=[(r.name, found.photos.by_supervisor.get(r.person_id, 0))
                                                     for r in found.rows],
                  choices=period_choices(now.astimezone(roster.tz).date(), roster.terms, period),
                  xlsx=f"/assessment.xlsx?{query}", docx=f"/bulletin.docx?{query}" if period.is_month and
                  can(viewer.actor, Action.DIGEST) else None)


def period_choices(today: date, terms: tuple, chosen: Period) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the period selector: the last months, the terms begun, this year and last."""
    months, day = [], today.replace(day=1)
    for _ in range(MONTHS_OFFERED):
        months.append(month_period(day))
        day = (day - timedelta(days=1)).replace(day=1)
    years = [replace(year_period(y), label=f"{y}年全年") for y in (today.year, today.year - 1)]
    begun = [Period(t.starts, t.starts, t.name, t.name, "term")
             for t in sorted(terms, key=lambda t: t.starts, reverse=True) if t.starts <= today]
    offered = [(p.slug, p.label) for p in (*months, *begun, *years)]
    if chosen.slug not in {slug for slug, _ in offered}:
        offered.insert(0, (chosen.slug, chosen.label))
    return [(slug, label, slug == chosen.slug) for slug, label in offered]


async def assessment_xlsx(request: Request, viewer: Viewer) -> Response:
    districts = assessment_districts(viewer.actor)
    if districts is not None and not districts:
        return refused(request, viewer, "assessment")
    period, problem = period_asked(request, viewer)
    if problem:
        return render(request, "refused.html", code=400, viewer=viewer, what="period", message=problem)
    now = request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        found = await assessment(session, viewer.roster, period, now, districts)
    buffer = io.BytesIO()
    await run_in_threadpool(write_assessment, found, buffer, now.astimezone(viewer.roster.tz))
    return Response(buffer.getvalue(), media_type=XLSX, headers={"content-disposition": attachment(
        f"责任督学考核-{period.slug}.xlsx", f"assessment-{period.first.isoformat()}.xlsx")})


async def bulletin_docx(request: Request, viewer: Viewer) -> Response:
    if not can(viewer.actor, Action.DIGEST):
        return refused(request, viewer, "bulletin")
    period, problem = period_asked(request, viewer, months_only=True)
    if problem:
        return render(request, "refused.html", code=400, viewer=viewer, what="period", message=problem)
    roster, now = viewer.roster, request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        values = await bulletin_doc_values(session, roster, now, period.first)
    buffer = io.BytesIO()
    try:
        await run_in_threadpool(write_bulletin_doc, values, buffer, request.app.state.settings.bulletin_template)
    except TemplateUnusable as err:
        message = Renderer().render("digests/bulletin_template_bad.j2", **err.values())
        return render(request, "refused.html", code=500, viewer=viewer, what="template", message=message)
    return Response(buffer.getvalue(), media_type=DOCX, headers={"content-disposition": attachment(
        f"{roster.county}{period.label}督导通报.docx", f"bulletin-{period.slug}.docx")})
