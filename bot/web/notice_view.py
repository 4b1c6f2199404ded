"""The 整改通知书 of one finding: a printable A4 page (/findings/{n}/notice, its own print stylesheet) and the same
notice as a Word document (/findings/{n}/notice.docx) — bot/reports/notice_doc.py makes the values of both.

Who: whoever may see the finding (the office, the district's lead, the school's supervisors and principals); anyone
else gets the same 404 as for a finding that does not exist."""
from __future__ import annotations

import io

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.ledger import lifecycle as ledger
from bot.reports.notice_doc import ProblemPhoto, notice_values, problem_photos, write_notice_doc
from bot.storage import models as m
from bot.web.documents_view import DOCX, attachment
from bot.web.page import render
from bot.web.viewer import Viewer


async def _notice(request: Request, viewer: Viewer) -> tuple[m.Finding, dict, list[ProblemPhoto]]:
    roster, now = viewer.roster, request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        row = await ledger.get_finding(session, request.path_params["number"])
        school = roster.schools.get(row.school_id) if row else None
        if row is None or school is None or not viewer.may_see(school):
            raise HTTPException(404)
        photos = await problem_photos(session, row, request.app.state.settings.evidence_dir)
    finder = roster.people.get(row.finder_id)
    return row, notice_values(roster, row, now, finder=finder.name if finder else ""), photos


async def notice_page(request: Request, viewer: Viewer) -> Response:
    row, values, photos = await _notice(request, viewer)
    return render(request, "notice.html", viewer=viewer, n=values, number=row.number, photos=photos,
                  closed=row.status in (ledger.CLOSED, ledger.WITHDRAWN), status=ledger.STATUS_LABELS[row.status])


async def notice_docx(request: Request, viewer: Viewer) -> Response:
    row, values, photos = await _notice(request, viewer)
    buffer = io.BytesIO()
    await run_in_threadpool(write_notice_doc, values, photos, buffer)  # the shipped template: no office's own yet
    return Response(buffer.getvalue(), media_type=DOCX, headers={"content-disposition": attachment(
        f"整改通知书-{values['ref']}-{values['school']}.docx", f"notice-{values['ref']}.docx")})
