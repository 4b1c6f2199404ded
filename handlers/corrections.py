"""#撤销 (withdraw a finding) and #延期 (extend its deadline): the office's corrections (撤销 by the finder too)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.contract import CommandContext, Reply, UserError
from bot.domain.deadlines import DeadlineSpec
from bot.domain.permissions import Action
from bot.ledger import lifecycle as ledger
from bot.messages import CARD_CLICK
from bot.parsing.parser import FindingRefs, parse_refs
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import deadline_and_rest, due_on, finding_for, require
from handlers.steps.reach import Change, announce, for_each
from handlers.steps.views import mentionable

router = Router("corrections")


@dataclass(frozen=True)
class Withdraw(FindingRefs):
    reason: str


@dataclass(frozen=True)
class Extend(FindingRefs):
    deadline: DeadlineSpec
    reason: str = ""


def parse_withdraw(word: str, rest: str) -> Withdraw:
    refs, reason = parse_refs(rest, word)
    if not reason:
        raise UserError("errors/need_reason.j2", command=word, ref=refs[0])
    return Withdraw(ref=refs[0], reason=reason, more=refs[1:])


def parse_extend(word: str, rest: str) -> Extend:
    refs, tail = parse_refs(rest, word)
    ref = refs[0]
    deadline, reason = deadline_and_rest(tail)
    if deadline is None:
        raise UserError("errors/extend_usage.j2", ref=ref)
    return Extend(ref=ref, deadline=deadline, reason=reason, more=refs[1:])


def extended_due(ctx: CommandContext, finding: m.Finding, spec: DeadlineSpec) -> tuple[date, str]:
    """The deadline `spec` extends to and what it counts from ("today", "deadline", or "" for a date as written):
    "5天" from the old deadline — or from today when the finding is overdue and the county's policy.extend_from
    is "today" (the default); a date or 月底前 as written. A polite error unless it is later than the old one
    (and not already past)."""
    base = ""
    if spec.kind in ("days", "workdays"):
        overdue = finding.due_date < ctx.today
        base = "today" if overdue and ctx.roster.policy.extend_from == "today" else "deadline"
    new = due_on(spec, ctx.today if base != "deadline" else finding.due_date, ctx)
    if new <= finding.due_date:
        raise UserError("errors/extend_not_later.j2", ref=ledger.ref(finding.number), old=finding.due_date, new=new)
    if new < ctx.today:
        raise UserError("errors/extend_still_past.j2", ref=ledger.ref(finding.number), old=finding.due_date,
                        new=new, asked=spec.text)
    return new, base


@router.command(Withdraw, "撤销", parse=parse_withdraw, action=Action.WITHDRAW,
                help={"撤销": "help/withdraw.j2"}, takes_ids=True,
                usage=Usage("#撤销 Q12 原因", "撤销录入有误或重复的问题", example="#撤销 Q12 重复录入"))
async def withdraw(cmd: Withdraw, ctx: CommandContext) -> list[Reply]:
    return await for_each(ctx, cmd.refs, lambda number: _withdraw_one(cmd, ctx, number))


async def _withdraw_one(cmd: Withdraw, ctx: CommandContext, number: int) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.WITHDRAW)
    require(finding, ledger.WITHDRAW, "撤销")
    await ledger.transition(ctx.session, finding, ledger.WITHDRAW, actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, reason=cmd.reason)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, reason=cmd.reason, by=ctx.actor.titled)
    return announce(ctx, Change(school, "findings/withdrawn.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"已撤销 {ref}"))


@router.command(Extend, "延期", parse=parse_extend, action=Action.EXTEND, help={"延期": "help/extend.j2"},
                takes_ids=True, usage=Usage("#延期 Q12 5天 原因", "延长整改期限", example="#延期 Q12 5天 需采购设备"))
async def extend(cmd: Extend, ctx: CommandContext) -> list[Reply]:
    return await for_each(ctx, cmd.refs, lambda number: _extend_one(cmd, ctx, number))


async def _extend_one(cmd: Extend, ctx: CommandContext, number: int) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.EXTEND)
    require(finding, ledger.EXTEND, "延期")
    if not cmd.reason:  # like #撤销: the office says why (asked after the permission check, which comes first)
        raise UserError("errors/need_reason.j2", command="延期", ref=finding.number)
    granted = await ledger.pending_request(ctx.session, finding) is not None  # #延期 answers a request waiting
    if ctx.inbound.event == CARD_CLICK and not granted:
        # 同意 on the card of a request: only while it waits (typed, #延期 may extend again)
        raise UserError("findings/request_none.j2", ref=ledger.ref(finding.number))
    old, (new, base) = finding.due_date, extended_due(ctx, finding, cmd.deadline)
    await ledger.extend(ctx.session, finding, new, ctx.roster.tz, actor_id=ctx.actor.person_id, at=ctx.now,
                        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, reason=cmd.reason)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, old=old, new=new, reason=cmd.reason, base=base,
                  asked=cmd.deadline.text, since=ctx.today, granted=granted, by=ctx.actor.titled)
    return announce(ctx, Change(school, "findings/extended.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"{ref} 已延期"))
