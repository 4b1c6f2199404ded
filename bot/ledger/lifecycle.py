"""The findings ledger: create findings, move them through the closed loop, record every change as an event.

The closed loop (docs/design.md): 待整改 (open) → 待验收 (rectified) → 已销号 (closed); 验收不通过 sends a finding back
to 待整改 (its deadline stands); 撤销 (withdrawn) ends an open or rectified one; 延期 changes the deadline of an open
or rectified one. 逾期 is not a state: it is open/rectified past the deadline, read at read time. TRANSITIONS is the
whole machine: `transition` refuses anything else, sets the state and its timestamp, and records the event.
Handlers check permission first and turn an illegal transition into a polite answer (`allowed`).

申诉中 is a flag over the state, not a state: a principal's appeal (`appealed`) sets `appealed_at`, the office's
decision (`appeal_decided`) clears it; the finding keeps 待整改 or 待验收 meanwhile. While it waits, neither kind of
overdue counts (bot.domain.figures), the reminders pause, and the changes the decision settles are refused
(PAUSED_BY_APPEAL: verification, withdrawal, extension, correction, requests): the office decides with #申诉 first.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, select

from bot.domain.calendar import WorkCalendar
from bot.domain.figures import day_end, rectify_overdue, verify_late
from bot.domain.sources import ROUTINE
from bot.storage import models as m
from bot.storage.inserts import adopt
from bot.storage.session import Session

OPEN, RECTIFIED, CLOSED, WITHDRAWN = "open", "rectified", "closed", "withdrawn"
ACTIVE = (OPEN, RECTIFIED)
STATUS_LABELS = {OPEN: "待整改", RECTIFIED: "待验收", CLOSED: "已销号", WITHDRAWN: "已撤销"}
EVENT_LABELS = {
    "created": "录入", "rectified": "报告整改", "verify_passed": "验收通过，销号", "verify_failed": "验收不通过",
    "withdrawn": "撤销", "extended": "延期", "evidence": "补充佐证",
    "corrected": "修改", "extension_requested": "申请延期", "extension_refused": "驳回延期申请",
    "appealed": "申诉", "appeal_decided": "申诉决定", "urged": "督办",
}


RECTIFY, VERIFY_PASS, VERIFY_FAIL = "rectified", "verify_passed", "verify_failed"
WITHDRAW, EXTEND = "withdrawn", "extended"
CORRECT, REQUEST_EXTENSION, REFUSE_EXTENSION = "corrected", "extension_requested", "extension_refused"
APPEAL, DECIDE_APPEAL = "appealed", "appeal_decided"
URGE = "urged"  # #督办: the school reminded now (by a supervisor or the office); the state stays
# event → (the states it may happen in, the state it leads to; None: the state stays)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    RECTIFY: (frozenset(ACTIVE), RECTIFIED),  # a second report while 待验收 replaces the first
    VERIFY_PASS: (frozenset({RECTIFIED}), CLOSED),
    VERIFY_FAIL: (frozenset({RECTIFIED}), OPEN),
    WITHDRAW: (frozenset(ACTIVE), WITHDRAWN),
    EXTEND: (frozenset(ACTIVE), None),
    CORRECT: (frozenset(ACTIVE), None),  # #修改 while not yet closed
    REQUEST_EXTENSION: (frozenset({OPEN}), None),  # the principal asks for more time to rectify
    REFUSE_EXTENSION: (frozenset(ACTIVE), None),  # the office says no (#延期 is the yes)
    APPEAL: (frozenset(ACTIVE), None),  # the principal appeals: 申诉中 (appealed_at) until the office decides
    DECIDE_APPEAL: (frozenset(ACTIVE), None),  # 维持 / 撤销 / 修改: the appeal ends (then the withdrawal or correction)
    URGE: (frozenset({OPEN}), None),  # only what the school still has to rectify
}
# What waits while an appeal does (the decision settles it): everything but a rectification report, its evidence
# and the decision itself
PAUSED_BY_APPEAL = frozenset({VERIFY_PASS, VERIFY_FAIL, WITHDRAW, EXTEND, CORRECT, REQUEST_EXTENSION,
                              REFUSE_EXTENSION, APPEAL, URGE})
STAMPS = {RECTIFIED: "rectified_at", CLOSED: "closed_at", WITHDRAWN: "closed_at"}  # set when a finding enters it


class IllegalTransition(Exception):
    """A change the closed loop does not allow from the finding's state (a bug: handlers check `allowed` first
    and answer the sender)."""


def allowed(finding: m.Finding, event: str) -> bool:
    return finding.status in TRANSITIONS[event][0]


def appealing(finding: m.Finding) -> bool:
    """申诉中: an appeal waits for the office's decision."""
    return finding.appealed_at is not None


def paused(finding: m.Finding, event: str) -> bool:
    """Does `event` wait for the office's decision on the finding's appeal?"""
    return appealing(finding) and event in PAUSED_BY_APPEAL


async def transition(
    session: Session, finding: m.Finding, event: str, *, actor_id: int | None, at: datetime,
    message_id: str | None, raw_text: str, **data: object,
) -> m.FindingEvent:
    """Move `finding` by `event` (legal from its state, or IllegalTransition) and record the event with `data`."""
    if not allowed(finding, event):
        raise IllegalTransition(f"{event} is not allowed for {ref(finding.number)} in state {finding.status}")
    if paused(finding, event):
        raise IllegalTransition(f"{event} waits for the decision on {ref(finding.number)}'s appeal")
    target = TRANSITIONS[event][1]
    if target is not None:
        finding.status = target
        if target in STAMPS:
            setattr(finding, STAMPS[target], at)
    return await record(session, finding, event, actor_id=actor_id, at=at, message_id=message_id, raw_text=raw_text,
                        **data)


async def extend(
    session: Session, finding: m.Finding, due: date, tz: ZoneInfo, *, actor_id: int | None, at: datetime,
    message_id: str | None, raw_text: str, reason: str,
) -> m.FindingEvent:
    """延期: a new deadline for an open or rectified finding, recorded with the old one."""
    old = finding.due_date
    event = await transition(session, finding, EXTEND, actor_id=actor_id, at=at, message_id=message_id,
                             raw_text=raw_text, old=old.isoformat(), new=due.isoformat(), reason=reason)
    finding.due_date, finding.deadline_at = due, deadline_instant(due, tz)
    return event


CORRECTABLE = {"description": "描述", "category": "类别", "severity": "严重程度", "due_date": "整改期限",
               "school_id": "学校", "source": "来源"}


async def correct(
    session: Session, finding: m.Finding, field: str, value: object, tz: ZoneInfo, *, actor_id: int | None,
    at: datetime, message_id: str | None, raw_text: str,
) -> m.FindingEvent:
    """#修改: one field of an open finding, recorded with its old and new value (a new deadline moves deadline_at)."""
    old = getattr(finding, field)
    event = await transition(session, finding, CORRECT, actor_id=actor_id, at=at, message_id=message_id,
                             raw_text=raw_text, field=field, old=_plain(old), new=_plain(value))
    setattr(finding, field, value)
    if field == "due_date":
        assert isinstance(value, date)  # a new due date (handlers/amend.py)
        finding.deadline_at = deadline_instant(value, tz)
    return event


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


async def appeal(session: Session, finding: m.Finding, *, actor_id: int | None, at: datetime,
                 message_id: str | None, raw_text: str, reason: str) -> m.FindingEvent:
    """申诉: the principal appeals; the finding is 申诉中 from `at` until the office decides."""
    event = await transition(session, finding, APPEAL, actor_id=actor_id, at=at, message_id=message_id,
                             raw_text=raw_text, reason=reason)
    finding.appealed_at = at
    return event


async def decide_appeal(session: Session, finding: m.Finding, outcome: str, *, actor_id: int | None,
                        at: datetime, message_id: str | None, raw_text: str, reason: str) -> m.FindingEvent:
    """The office's decision on the waiting appeal (维持 / 撤销 / 修改): the appeal ends; what the decision does to
    the finding (a withdrawal, a correction, a new deadline) is recorded after it by the usual events."""
    if not appealing(finding):
        raise IllegalTransition(f"{ref(finding.number)} has no appeal waiting")
    note = outcome + (f"（{reason}）" if reason else "")
    event = await transition(session, finding, DECIDE_APPEAL, actor_id=actor_id, at=at, message_id=message_id,
                             raw_text=raw_text, outcome=outcome, reason=reason, note=note,
                             appealed=finding.appealed_at.isoformat() if finding.appealed_at else None)
    finding.appealed_at = None
    return event


def pending_appeal_in(events: list[m.FindingEvent]) -> m.FindingEvent | None:
    """The appeal waiting for a decision, from a finding's events already read (in order): no look-up."""
    last = next((e for e in reversed(events) if e.kind in (APPEAL, DECIDE_APPEAL)), None)
    return last if last is not None and last.kind == APPEAL else None


ANSWERS = (EXTEND, REFUSE_EXTENSION)  # what answers an extension request: #延期 (yes) or #驳回 (no)


# The hot path's look-ups are built once, with bound parameters: SQLAlchemy then skips building the statement and
# its cache key on every message (15% of a message's time in a profile of bursts).
_LAST_REQUEST_OR_ANSWER = (select(m.FindingEvent).where(m.FindingEvent.finding_id == bindparam("finding_id"),
                                                        m.FindingEvent.kind.in_((REQUEST_EXTENSION, *ANSWERS)))
                           .order_by(m.FindingEvent.id.desc()).limit(1))
_BY_NUMBER = select(m.Finding).where(m.Finding.number == bindparam("number"))
_EVENTS_OF = select(m.FindingEvent).where(m.FindingEvent.finding_id == bindparam("finding_id")).order_by(
    m.FindingEvent.id)
def pending_in(events: list[m.FindingEvent]) -> m.FindingEvent | None:
    """`pending_request` from a finding's events already read (in order): no look-up."""
    last = next((e for e in reversed(events) if e.kind in (REQUEST_EXTENSION, *ANSWERS)), None)
    return last if last is not None and last.kind == REQUEST_EXTENSION else None


async def pending_request(session: Session, finding: m.Finding) -> m.FindingEvent | None:
    """The finding's extension request not yet answered (no #延期 or #驳回 after it), if any: one look-up."""
    last = await session.scalar(_LAST_REQUEST_OR_ANSWER, {"finding_id": finding.id})
    return pending_in([last] if last is not None else [])


def ref(number: int) -> str:
    return f"Q{number}"


def deadline_instant(due: date, tz: ZoneInfo) -> datetime:
    """Due by the end of `due` (county time): overdue from the next local midnight on, stored in UTC."""
    return day_end(due, tz).astimezone(UTC)


def is_overdue(finding: m.Finding, now: datetime) -> bool:
    """整改逾期 (bot.domain.figures): 待整改 past its deadline, no appeal waiting. A 待验收 finding is never the
    school's delay."""
    return rectify_overdue(finding.status, finding.deadline_at, now, appealing=appealing(finding))


def is_verify_late(finding: m.Finding, now: datetime, tz: ZoneInfo, calendar: WorkCalendar, within: int) -> bool:
    """验收超期 (bot.domain.figures): 待验收 longer than `within` working days since its report, no appeal waiting."""
    return verify_late(finding.status, finding.rectified_at, now, tz, calendar, within, appealing=appealing(finding))


APPEALING = "申诉中"


def lateness(finding: m.Finding, now: datetime, tz: ZoneInfo, calendar: WorkCalendar, within: int) -> str | None:
    """What a finding's state carries now: "申诉中" (an appeal waits: neither delay counts), "整改逾期" (the school's
    delay), "验收超期" (the supervisor's), or None."""
    if appealing(finding):
        return APPEALING
    if is_overdue(finding, now):
        return "整改逾期"
    return "验收超期" if is_verify_late(finding, now, tz, calendar, within) else None


async def get_finding(session: Session, number: int) -> m.Finding | None:
    return await session.scalar(_BY_NUMBER, {"number": number})


async def record(
    session: Session, finding: m.Finding, kind: str, *, actor_id: int | None, at: datetime,
    message_id: str | None, raw_text: str, **data: object,
) -> m.FindingEvent:
    # A flush, not an ORM INSERT … RETURNING: measured, the flush of the event and the finding's change together is
    # the cheaper of the two (125 against 170 µs)
    event = m.FindingEvent(finding_id=finding.id, kind=kind, actor_id=actor_id, at=at, message_id=message_id,
                           raw_text=raw_text, data=dict(data))
    session.add(event)
    finding.updated_at = at
    await session.flush()
    return event


_FINDINGS = cast(Table, m.Finding.__table__)  # a declarative model's: SQLAlchemy types it a FromClause
# The number is taken in the INSERT itself (max + 1): no look-up before it. One writer at a time (the instance lock,
# SQLite's write lock) keeps it unique; the unique index guards it. A Core INSERT bringing back the id and number,
# the object then built from what was written (`adopt`): a third of an ORM INSERT … RETURNING's cost (110 µs
# against 350).
_CREATE = _FINDINGS.insert().values(
    number=select(func.coalesce(func.max(_FINDINGS.c.number), 0) + 1).scalar_subquery()).returning(
    _FINDINGS.c.id, _FINDINGS.c.number)


async def create_finding(
    session: Session, *, school_id: int, category: str, severity: str, description: str, due: date,
    tz: ZoneInfo, finder_id: int, room_chat_id: str | None, at: datetime, message_id: str | None,
    raw_text: str, source: str = ROUTINE, campaign_id: int | None = None, **recorded: object,
) -> m.Finding:
    """A new finding (待整改) and its "created" event; `campaign_id`: the 专项督导 campaign whose checklist found it;
    `recorded`: more to keep in that event's data (where a loaded row came from, which campaign item)."""
    at = at.astimezone(UTC)
    values = dict(school_id=school_id, category=category, severity=severity, description=description, status=OPEN,
                  deadline_at=deadline_instant(due, tz), due_date=due, finder_id=finder_id,
                  room_chat_id=room_chat_id, created_at=at, updated_at=at, source=source, campaign_id=campaign_id)
    finding_id, number = (await session.execute(_CREATE, values)).one()
    finding = adopt(session, m.Finding, dict(values, id=finding_id, number=number))
    extra = dict(recorded, source=source) if source != ROUTINE else recorded
    await record(session, finding, "created", actor_id=finder_id, at=at, message_id=message_id,
                 raw_text=raw_text, due=due.isoformat(), **extra)
    return finding


_SAME_FINDING = select(m.Finding).where(
    m.Finding.school_id == bindparam("school_id"), m.Finding.finder_id == bindparam("finder_id"),
    m.Finding.description == bindparam("description"), m.Finding.created_at >= bindparam("since"),
    m.Finding.status != WITHDRAWN).order_by(m.Finding.number).limit(1)


async def same_finding_since(session: Session, *, school_id: int, finder_id: int | None, description: str,
                             since: datetime) -> m.Finding | None:
    """The same finding logged by the same person at the same school since `since` (a double tap)."""
    if finder_id is None:  # every finding has its finder (the column is NOT NULL)
        return None
    return await session.scalar(_SAME_FINDING, dict(school_id=school_id, finder_id=finder_id,
                                                    description=description, since=since))


async def events_of(session: Session, finding: m.Finding) -> list[m.FindingEvent]:
    return list(await session.scalars(_EVENTS_OF, {"finding_id": finding.id}))

