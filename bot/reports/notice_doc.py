"""The 整改通知书 of one finding: what the office hands a school (or sends it) for one problem — the office, the
school, the problem (description, category, severity, when and by whom it was found, its 问题照片 when there are),
the deadline, the requirements (templates/documents/notice_requirements.j2), a 文号 line to fill in, the office's
name and the date. The desk prints it as a page (/findings/{n}/notice) and downloads it as Word, rendered with
docxtpl from bot/data/notice-template.docx (built by tools/make_notice_template.py).

问题照片: the photos of the problem itself, as opposed to the school's rectification photos: those the finder sent
after `#问题`, which bot/ledger/evidence.py attaches to the event that logged the finding (PROBLEM_EVENTS);
`problem_photos` picks them, and the notice shows those still on disk.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select

from bot.domain.roster import Roster
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.render import Renderer
from bot.reports.bulletin_doc import date_cn, draft_number, write_bulletin_doc
from bot.storage import models as m
from bot.storage.session import Session

DEFAULT_TEMPLATE = Path(str(resources.files("bot") / "data" / "notice-template.docx"))
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif"}  # what Word shows (webp it does not)
PHOTO_WIDTH_MM = 70


@dataclass(frozen=True)
class ProblemPhoto:
    id: int
    path: Path
    mime: str


async def problem_photos(session: Session, finding: m.Finding, store: Path) -> list[ProblemPhoto]:
    """The finding's photos of the problem: images attached to the event that logged it, kept in the evidence store
    (`store`) and there on disk."""
    rows = await session.scalars(
        select(m.Evidence).join(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id)
        .where(m.Evidence.finding_id == finding.id, m.FindingEvent.kind.in_(evidence.PROBLEM_EVENTS))
        .order_by(m.Evidence.id))
    root, out = store.resolve(), []
    for row in rows:
        path = Path(row.path).resolve()
        if row.mime in IMAGE_TYPES and path.is_relative_to(root) and path.is_file():
            out.append(ProblemPhoto(row.id, path, row.mime))
    return out


def notice_values(roster: Roster, finding: m.Finding, now: datetime, *, finder: str) -> dict:
    """The notice's values (plain text; the page escapes them, the Word document takes them through xml_values)."""
    tz = roster.tz
    school = roster.schools.get(finding.school_id)
    district = roster.districts.get(school.district_id) if school else None
    today: date = now.astimezone(tz).date()
    ref = ledger.ref(finding.number)
    deadline = date_cn(finding.due_date)
    requirements = Renderer().render("documents/notice_requirements.j2", ref=ref, deadline=deadline)
    return dict(office=roster.office_name, county=roster.county, school=school.name if school else "",
                district=district.name if district else "", ref=ref, category=finding.category,
                severity=finding.severity, description=finding.description,
                found_on=date_cn(finding.created_at.astimezone(tz).date()), finder=finder, deadline=deadline,
                requirements=[line for line in requirements.splitlines() if line.strip()],
                number=draft_number(today.year), issue_date=date_cn(today))


def write_notice_doc(values: dict, photos: list[ProblemPhoto], target: Path | BinaryIO,
                     template: Path | None = None) -> None:
    """Render the notice into `target` from `template` (default: the shipped one), the problem photos inline."""
    from docx.shared import Mm
    from docxtpl import InlineImage  # imported here: only the documents need it

    def pictures(doc: Any) -> dict:
        return {"photos": [InlineImage(doc, str(p.path), width=Mm(PHOTO_WIDTH_MM)) for p in photos]}

    write_bulletin_doc(values, target, Path(template) if template else DEFAULT_TEMPLATE, extra=pictures)
