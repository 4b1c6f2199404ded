"""Extension requests (#申请延期) waiting for the office's answer: a request event with no later #延期 or #驳回."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.storage.session import Session

SHOWN = 10


async def pending_requests(session: Session, condition: ColumnElement[bool]) -> list[dict]:
    """The unanswered requests on active findings matching `condition`, oldest first: plain values."""
    request, answer = m.FindingEvent, aliased(m.FindingEvent)
    answered = exists().where(answer.finding_id == request.finding_id, answer.id > request.id,
                              answer.kind.in_(ledger.ANSWERS))
    q = (select(m.Finding.number, m.Finding.school_id, request.data, request.at)
         .join(m.Finding, m.Finding.id == request.finding_id)
         .where(request.kind == ledger.REQUEST_EXTENSION, ~answered, m.Finding.status.in_(ledger.ACTIVE), condition)
         .order_by(request.id).limit(SHOWN))
    return [dict(ref=ledger.ref(number), school_id=school_id, asked=(data or {}).get("asked", ""),
                 reason=(data or {}).get("reason", ""), at=at)
            for number, school_id, data, at in (await session.execute(q)).all()]
