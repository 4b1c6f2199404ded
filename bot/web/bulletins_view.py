"""The desk's 通报 issued (/bulletins): every 通报 the office issued — 文号, period, 印发日期, who issued it, what it
corrects or was corrected by — and each one's download (/bulletins/{id}.docx), the bytes stored when it was issued,
unchanged (no-store, recorded in the audit log as every download is).

Who: the office and the district leads (bot.domain.permissions.reads_issued_bulletins says why not the others);
anyone else gets the polite 403 page. Issuing from the desk is later work: a desk action (audited, in one
transaction with the outbox, as #印发通报 is in chat) calling bot.reports.issued.issue_bulletin.
"""
from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.permissions import reads_issued_bulletins
from bot.reports.issued import document_of, listing
from bot.storage import models as m
from bot.web.documents_view import DOCX, attachment
from bot.web.page import render
from bot.web.viewer import Viewer


async def bulletins_page(request: Request, viewer: Viewer) -> Response:
    if not reads_issued_bulletins(viewer.actor):
        return render(request, "refused.html", code=403, viewer=viewer, what="issued")
    async with request.app.state.db.reading() as session:
        rows = await listing(session, viewer.roster)
    return render(request, "bulletins.html", viewer=viewer, rows=rows)


async def bulletin_docx(request: Request, viewer: Viewer) -> Response:
    if not reads_issued_bulletins(viewer.actor):
        return render(request, "refused.html", code=403, viewer=viewer, what="issued")
    bulletin_id = request.path_params["id"]
    async with request.app.state.db.reading() as session:
        name = await session.scalar(select(m.Bulletin.name).where(m.Bulletin.id == bulletin_id))
        data = await document_of(session, bulletin_id) if name is not None else None
    if name is None or data is None:
        raise HTTPException(404)
    return Response(data, media_type=DOCX, headers={"content-disposition": attachment(name,
                                                                                      f"bulletin-{bulletin_id}.docx")})
