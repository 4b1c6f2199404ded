"""A finding's history as the 整改台账 shows it: every rectification report and every verification, dated (county
date) and in order, one a line."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.ledger import lifecycle as ledger

EVIDENCE = "evidence"  # 补充佐证: shown among the reports when it carries a note
# the kinds the ledger reads (the rest — created, corrected, requests — are not columns of it)
EVENT_KINDS = (ledger.RECTIFY, EVIDENCE, ledger.VERIFY_PASS, ledger.VERIFY_FAIL, ledger.EXTEND, ledger.WITHDRAW)
SEPARATOR = "；\n"


class Event(Protocol):
    kind: str
    actor_id: int | None
    at: datetime
    data: dict[str, Any]


def _day(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d")


def reports(events: list[Event], tz: ZoneInfo) -> str:
    """整改情况: each report (#整改, and a 补充佐证 with a note), `2026-09-03 已清理通道`, oldest first."""
    lines = []
    for e in events:
        note = (e.data or {}).get("note") or ""
        if e.kind == ledger.RECTIFY:
            lines.append(f"{_day(e.at, tz)} {note}".rstrip())
        elif e.kind == EVIDENCE and note:
            lines.append(f"{_day(e.at, tz)} {note}")
    return SEPARATOR.join(lines)


def opinions(events: list[Event], tz: ZoneInfo) -> str:
    """验收意见: each verification, `2026-09-05 不通过：仍有杂物` / `2026-09-12 通过：很好`, oldest first."""
    return SEPARATOR.join(f"{_day(e.at, tz)} {_opinion(e)}" for e in events
                          if e.kind in (ledger.VERIFY_PASS, ledger.VERIFY_FAIL))


def _opinion(verdict: Event) -> str:
    """通过 (with its note), or 不通过 with the reason."""
    data = verdict.data or {}
    if verdict.kind == ledger.VERIFY_PASS:
        note = data.get("note") or ""
        return f"通过：{note}" if note else "通过"
    return f"不通过：{data.get('reason', '')}"
