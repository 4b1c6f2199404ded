"""/todo (我的待办): what waits for the logged-in person, by role, each list counted and linked to its findings.

Nothing here defines a figure of its own: a list of findings is a ledger filter (bot.web.ledger_filters — 整改逾期,
验收超期, 申诉中, 需重新整改, the blue 督办 colour for 即将到期, each on bot.domain.figures' definition) under the
viewer's visibility (the chat rule, bot.web.viewer), so "查看全部" opens the same findings on the ledger; extension
requests waiting are bot.reports.requests'; the monthly reports owed are bot.reports.owed's.

- a supervisor (and a district lead, for the district): 待我验收, extension requests of the schools (the office
  approves them), 即将到期 and 已逾期, the own 月报 (a lead also the district's 汇总);
- a principal: the school's 已逾期, 即将到期, 需重新整改 and every 待整改, and the school's 自查;
- the office: 待批延期, 申诉中, 验收超期 and the reports missing of the county.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy import func, select, true
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.permissions import Action, can
from bot.ledger import lifecycle as ledger
from bot.obligations.reporting_cycle import month_steps, period_of, previous_month
from bot.reports.absences import leave_ends
from bot.reports.as_of import first_record
from bot.reports.owed import excused, owed_reports
from bot.reports.requests import pending_request_count, pending_requests
from bot.storage import models as m
from bot.storage.session import Session
from bot.web.ledger_filters import Filters, conditions
from bot.web.page import render
from bot.web.viewer import Viewer

F = m.Finding
SHOWN = 20  # findings listed in a section; the rest are one link away (the ledger, filtered the same way)
CUT = 60  # characters of a description shown in a list (the whole text is on the finding's page)
KIND_TITLES = {"自查": "学校自查", "月报": "督学月报", "汇总": "责任区汇总"}


@dataclass
class Section:
    key: str
    title: str
    count: int
    items: list[dict] = field(default_factory=list)
    more: str = ""  # the ledger's address of every finding of the list
    note: str = ""


async def todo_page(request: Request, viewer: Viewer) -> Response:
    roster, now = viewer.roster, request.app.state.clock.now()
    actor = viewer.actor
    sections: list[Section] = []
    async with request.app.state.db.reading() as session:
        if actor.is_office:
            plan = [("appealing", "申诉中（待督导室决定）", {"status": "appealing"}, F.appealed_at),
                    ("verify_late", "验收超期", {"status": "verify_late"}, F.rectified_at)]
            sections.append(await _requests(session, viewer, now, "待批延期"))
        elif actor.is_principal:
            plan = [("overdue", "已逾期（整改逾期）", {"status": "overdue"}, F.deadline_at),
                    ("soon", "即将到期", {"colour": "blue"}, F.deadline_at),
                    ("redo", "需重新整改", {"status": "redo"}, F.deadline_at),
                    ("open", "待整改", {"status": "open"}, F.deadline_at)]
        else:
            plan = [("verify", "待我验收", {"status": "rectified"}, F.rectified_at),
                    ("soon", "即将到期", {"colour": "blue"}, F.deadline_at),
                    ("overdue", "已逾期（整改逾期）", {"status": "overdue"}, F.deadline_at)]
        for key, title, params, order in plan:
            sections.append(await _findings(session, viewer, now, key, title, params, order))
        if not actor.is_office and actor.is_supervisor and viewer.school_ids:
            sections.insert(1, await _requests(session, viewer, now, "延期申请（待督导室批复）"))
        reports = await _reports(session, viewer, now)
    total = sum(s.count for s in sections) + sum(1 for r in reports if r["state"] != "done")
    return render(request, "todo.html", viewer=viewer, sections=sections, reports=reports, total=total,
                  tz=roster.tz)


async def _findings(session: Session, viewer: Viewer, now: datetime, key: str, title: str,
                    params: dict[str, str], order) -> Section:  # noqa: ANN001 — a column
    """One list: the ledger's filter `params` under the viewer's visibility, counted, the first SHOWN in `order`."""
    f = Filters(status=params.get("status", ""), colour=params.get("colour", ""))
    where = await conditions(session, f, viewer, now)
    count = await session.scalar(select(func.count()).select_from(F).where(*where)) or 0
    rows = list(await session.scalars(select(F).where(*where).order_by(order, F.number).limit(SHOWN))) if count else []
    roster = viewer.roster
    items = [_item(viewer, r.number, r.school_id, r.description, r.due_date,
                   ledger.lateness(r, now, roster.tz, roster.calendar, roster.policy.verify_within.n),
                   reported=r.rectified_at if r.status == ledger.RECTIFIED else None) for r in rows]
    return Section(key, title, count, items, "/ledger?" + urlencode(params))


async def _requests(session: Session, viewer: Viewer, now: datetime, title: str) -> Section:
    """Extension requests waiting (#申请延期 with no answer yet) at the schools the viewer may see."""
    seen = viewer.school_ids
    condition = F.school_id.in_(sorted(seen)) if seen is not None else true()
    count = await pending_request_count(session, condition)
    found = await pending_requests(session, condition, limit=SHOWN) if count else []
    items = [dict(_item(viewer, r["number"], r["school_id"], r["description"], r["due"], None),
                  asked=r["asked"], reason=r["reason"], at=r["at"]) for r in found]
    note = "" if viewer.actor.is_office else "延期由督导室批复；这里列出您负责学校的申请，供您了解。"
    return Section("extension", title, count, items, note=note)


def _item(viewer: Viewer, number: int, school_id: int, description: str, due: date, late: str | None,
          reported: datetime | None = None) -> dict:
    school = viewer.roster.schools.get(school_id)
    short = description if len(description) <= CUT else description[:CUT] + "…"
    return dict(number=number, ref=ledger.ref(number), school=school.name if school else "", description=short,
                due=due, late=late, reported=reported, asked="", reason="", at=None)


async def _reports(session: Session, viewer: Viewer, now: datetime) -> list[dict]:
    """The monthly reports (自查 / 月报 / 汇总) the viewer owes — or, for the office, those missing in the county —
    for this month and, while one is still missing, last month: bot.reports.owed's duties and submissions."""
    roster, actor = viewer.roster, viewer.actor
    today = now.astimezone(roster.tz).date()
    this = today.replace(day=1)
    began = await first_record(session)  # a county that began this month owes nothing for the last
    began_on = began.astimezone(roster.tz).date() if began is not None else today
    out = []
    for month in (previous_month(this), this):
        for kind in roster.policy.monthly:
            steps = month_steps(roster, kind, month)
            if month != this and began_on > steps.due:
                continue
            owed = await owed_reports(session, roster, kind, period_of(month))
            away = await leave_ends(session, steps.due_day)
            if actor.is_office:
                missing = [d for d in owed.pending if not excused(d, away)]
                if today > steps.due and missing:
                    out.append(dict(kind=kind, title=KIND_TITLES[kind], month=month, due=steps.due, state="missing",
                                    subject="、".join(d.label for d in missing[:10]), count=len(missing),
                                    link=f"/cycle?month={month:%Y-%m}#{kind}"))
                continue
            for duty in owed.duties:
                if not _owes(viewer, kind, duty.subject) or excused(duty, away):
                    continue
                done = duty.subject in owed.done
                if month != this and (done or today <= steps.due):
                    continue  # last month: only what is still missing
                state = "done" if done else "missing" if today > steps.due else "due"
                out.append(dict(kind=kind, title=KIND_TITLES[kind], month=month, due=steps.due, state=state,
                                subject=duty.label, count=1, link=f"/cycle?month={month:%Y-%m}#{kind}"))
    return out


def _owes(viewer: Viewer, kind: str, subject: int) -> bool:
    """Is `subject`'s report of `kind` the viewer's to send (the permission rule of the chat command)?"""
    actor = viewer.actor
    if kind == "自查":
        return can(actor, Action.SELF_CHECK, school_id=subject) and actor.is_principal
    if kind == "月报":
        return subject == actor.person_id and can(actor, Action.MONTHLY_REPORT)
    return can(actor, Action.DISTRICT_SUMMARY, district_id=subject) and actor.is_lead
