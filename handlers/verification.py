"""#验收 Q12 通过 / 不通过 <原因> (and #销号): the supervisor verifies rectification and strikes it off."""
from __future__ import annotations

from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply, UserError
from bot.ledger import lifecycle as ledger
from bot.parsing import commands as c
from handlers.common import finding_for, mentionable


async def verify(cmd: c.Verify, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.VERIFY)
    ref = ledger.ref(finding.number)
    if finding.status == ledger.OPEN:
        raise UserError("verification/not_reported.j2", ref=ref, school=school.name)
    if finding.status != ledger.RECTIFIED:
        raise UserError("errors/wrong_state.j2", ref=ref, status=ledger.STATUS_LABELS[finding.status], action="验收")
    principals = mentionable(ctx.roster.principals_of(school.id))
    if cmd.passed:
        finding.status, finding.closed_at = ledger.CLOSED, ctx.now
        await ledger.record(ctx.session, finding, "verify_passed", actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text, note=cmd.reason)
        return [Reply("verification/passed.j2", dict(ref=ref, school=school.name, description=finding.description,
                                                      by=ctx.actor.name, note=cmd.reason), mention=principals)]
    if not cmd.reason:
        raise UserError("errors/need_reason.j2", command="验收不通过", ref=finding.number)
    finding.status = ledger.OPEN
    await ledger.record(ctx.session, finding, "verify_failed", actor_id=ctx.actor.person_id, at=ctx.now,
                        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text, reason=cmd.reason)
    return [Reply("verification/failed.j2", dict(ref=ref, school=school.name, reason=cmd.reason, due=finding.due_date,
                                                  overdue=ctx.now >= finding.deadline_at), mention=principals)]
