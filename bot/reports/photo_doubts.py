"""疑似重复照片 for the 考核 (issue #25 item 3): per school and per 责任督学, how many photos received in the period
are the same as (or nearly the same as) a photo of another finding, this finding's 问题照片, or this finding's
earlier report — the hints of bot.ledger.photo_hints, counted. A school's doubtful photos count for each of its
supervisors."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.domain.roster import Roster
from bot.ledger import photo_hints
from bot.storage import models as m
from bot.storage.session import Session

DUPLICATE_KINDS = (photo_hints.OTHER, photo_hints.PROBLEM, photo_hints.OWN)


@dataclass(frozen=True)
class PhotoDoubts:
    by_school: tuple[tuple[str, int, int], ...] = ()  # (school, doubtful photos, photos), schools with any photo
    by_supervisor: dict[int, int] = field(default_factory=dict)  # person id: doubtful photos of their schools


async def count(session: Session, roster: Roster, since: datetime, until: datetime,
                school_ids: set[int] | None = None) -> PhotoDoubts:
    """The photos received in [since, until) on findings of `school_ids` (all when None), and the doubtful ones."""
    rows = (await session.execute(select(m.Evidence, m.Finding).join(m.Finding, m.Evidence.finding_id == m.Finding.id)
                                  .where(m.Evidence.received_at >= since, m.Evidence.received_at < until)
                                  .order_by(m.Evidence.id))).all()
    photos, doubtful = Counter[int](), Counter[int]()
    by_finding: dict[int, tuple[m.Finding, list[m.Evidence]]] = {}
    for photo, finding in rows:
        if school_ids is not None and finding.school_id not in school_ids:
            continue
        photos[finding.school_id] += 1
        by_finding.setdefault(finding.id, (finding, []))[1].append(photo)
    for finding, its in by_finding.values():
        hints = await photo_hints.hints_for(session, finding, its)
        doubtful[finding.school_id] += len({h.photo_id for h in hints if h.kind in DUPLICATE_KINDS})
    per_person = Counter[int]()
    for school_id, n in doubtful.items():
        for person in roster.supervisors_of(school_id):
            per_person[person.id] += n
    named = sorted(((roster.schools[s].name, doubtful[s], n) for s, n in photos.items() if s in roster.schools),
                   key=lambda r: (-r[1], r[0]))
    return PhotoDoubts(by_school=tuple(named), by_supervisor=dict(per_person))
