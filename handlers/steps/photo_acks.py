"""Photos as evidence, seen from the chat: one acknowledgement per burst, kept right when photos change report.

A burst is the photos one person sends to one report (or to the finding he just logged: 问题照片, acknowledged
with PROBLEM_ACK) in one room with gaps under evidence_burst_seconds. Its acknowledgement is one reply that
waits (a `Later`), deferred to a burst's length after the latest photo: each further photo re-renders the
waiting one with the new count and pushes its time on. Its key names the report and the burst's first photo
(`photos:<event id>:<first evidence id>`), so the count is that report's photos from the first on. Like every
handler these only read and return replies; the app writes them (bot.app.App).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.contract import CommandContext, Later
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.outbox import pending_keys
from bot.storage import models as m

ACK = "rectification/photo_received.j2"
PROBLEM_ACK = "findings/photo_received.j2"  # the finder's photos of the problem (问题照片)


@dataclass(frozen=True)
class Moved:
    """For a report's reply: `count` of its photos came from the report of another finding, `ref`."""

    count: int
    ref: str


def _prefix(event_id: int) -> str:
    return f"photos:{event_id}:"


def _template(event: m.FindingEvent) -> str:
    return PROBLEM_ACK if evidence.is_problem(event) else ACK


async def _ack_text(ctx: CommandContext, event: m.FindingEvent, key: str) -> tuple[dict, int]:
    finding = await ctx.session.get(m.Finding, event.finding_id)
    assert finding is not None  # an event's finding (a finding is never deleted)
    count = await evidence.count_since(ctx.session, event.id, int(key.rsplit(":", 1)[1]))
    return dict(ref=ledger.ref(finding.number), count=count), count


async def acknowledge(ctx: CommandContext, event: m.FindingEvent, rows: list[m.Evidence]) -> Later:
    """Count `rows` (just attached to report `event`) in the burst still waiting to be acknowledged, or start one."""
    due = ctx.now + timedelta(seconds=ctx.settings.evidence_burst_seconds)
    waiting = await pending_keys(ctx.session, _prefix(event.id), due_after=ctx.now)
    key = waiting[-1] if waiting else f"{_prefix(event.id)}{rows[0].id}"
    values, _ = await _ack_text(ctx, event, key)
    return Later(_template(event), values, key=key, not_before=due)


async def recount(ctx: CommandContext, event: m.FindingEvent) -> list[Later]:
    """Photos left report `event`: its waiting acknowledgements say the new count, or are withdrawn at none."""
    acks = []
    for key in await pending_keys(ctx.session, _prefix(event.id)):
        values, count = await _ack_text(ctx, event, key)
        acks.append(Later(_template(event), values, key=key, withdraw=not count))
    return acks


async def attach_to_report(ctx: CommandContext, event: m.FindingEvent) -> tuple[int, Moved | None, list[Later]]:
    """Give a new rectification report the photos that belong to it (bot.ledger.evidence.gather): how many, how
    many of them moved from another finding's report, and the waiting acknowledgements that now count otherwise."""
    got = await evidence.gather(ctx.session, event, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                window=timedelta(minutes=ctx.settings.evidence_window_minutes))
    if got.moved_from is None:
        return got.count, None, []
    acks = await recount(ctx, got.moved_from)
    if got.moved_from.finding_id == event.finding_id:
        return got.count, None, acks  # a second report of the same finding: the photos stay with that finding
    earlier = await ctx.session.get(m.Finding, got.moved_from.finding_id)
    assert earlier is not None  # the earlier report's finding (never deleted either)
    return got.count, Moved(got.moved, ledger.ref(earlier.number)), acks
