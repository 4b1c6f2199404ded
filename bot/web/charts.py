"""The charts page: findings by district and by category, 整改率 and 按期整改率 by district, and findings overdue at
the end of each of the last 12 weeks — drawn on the server as SVG (no script, no CDN), counted in SQL over the
schools the viewer may see."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select
from starlette.requests import Request
from starlette.responses import Response

from bot.ledger import lifecycle as ledger
from bot.reports.overdue_weeks import Week, overdue_by_week
from bot.storage import models as m
from bot.web.page import render
from bot.web.viewer import Viewer

F = m.Finding
BAR_WIDTH = 300  # px of the longest bar
ROW = 28  # px per bar
COLUMN_HEIGHT = 160  # px of the tallest column
COLUMN_STEP = 44  # px per column


def bars(rows: list[tuple[str, int | None]], *, percent: bool = False) -> dict:
    """Bars as plain values for templates/charts.html: label, value, text, width in px, y offset."""
    top = 100 if percent else max((v or 0 for _, v in rows), default=0) or 1
    out = [dict(label=label, text="—" if v is None else (f"{v}%" if percent else str(v)),
                width=round(BAR_WIDTH * (v or 0) / top), y=i * ROW) for i, (label, v) in enumerate(rows)]
    return dict(bars=out, height=max(ROW, len(out) * ROW))


def columns(weeks: list[Week]) -> dict:
    """Columns as plain values for templates/charts.html: one a week, oldest on the left."""
    top = max((w.overdue for w in weeks), default=0) or 1
    out = []
    for i, w in enumerate(weeks):
        height = round(COLUMN_HEIGHT * w.overdue / top)
        out.append(dict(x=40 + i * COLUMN_STEP, height=height, y=20 + COLUMN_HEIGHT - height, value=w.overdue,
                        label=f"{w.ends.month}/{w.ends.day}",
                        title=f"{w.starts.month}月{w.starts.day}日—{w.ends.month}月{w.ends.day}日"))
    return dict(columns=out, width=40 + len(out) * COLUMN_STEP, base=20 + COLUMN_HEIGHT,
                any=any(w.overdue for w in weeks))


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


async def charts(request: Request, viewer: Viewer) -> Response:
    roster = viewer.roster
    counted = F.status != ledger.WITHDRAWN
    school = (F.school_id + 0).label("school")
    now = request.app.state.clock.now()
    closed = F.status == ledger.CLOSED
    # 按期整改: closed, its rectification (or the closing) before the deadline; judged: closed, or past its deadline
    on_time = case((closed & (func.coalesce(F.rectified_at, F.closed_at) < F.deadline_at), 1), else_=0)
    judged = case((closed | (F.deadline_at <= now), 1), else_=0)
    per_school = select(school, func.count(), func.sum(case((closed, 1), else_=0)), func.sum(on_time),
                        func.sum(judged)).where(counted).group_by(school)
    per_category = select(F.category, func.count()).where(counted).group_by(F.category) \
        .order_by(func.count().desc(), F.category)
    if viewer.school_ids is not None:
        ids = sorted(viewer.school_ids)
        per_school, per_category = per_school.where(F.school_id.in_(ids)), per_category.where(F.school_id.in_(ids))
    async with request.app.state.db.reading() as session:
        schools = (await session.execute(per_school)).all()
        categories = [(c, n) for c, n in (await session.execute(per_category)).all()]
        weeks = await overdue_by_week(session, roster, now, viewer.school_ids)
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # findings, closed, on time, judged
    for sid, *counts in schools:
        info = roster.schools.get(sid)
        if info is not None:
            for i, n in enumerate(counts):
                found[info.district_id][i] += int(n or 0)
    districts = sorted(found, key=lambda d: roster.districts[d].name if d in roster.districts else "")
    names = [(roster.districts[d].name if d in roster.districts else "", d) for d in districts]
    return render(request, "charts.html", viewer=viewer,
                  by_district=bars([(name, found[d][0]) for name, d in names]),
                  by_category=bars(categories),
                  rates=bars([(name, _percent(found[d][1], found[d][0])) for name, d in names], percent=True),
                  on_time=bars([(name, _percent(found[d][2], found[d][3])) for name, d in names], percent=True),
                  by_week=columns(weeks))
