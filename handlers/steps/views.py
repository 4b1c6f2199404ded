"""Plain values a reply carries: a finding's list line, its status and colour, who can be @-mentioned, and where a
file the bot sends is written."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from bot.contract import CommandContext
from bot.domain.colour import Colour, colour
from bot.domain.roster import PersonInfo, Roster
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.text import file_stem


def mentionable(people: list[PersonInfo]) -> tuple[PersonInfo, ...]:
    return tuple(p for p in people if p.chat_id)


def status_label(finding: m.Finding, now: datetime, roster: Roster) -> str:
    """待整改（整改逾期）, 待验收（验收超期）, or the state alone: whose delay it is, never the school's for a report
    awaiting verification."""
    label = ledger.STATUS_LABELS[finding.status]
    late = ledger.lateness(finding, now, roster.tz, roster.calendar, roster.policy.verify_within.n)
    return f"{label}（{late}）" if late else label


def colour_of(ctx: CommandContext, finding: m.Finding) -> Colour | None:
    """The finding's 三色督办 colour now (see bot.domain.colour)."""
    return colour(finding.status, finding.deadline_at, finding.due_date, ctx.now, ctx.roster,
                  appealing=ledger.appealing(finding))


def finding_line(ctx: CommandContext, finding: m.Finding) -> dict:
    """A finding as plain values for a list line."""
    school = ctx.roster.schools.get(finding.school_id)
    return {
        "ref": ledger.ref(finding.number), "school": school.display if school else "",
        "category": finding.category, "description": finding.description,
        "status": status_label(finding, ctx.now, ctx.roster), "due": finding.due_date,
        "overdue": ledger.is_overdue(finding, ctx.now), "severity": finding.severity,
        "colour": colour_of(ctx, finding),
    }


def export_path(ctx: CommandContext, stem: str, suffix: str) -> Path:
    """Where a file the bot sends goes (beside the evidence, in exports/): one per command, named from the message
    key, so a retried message rewrites the same file."""
    stamp = ctx.local(ctx.now).strftime("%Y%m%d-%H%M")
    tag = hashlib.sha256(ctx.message_key.encode()).hexdigest()[:6]
    return exports_dir(ctx) / f"{file_stem(stem)}-{stamp}-{tag}{suffix}"


def exports_dir(ctx: CommandContext) -> Path:
    """exports/, beside the evidence: where the files the bot sends wait to be sent (the outbox names them)."""
    directory = Path(ctx.settings.evidence_dir).parent / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
