"""The ledger page (整改台账): the findings the viewer may see, filtered, counted and paginated.

Counting is capped: the findings under the filters are counted up to COUNT_CAP (a range of an index, not a scan of a
big ledger); more are shown as "超过 10000", without the counts by status, with a word on the page; the pages go as
far as the counted findings. The category filter offers the county's categories (no scan of the findings for them)."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from bot.domain import sources
from bot.domain.colour import colour
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.storage.session import Session
from bot.web.ledger_filters import COLOURS, SEVERITIES, SORTS, STATUSES, Filters, conditions, read_filters
from bot.web.ledger_search import number_missed, text_holds
from bot.web.page import render
from bot.web.viewer import Viewer

F = m.Finding
PER_PAGE = 30
SCHOOL_LIST_MAX = 1_000  # schools offered in the filter at once; more: those of the chosen district
COUNT_CAP = 10_000  # findings counted; beyond it the page says "超过 10000"


async def ledger_page(request: Request, viewer: Viewer) -> Response:
    f = read_filters(request.query_params, viewer)
    roster, now = viewer.roster, request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        where = await conditions(session, f, viewer, now)
        found: list[int] | None = None
        if f.search.text:  # words are read in one pass over the table: the page comes from what it found
            found, by_status = await _found(session, await conditions(session, f, viewer, now, words=False),
                                            f.search.text)
        else:
            by_status = await _counts(session, where)
        total = sum(by_status.values())
        capped = total > COUNT_CAP
        pages = max(1, -(-min(total, COUNT_CAP) // PER_PAGE))
        f.page = min(f.page, pages)
        order = _order(f)
        chosen = [F.number.in_(found)] if found is not None and not capped else where
        page_numbers = _page_numbers(chosen, f.page, order, join=f.sort == "school")
        outer = select(F).where(F.number.in_(page_numbers))
        if f.sort == "school":
            outer = outer.join(m.School, m.School.id == F.school_id)
        rows = list(await session.scalars(outer.order_by(*order)))
        if not total and f.search.number is not None and not f.why:
            f.why.append(await number_missed(session, f.search.number, viewer.school_ids, roster))
    categories = [c.name for c in roster.policy.categories]
    if f.category and f.category not in categories:
        categories.append(f.category)
    schools = [s for s in roster.schools.values() if viewer.school_ids is None or s.id in viewer.school_ids]
    districts = sorted({s.district_id for s in schools})
    cut = len(schools) > SCHOOL_LIST_MAX
    if cut:  # a county-wide list of thousands: the chosen district's schools only
        schools = [s for s in schools if s.district_id == f.district or s.id == f.school]
    def _late(r: m.Finding) -> str | None:
        return ledger.lateness(r, now, roster.tz, roster.calendar, roster.policy.verify_within.n)

    items = [dict(number=r.number, ref=ledger.ref(r.number), school=_school_name(roster, r.school_id),
                  category=r.category, severity=r.severity, description=r.description,
                  source=sources.label(r.source) if r.source != sources.ROUTINE else "",
                  status=ledger.STATUS_LABELS[r.status], late=_late(r), due=r.due_date,
                  colour=colour(r.status, r.deadline_at, r.due_date, now, roster,
                                appealing=ledger.appealing(r))) for r in rows]
    counts = {} if capped else {ledger.STATUS_LABELS[s]: n for s, n in sorted(by_status.items())}
    return render(request, "ledger.html", viewer=viewer, f=f, items=items, total=_shown(total), counts=counts,
                  capped=capped, cap=COUNT_CAP,
                  page=f.page, pages=pages, link=lambda **change: "/ledger?" + urlencode(f.query(**change)),
                  download="/ledger.xlsx?" + urlencode(f.query(page=1, sort="number", dir="desc")),
                  districts=[(d, roster.districts[d].name) for d in districts if d in roster.districts],
                  schools=sorted(((s.id, s.name) for s in schools), key=lambda x: x[1]),
                  pick_district=cut and not f.district,
                  categories=categories, statuses=STATUSES, colours=COLOURS, severities=SEVERITIES, sorts=SORTS,
                  sources=sources.LABELS,
                  sort_link=lambda column: "/ledger?" + urlencode(f.sorted_by(column)))


def _order(f: Filters) -> list:
    """ORDER BY for the chosen column and direction, the number breaking ties the same way."""
    column = {"number": F.number, "school": m.School.name, "category": F.category, "severity": F.severity,
              "status": F.status, "deadline": F.deadline_at}[f.sort]
    keys = [column] if f.sort == "number" else [column, F.number]
    return [k.desc() if f.descending else k.asc() for k in keys]


def _page_numbers(where: list, page: int, order: list, *, join: bool):  # noqa: ANN202 — a scalar subquery
    """The numbers of the page's findings in the chosen order: chosen first (by number, from an index alone where
    the filters allow, e.g. (school_id, number) for a district), so that only the page's rows are read, not every
    row filtered. Another order sorts the filtered findings (fine per district or school; a sort over a whole
    county's million findings takes a second or so)."""
    q = select(F.number).where(*where)
    if join:
        q = q.join(m.School, m.School.id == F.school_id)
    return q.order_by(*order).offset((page - 1) * PER_PAGE).limit(PER_PAGE).scalar_subquery()


async def _counts(session: Session, where: list) -> dict[str, int]:
    """Findings by status under the conditions, of the first COUNT_CAP + 1 found (one more: "more than the cap")."""
    some = select(F.status).where(*where).limit(COUNT_CAP + 1).subquery()
    return dict((await session.execute(select(some.c.status, func.count()).group_by(some.c.status))).all())


async def _found(session: Session, where: list, text: str) -> tuple[list[int], dict[str, int]]:
    """The numbers of the first COUNT_CAP + 1 findings under the conditions, and their counts by status, for a
    search by words: one pass over the narrow rows of words (m.FindingText), joined to their findings — not a pass
    for the count and another for the page (walking the numbers' index, each row read out of order)."""
    # `finding_id + 0`: the words are read in one pass and each match's finding looked up, never the other way round
    # (SQLite would walk the findings and look each one's words up: five times slower)
    q = select(F.number, F.status).join_from(m.FindingText, F, F.id == m.FindingText.finding_id + 0) \
        .where(text_holds(text), *where).limit(COUNT_CAP + 1)
    rows = (await session.execute(q)).all()
    counts: dict[str, int] = {}
    for _, status in rows:
        counts[status] = counts.get(status, 0) + 1
    return [number for number, _ in rows], counts


def _shown(n: int) -> str:
    return f"超过 {COUNT_CAP}" if n > COUNT_CAP else str(n)


def _school_name(roster, school_id: int) -> str:  # noqa: ANN001 — a Roster
    school = roster.schools.get(school_id)
    return school.name if school else ""
