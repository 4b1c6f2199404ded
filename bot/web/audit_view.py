"""/audit: the audit log (bot/web/audit.py), newest first, a page at a time, optionally of one kind. The office's
only; anyone else gets the polite 403 page."""
from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.web import audit
from bot.web.page import render
from bot.web.viewer import Viewer

PER_PAGE = 100


async def audit_page(request: Request, viewer: Viewer) -> Response:
    if not viewer.actor.is_office:
        return render(request, "refused.html", code=403, viewer=viewer, what="audit")
    kind = request.query_params.get("kind", "")
    kind = kind if kind in audit.KINDS else ""
    try:
        number = max(1, min(int(request.query_params.get("page", "1")), 1_000_000))
    except ValueError:
        number = 1
    async with request.app.state.db.reading() as session:
        entries, total = await audit.page(session, number, PER_PAGE, kind or None)
    pages = max(1, -(-total // PER_PAGE))

    def link(page: int) -> str:
        return "/audit?" + urlencode({k: v for k, v in (("kind", kind), ("page", str(page))) if v})

    return render(request, "audit.html", viewer=viewer, entries=entries, total=total, page=number, pages=pages,
                  kind=kind, kinds=audit.KINDS, link=link, tz=viewer.roster.tz, retention=request.app.state.settings
                  .audit_retention_days)
