"""#撤销 (withdraw a finding) and #延期 (extend its deadline): the office's corrections (撤销 by the finder too)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain.deadlines import DeadlineError, DeadlineSpec, find_deadline, parse_deadline_spec
from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply, UserError
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import strip_separators
from bot.parsing.parser import parse_ref
from bot.routing import Router
from handlers.common import due_on, finding_for, mentionable, require
from handlers.reach import Change, announce

router = Router("corrections")


@dataclass(frozen=True)
class Withdraw:
    ref: int
    reason: str


@dataclass(frozen=True)
class Extend:
    ref: int
    deadline: DeadlineSpec
    reason: str = ""


def parse_withdraw(word: str, rest: str) -> Withdraw:
    ref, reason = parse_ref(rest, word)
    if not reason:
        raise UserError("errors/need_reason.j2", command=word, ref=ref)
    return Withdraw(ref=ref, reason=reason)


def parse_extend(word: str, rest: str) -> Extend:
    ref, tail = parse_ref(rest, word)
    try:
        deadline, reason = find_deadline(tail)
        if deadline is None and tail:
            deadline = parse_deadline_spec(tail.split(" ", 1)[0])
            reason = tail.split(" ", 1)[1] if " " in tail else ""
    except DeadlineError as err:
        raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err
    except ValueError:
        deadline = None
    if deadline is None:
        raise UserError("errors/extend_usage.j2", ref=ref)
    return Extend(ref=ref, deadline=deadline, reason=strip_separators(reason))


@router.command(Withdraw, "撤销", parse=parse_withdraw, action=Action.WITHDRAW, help={"撤销": "help/withdraw.j2"})
async def withdraw(cmd: Withdraw, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.WITHDRAW)
    require(finding, ledger.WITHDRAW, "撤销")
    await ledger.transition(ctx.session, finding, ledger.WITHDRAW, actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text, reason=cmd.reason)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, reason=cmd.reason, by=ctx.actor.name)
    return announce(ctx, Change(school, "findings/withdrawn.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"已撤销 {ref}"))


@router.command(Extend, "延期", parse=parse_extend, action=Action.EXTEND, help={"延期": "help/extend.j2"})
async def extend(cmd: Extend, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.EXTEND)
    require(finding, ledger.EXTEND, "延期")
    old = finding.due_date
    base = max(old, ctx.today)  # "延期5天" moves on from the old deadline (or today); a date or 月底前 is from today
    new = due_on(cmd.deadline, base if cmd.deadline.kind in ("days", "workdays") else ctx.today, ctx)
    if new <= old:
        raise UserError("errors/extend_not_later.j2", ref=ledger.ref(finding.number), old=old, new=new)
    await ledger.extend(ctx.session, finding, new, ctx.roster.tz, actor_id=ctx.actor.person_id, at=ctx.now,
                        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text, reason=cmd.reason)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, old=old, new=new, reason=cmd.reason)
    return announce(ctx, Change(school, "findings/extended.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"{ref} 已延期"))
