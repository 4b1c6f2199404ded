"""/ledger.xlsx: the 整改台账 workbook (bot.reports.ledger_book, the same one #导出 sends) of the findings the ledger
page shows with the same filters — every page of them — and only those the viewer may see."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import and_
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from bot.reports.ledger_book import ledger_rows, write_ledger
from bot.web.ledger_filters import conditions, describe, read_filters
from bot.web.viewer import Viewer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(name: str, fallback: str) -> str:
    """A Content-Disposition for a download named `name` (RFC 6266 with RFC 5987's filename* for the Chinese
    name; `fallback`, plain ASCII, for a client that reads only filename)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def ledger_workbook(request: Request, viewer: Viewer) -> Response:
    f = read_filters(request.query_params, viewer)
    roster, now = viewer.roster, request.app.state.clock.now()
    handle, name = tempfile.mkstemp(prefix="dudao-ledger-", suffix=".xlsx")
    os.close(handle)
    try:
        async with request.app.state.db.reading() as session:
            where = and_(*await conditions(session, f, viewer, now))
            await write_ledger(Path(name), ledger_rows(session, roster, now, where), county=roster.county,
                               generated=now.astimezone(roster.tz), subtitle=describe(f, roster),
                               verify_within=roster.policy.verify_within.n)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    stamp = now.astimezone(roster.tz).strftime("%Y%m%d-%H%M")
    return FileResponse(name, media_type=XLSX, background=BackgroundTask(os.unlink, name),
                        headers={"content-disposition": attachment(f"整改台账-{stamp}.xlsx", f"ledger-{stamp}.xlsx")})
