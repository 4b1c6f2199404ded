"""#督办 Q12 要求: a supervisor of the school (or the office) reminds the school now, in its room with its principals
@-mentioned, of a finding it still has to rectify — the reminder the ladder would send later, sent at once. An
event in the finding's history; paused while an appeal waits, as the reminders are."""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply
from bot.domain.permissions import Action
from bot.ledger import lifecycle as ledger
from bot.parsing.parser import FindingRefs, parse_refs
from bot.routing import Router, Usage
from handlers.steps.lookup import finding_for, require
from handlers.steps.reach import Change, announce, for_each
from handlers.steps.views import mentionable

router = Router("urging")


@dataclass(frozen=True)
class Urge(FindingRefs):
    note: str = ""


def parse_urge(word: str, rest: str) -> Urge:
    refs, note = parse_refs(rest, word)
    return Urge(ref=refs[0], note=note, more=refs[1:])


@router.command(Urge, "督办", "催办", parse=parse_urge, action=Action.URGE, help={"督办": "help/urge.j2"},
                takes_ids=True, usage=Usage("#督办 Q12 要求", "立即提醒学校整改（发到学校群）",
                                            example="#督办 Q12 请尽快完成整改"))
async def urge(cmd: Urge, ctx: CommandContext) -> list[Reply]:
    return await for_each(ctx, cmd.refs, lambda number: _urge_one(cmd, ctx, number))


async def _urge_one(cmd: Urge, ctx: CommandContext, number: int) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.URGE)
    require(finding, ledger.URGE, "督办")
    await ledger.transition(ctx.session, finding, ledger.URGE, actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, note=cmd.note)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, description=finding.description, due=finding.due_date,
                  overdue=ctx.now >= finding.deadline_at, note=cmd.note, by=ctx.actor.titled)
    return announce(ctx, Change(school, "findings/urged.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"已督办 {ref}"))
