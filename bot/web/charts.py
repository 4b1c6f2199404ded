"""The charts page: findings by district and by category, 整改率 and 按期整改率 by district, and findings overdue at
the end of each of the last 12 weeks — drawn on the server as SVG (no script, no CDN), counted in SQL over the
schools the viewer may see.

Sized for a phone first: an SVG scales with the page, so its drawing is small (WIDTH user units, about the width of a
390 px phone's card) and its text 14 units (desk.css): 12.9 px on such a phone, at most 1.5 times that on a desktop
(svg.chart's max-width). Long labels are cut (the whole one in the bar's tooltip) and the weekly columns are labelled
every other week, so nothing overlaps at that size."""
from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response

from bot.domain import figures
from bot.reports import as_of
from bot.reports.overdue_weeks import Week, overdue_by_week
from bot.reports.places import districts_at
from bot.web.page import render
from bot.web.viewer import Viewer

WIDTH = 380  # user units across a chart (its viewBox): 350 px on a 390 px phone, 600 at most on a desktop
LABEL_END = 112  # the labels end here (8 characters of 14 units), the bars start 8 units further
LABEL_CHARS = 8  # a longer label is cut with "…"
BAR_X = 120
BAR_WIDTH = 200  # units of the longest bar (room for "100%" after it)
ROW = 28  # units per bar
COLUMN_HEIGHT = 160  # units of the tallest column
COLUMN_X = 36  # the first column's left edge (the axis starts at 32)
COLUMN_STEP = 28  # units per column (a column is 20 wide)


def bars(rows: Sequence[tuple[str, int | None]], *, percent: bool = False) -> dict:
    """Bars as plain values for templates/charts.html: label, value, text, width in px, y offset."""
    top = 100 if percent else max((v or 0 for _, v in rows), default=0) or 1
    out = [dict(label=cut(label), title=label, text="—" if v is None else (f"{v}%" if percent else str(v)),
                width=round(BAR_WIDTH * (v or 0) / top), y=i * ROW) for i, (label, v) in enumerate(rows)]
    return dict(bars=out, height=max(ROW, len(out) * ROW), width=WIDTH, label_end=LABEL_END, bar_x=BAR_X)


def cut(label: str, chars: int = LABEL_CHARS) -> str:
    """A label as the chart shows it: at most `chars` characters, the last of a longer one "…"."""
    return label if len(label) <= chars else label[:chars - 1] + "…"


def columns(weeks: list[Week]) -> dict:
    """Columns as plain values for templates/charts.html: one a week, oldest on the left."""
    top = max((w.overdue for w in weeks), default=0) or 1
    out = []
    for i, w in enumerate(weeks):
        height = round(COLUMN_HEIGHT * w.overdue / top)
        labelled = (len(weeks) - 1 - i) % 2 == 0  # every other week, this week always: no label overlaps
        out.append(dict(x=COLUMN_X + i * COLUMN_STEP, height=height, y=20 + COLUMN_HEIGHT - height, value=w.overdue,
                        label=f"{w.ends.month}/{w.ends.day}" if labelled else "",
                        title=f"{w.starts.month}月{w.starts.day}日—{w.ends.month}月{w.ends.day}日"))
    return dict(columns=out, width=max(WIDTH, COLUMN_X + len(out) * COLUMN_STEP), base=20 + COLUMN_HEIGHT,
                any=any(w.overdue for w in weeks))


async def charts(request: Request, viewer: Viewer) -> Response:
    roster = viewer.roster
    now = request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        tally = await as_of.tally(session, roster, as_of.Window.ever(now), now, viewer.school_ids)
        district_of = await districts_at(session, roster, now)
        weeks = await overdue_by_week(session, roster, now, viewer.school_ids)
    found = as_of.by_district(tally.schools, district_of)
    seen = district_of if viewer.school_ids is None else viewer.school_ids
    shown = {district_of[s] for s in seen if s in district_of}
    districts = sorted(shown, key=lambda d: roster.districts[d].name if d in roster.districts else "")
    names = [(roster.districts[d].name, d) for d in districts if d in roster.districts]  # a district without
    # findings is shown too (0, and "—" for its rates)
    counted = {d: found[d]["new"] - found[d]["withdrawn"] for d in districts}
    categories = sorted(tally.categories.items(), key=lambda c: (-c[1], c[0]))
    return render(request, "charts.html", viewer=viewer,
                  by_district=bars([(name, counted[d]) for name, d in names]),
                  by_category=bars(categories),
                  rates=bars([(name, figures.rates(found[d])["rate"]) for name, d in names], percent=True),
                  on_time=bars([(name, figures.rates(found[d])["on_time_rate"]) for name, d in names], percent=True),
                  by_week=columns(weeks), notes=figures.footnotes(("rate", "on_time_rate", "rectify_overdue")))
