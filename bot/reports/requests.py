"""What waits for the office's answer: extension requests (#申请延期: a request event with no later #延期 or #驳回)
and appeals (#申诉: a finding 申诉中, its appealed_at set until the office decides)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.storage.session import Session

SHOWN = 10


def _unanswered(*columns: Any, condition: ColumnElement[bool]) -> Select:
    """The one definition of a request waiting: an #申请延期 with no later #延期 or #驳回, on an active finding."""
    request, answer = m.FindingEvent, aliased(m.FindingEvent)
    answered = exists().where(answer.finding_id == request.finding_id, answer.id > request.id,
                              answer.kind.in_(ledger.ANSWERS))
    return (select(*columns).select_from(request).join(m.Finding, m.Finding.id == request.finding_id)
            .where(request.kind == ledger.REQUEST_EXTENSION, ~answered, m.Finding.status.in_(ledger.ACTIVE),
                   condition))


async def pending_requests(session: Session, condition: ColumnElement[bool], limit: int = SHOWN) -> list[dict]:
    """The unanswered requests on active findings matching `condition`, oldest first: plain values."""
    request = m.FindingEvent
    q = _unanswered(m.Finding.number, m.Finding.school_id, request.data, request.at, m.Finding.description,
                    m.Finding.due_date, condition=condition).order_by(request.id).limit(limit)
    return [dict(ref=ledger.ref(number), number=number, school_id=school_id, asked=(data or {}).get("asked", ""),
                 reason=(data or {}).get("reason", ""), at=at, description=description, due=due)
            for number, school_id, data, at, description, due in (await session.execute(q)).all()]


async def pending_request_count(session: Session, condition: ColumnElement[bool]) -> int:
    """How many requests wait under `condition` (the same definition as `pending_requests`)."""
    return await session.scalar(_unanswered(func.count(), condition=condition)) or 0


async def pending_appeals(session: Session, condition: ColumnElement[bool], *,
                          made_before: datetime | None = None) -> list[dict]:
    """The appeals waiting for the office's decision on findings matching `condition` (made before `made_before`
    when given), oldest first, each with its reason: plain values. Few wait at a time (the partial index on
    appealed_at finds them)."""
    appeal = m.FindingEvent
    q = select(m.Finding.number, m.Finding.school_id, m.Finding.description, m.Finding.appealed_at) \
        .where(m.Finding.appealed_at.is_not(None), condition)
    if made_before is not None:
        q = q.where(m.Finding.appealed_at < made_before)
    rows = (await session.execute(q.order_by(m.Finding.appealed_at, m.Finding.number))).all()
    reasons: dict[int, str] = {}
    if rows:  # each one's reason: its last appeal event
        events = select(m.Finding.number, appeal.data).join(m.Finding, m.Finding.id == appeal.finding_id) \
            .where(appeal.kind == ledger.APPEAL, m.Finding.number.in_([r.number for r in rows])).order_by(appeal.id)
        reasons = {number: (data or {}).get("reason", "") for number, data in (await session.execute(events)).all()}
    return [dict(ref=ledger.ref(number), school_id=school_id, description=description, at=at,
                 reason=reasons.get(number, "")) for number, school_id, description, at in rows]
