"""Photos as evidence, seen from the chat: one acknowledgement per burst, kept right when photos change report.

A burst is the photos one person sends to one report in one room with gaps under evidence_burst_seconds. Its
acknowledgement is one outbox row, deferred to a burst's length after the latest photo: each further photo
re-renders the waiting row with the new count and pushes its time on. Its key names the report and the burst's
first photo (`photos:<event id>:<first evidence id>`), so the count is that report's photos from the first on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.contract import CommandContext, Reply, to_outbound
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.outbox import cancel_pending, enqueue, pending_keys, update_pending
from bot.storage import models as m

ACK = "rectification/photo_received.j2"


@dataclass(frozen=True)
class Moved:
    """For a report's reply: `count` of its photos came from the report of another finding, `ref`."""

    count: int
    ref: str


def _prefix(event_id: int) -> str:
    return f"photos:{event_id}:"


async def _ack_text(ctx: CommandContext, event: m.FindingEvent, key: str) -> tuple[dict, int]:
    finding = await ctx.session.get(m.Finding, event.finding_id)
    count = await evidence.count_since(ctx.session, event.id, int(key.rsplit(":", 1)[1]))
    return dict(ref=ledger.ref(finding.number), count=count), count


async def acknowledge(ctx: CommandContext, event: m.FindingEvent, rows: list[m.Evidence]) -> None:
    """Count `rows` (just attached to report `event`) in the burst still waiting to be acknowledged, or start one."""
    due = ctx.now + timedelta(seconds=ctx.settings.evidence_burst_seconds)
    waiting = await pending_keys(ctx.session, _prefix(event.id), due_after=ctx.now)
    key = waiting[-1] if waiting else f"{_prefix(event.id)}{rows[0].id}"
    values, _ = await _ack_text(ctx, event, key)
    if waiting:
        await update_pending(ctx.session, key, text=ctx.renderer.render(ACK, **values), not_before=due)
        return
    out = to_outbound(Reply(ACK, values), ctx.renderer, key=key, in_reply_to=ctx.inbound.message_id or ctx.message_key,
                      here=ctx.inbound.room, sender=ctx.inbound.sender)
    await enqueue(ctx.session, out, now=ctx.now, not_before=due)


async def recount(ctx: CommandContext, event: m.FindingEvent) -> None:
    """Photos left report `event`: its waiting acknowledgements say the new count, or are withdrawn at none."""
    for key in await pending_keys(ctx.session, _prefix(event.id)):
        values, count = await _ack_text(ctx, event, key)
        if count:
            await update_pending(ctx.session, key, text=ctx.renderer.render(ACK, **values))
        else:
            await cancel_pending(ctx.session, key)


async def attach_to_report(ctx: CommandContext, event: m.FindingEvent) -> tuple[int, Moved | None]:
    """Give a new rectification report the photos that belong to it (bot.ledger.evidence.gather): how many, and
    how many of them moved from another finding's report."""
    got = await evidence.gather(ctx.session, event, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                window=timedelta(minutes=ctx.settings.evidence_window_minutes))
    if got.moved_from is None:
        return got.count, None
    await recount(ctx, got.moved_from)
    if got.moved_from.finding_id == event.finding_id:
        return got.count, None  # a second report of the same finding: the photos stay with that finding
    earlier = await ctx.session.get(m.Finding, got.moved_from.finding_id)
    return got.count, Moved(got.moved, ledger.ref(earlier.number))
