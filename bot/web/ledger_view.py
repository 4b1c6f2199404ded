"""The ledger page (整改台账): the findings the viewer may see, filtered, counted and paginated."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.colour import colour
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.web.ledger_filters import COLOURS, SEVERITIES, STATUSES, conditions, read_filters
from bot.web.page import render
from bot.web.viewer import Viewer

F = m.Finding
PER_PAGE = 30


async def ledger_page(request: Request, viewer: Viewer) -> Response:
    f = read_filters(request.query_params, viewer)
    roster, now = viewer.roster, request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        where = await conditions(session, f, viewer, now)
        by_status = dict((await session.execute(select(F.status, func.count()).where(*where)
                                                .group_by(F.status))).all())
        total = sum(by_status.values())
        pages = max(1, -(-total // PER_PAGE))
        f.page = min(f.page, pages)
        rows = list(await session.scalars(select(F).where(*where).order_by(F.number.desc())
                                          .offset((f.page - 1) * PER_PAGE).limit(PER_PAGE)))
        seen = select(F.category).distinct()
        if viewer.school_ids is not None:
            seen = seen.where(F.school_id.in_(sorted(viewer.school_ids)))
        categories = sorted(await session.scalars(seen))
    schools = [s for s in roster.schools.values() if viewer.school_ids is None or s.id in viewer.school_ids]
    districts = sorted({s.district_id for s in schools})
    items = [dict(number=r.number, ref=ledger.ref(r.number), school=_school_name(roster, r.school_id),
                  category=r.category, severity=r.severity, description=r.description,
                  status=ledger.STATUS_LABELS[r.status], overdue=ledger.is_overdue(r, now), due=r.due_date,
                  colour=colour(r.status, r.deadline_at, r.due_date, now, roster)) for r in rows]
    counts = {ledger.STATUS_LABELS[s]: n for s, n in sorted(by_status.items())}
    return render(request, "ledger.html", viewer=viewer, f=f, items=items, total=total, counts=counts,
                  page=f.page, pages=pages, link=lambda **change: "/ledger?" + urlencode(f.query(**change)),
                  download="/ledger.xlsx?" + urlencode(f.query(page=1)),
                  districts=[(d, roster.districts[d].name) for d in districts if d in roster.districts],
                  schools=sorted(((s.id, s.name) for s in schools), key=lambda x: x[1]),
                  categories=categories, statuses=STATUSES, colours=COLOURS, severities=SEVERITIES)


def _school_name(roster, school_id: int) -> str:  # noqa: ANN001 — a Roster
    school = roster.schools.get(school_id)
    return school.name if school else ""
