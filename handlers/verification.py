"""#验收 Q12 通过 / 不通过 <原因> (and #销号): the supervisor verifies rectification and strikes it off."""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import strip_separators
from bot.parsing.parser import FindingRefs, parse_refs
from bot.routing import Router, Usage
from handlers.steps.lookup import finding_for, require
from handlers.steps.reach import Change, announce, for_each
from handlers.steps.views import mentionable

router = Router("verification")
_FAIL = ("不通过", "未通过", "不合格", "没通过")
_PASS = ("通过", "合格", "同意")


@dataclass(frozen=True)
class Verify(FindingRefs):
    passed: bool
    reason: str = ""


def parse_verify(word: str, rest: str) -> Verify:
    refs, tail = parse_refs(rest, word)
    ref, more = refs[0], refs[1:]
    if word == "销号" and not tail.startswith(_FAIL):
        return Verify(ref=ref, passed=True, reason=strip_separators(tail.removeprefix("通过")), more=more)
    for fail in _FAIL:
        if tail.startswith(fail):
            return Verify(ref=ref, passed=False, reason=strip_separators(tail[len(fail):]), more=more)
    for ok in _PASS:
        if tail.startswith(ok):
            return Verify(ref=ref, passed=True, reason=strip_separators(tail[len(ok):]), more=more)
    raise UserError("errors/verify_usage.j2", ref=ref)


@router.command(Verify, "验收", "销号", parse=parse_verify, action=Action.VERIFY,
                help={"验收": "help/verify.j2"}, takes_ids=True, quoted=_FAIL + ("通过", "合格"),
                usage=Usage("#验收 Q12 通过 / 不通过 原因", "验收销号", example="#验收 Q12 不通过 仍有杂物"))
async def verify(cmd: Verify, ctx: CommandContext) -> list[Reply]:
    return await for_each(ctx, cmd.refs, lambda number: _verify_one(cmd, ctx, number))


async def _verify_one(cmd: Verify, ctx: CommandContext, number: int) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.VERIFY)
    ref = ledger.ref(finding.number)
    if finding.status == ledger.OPEN:
        raise UserError("verification/not_reported.j2", ref=ref, school=school.name)
    require(finding, ledger.VERIFY_PASS, "验收")
    principals = mentionable(ctx.roster.principals_of(school.id))
    if cmd.passed:
        await ledger.transition(ctx.session, finding, ledger.VERIFY_PASS, actor_id=ctx.actor.person_id, at=ctx.now,
                                message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, note=cmd.reason)
        values: dict[str, object] = dict(ref=ref, school=school.name, description=finding.description,
                                         by=ctx.actor.name, note=cmd.reason)
        return announce(ctx, Change(school, "verification/passed.j2", values, act=principals,
                                    done=f"{ref} 已验收销号"))
    if not cmd.reason:
        raise UserError("errors/need_reason.j2", command="验收不通过", ref=finding.number)
    await ledger.transition(ctx.session, finding, ledger.VERIFY_FAIL, actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, reason=cmd.reason)
    values = dict(ref=ref, school=school.name, reason=cmd.reason, due=finding.due_date,
                  overdue=ctx.now >= finding.deadline_at, by=ctx.actor.name)
    return announce(ctx, Change(school, "verification/failed.j2", values, act=principals,
                                done=f"{ref} 验收不通过，已退回整改"))
