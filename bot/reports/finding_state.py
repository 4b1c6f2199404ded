"""A finding as it stood at a moment `t`, folded from its row and its events (bot.reports.as_of reads them).

The row is the finding now; the events say what changed and when. A row not changed since `t` is already as it
stood then. Otherwise the last report or failed verification before `t` gives its status, the last change before
`t` (or, failing one, the first change after it, which records the old value) its deadline, category and school;
the last appeal or decision before `t` whether it was 申诉中 then.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.ledger import lifecycle as ledger


@dataclass(frozen=True)
class Live:
    """A finding open at `t`, as it stood then."""

    id: int
    number: int
    school_id: int
    category: str
    status: str  # open / rectified at t
    deadline_at: datetime
    due_date: date
    reported_at: datetime | None  # the rectification report awaiting verification at t
    finder_id: int
    created_at: datetime
    appealing: bool  # 申诉中 at t: an appeal waited for the office's decision


def state_at(row, events: Sequence, t: datetime, tz) -> Live:  # noqa: ANN001 — a row of _LIVE_COLUMNS, (kind, at, data)
    """Fold a finding's events (in order) into its state at `t`: status, deadline, category and school then. A row
    not changed since `t` is already as it stood then."""
    if not row.changed:  # the storage layer hands back aware datetimes
        reported = row.rectified_at if row.status == ledger.RECTIFIED else None
        return Live(row.id, row.number, row.school_id, row.category, row.status, row.deadline_at, row.due_date,
                    reported, row.finder_id, row.created_at, row.appealed_at is not None)
    status, reported, appealing = ledger.OPEN, None, False
    due_before = due_after = cat_before = cat_after = school_before = school_after = None
    for kind, at, data in events:
        data = data or {}
        moves_due = kind == ledger.EXTEND or (kind == ledger.CORRECT and data.get("field") == "due_date")
        moves_cat = kind == ledger.CORRECT and data.get("field") == "category"
        moves_school = kind == ledger.CORRECT and data.get("field") == "school_id"
        if aware(at) < t:
            if kind == ledger.RECTIFY:
                status, reported = ledger.RECTIFIED, aware(at)
            elif kind == ledger.VERIFY_FAIL:
                status, reported = ledger.OPEN, None
            elif kind in (ledger.APPEAL, ledger.DECIDE_APPEAL):
                appealing = kind == ledger.APPEAL
            due_before = data.get("new") if moves_due else due_before
            cat_before = data.get("new") if moves_cat else cat_before
            school_before = data.get("new") if moves_school else school_before
        else:
            due_after = due_after or (data.get("old") if moves_due else None)
            cat_after = cat_after or (data.get("old") if moves_cat else None)
            school_after = school_after or (data.get("old") if moves_school else None)
    if not events and row.rectified_at is not None and aware(row.rectified_at) < t:  # bulk-loaded, no history
        status, reported = ledger.RECTIFIED, aware(row.rectified_at)
    due = _date(due_before or due_after) or row.due_date
    deadline = ledger.deadline_instant(due, tz) if due != row.due_date else aware(row.deadline_at)
    school = school_before or school_after or row.school_id
    return Live(row.id, row.number, int(school), cat_before or cat_after or row.category, status, deadline, due,
                reported, row.finder_id, aware(row.created_at), appealing)


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def aware(at: datetime) -> datetime:
    """SQLite hands back what was stored; a naive value is UTC (the storage layer's rule)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
