"""The charts page: findings by district and by category, 整改率 by district — bars drawn on the server as SVG
(no script, no CDN), counted in SQL over the schools the viewer may see."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select
from starlette.requests import Request
from starlette.responses import Response

from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.web.page import render
from bot.web.viewer import Viewer

F = m.Finding
BAR_WIDTH = 300  # px of the longest bar
ROW = 28  # px per bar


def bars(rows: list[tuple[str, int | None]], *, percent: bool = False) -> dict:
    """Bars as plain values for templates/charts.html: label, value, text, width in px, y offset."""
    top = 100 if percent else max((v or 0 for _, v in rows), default=0) or 1
    out = [dict(label=label, text="—" if v is None else (f"{v}%" if percent else str(v)),
                width=round(BAR_WIDTH * (v or 0) / top), y=i * ROW) for i, (label, v) in enumerate(rows)]
    return dict(bars=out, height=max(ROW, len(out) * ROW))


async def charts(request: Request, viewer: Viewer) -> Response:
    roster = viewer.roster
    counted = F.status != ledger.WITHDRAWN
    school = (F.school_id + 0).label("school")
    per_school = select(school, func.count(), func.sum(case((F.status == ledger.CLOSED, 1), else_=0))) \
        .where(counted).group_by(school)
    per_category = select(F.category, func.count()).where(counted).group_by(F.category) \
        .order_by(func.count().desc(), F.category)
    if viewer.school_ids is not None:
        ids = sorted(viewer.school_ids)
        per_school, per_category = per_school.where(F.school_id.in_(ids)), per_category.where(F.school_id.in_(ids))
    async with request.app.state.db.reading() as session:
        schools = (await session.execute(per_school)).all()
        categories = [(c, n) for c, n in (await session.execute(per_category)).all()]
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for sid, n, closed in schools:
        info = roster.schools.get(sid)
        if info is not None:
            found[info.district_id][0] += n
            found[info.district_id][1] += int(closed or 0)
    districts = sorted(found, key=lambda d: roster.districts[d].name if d in roster.districts else "")
    names = [(roster.districts[d].name if d in roster.districts else "", d) for d in districts]
    return render(request, "charts.html", viewer=viewer,
                  by_district=bars([(name, found[d][0]) for name, d in names]),
                  by_category=bars(categories),
                  rates=bars([(name, round(100 * found[d][1] / found[d][0]) if found[d][0] else None)
                              for name, d in names], percent=True))
