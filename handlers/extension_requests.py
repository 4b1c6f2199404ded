"""#申请延期 Q12 5天 原因 (the principal asks for more time) and #驳回 Q12 原因 (the office says no; #延期 is the yes).

The request reaches the office room (the office people @-mentioned; privately when there is no office room) and
the finder; the principal hears either answer. A request waits — in #查询 and the office's #清单 — until answered.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.deadlines import DeadlineSpec
from bot.domain.permissions import Action
from bot.ledger import lifecycle as ledger
from bot.messages import Button
from bot.parsing.parser import parse_ref
from bot.routing import Router, Usage
from handlers.corrections import extended_due, parse_extend
from handlers.steps.lookup import finding_for, require
from handlers.steps.reach import Change, announce, to_office
from handlers.steps.views import mentionable

router = Router("extension_requests")


@dataclass(frozen=True)
class RequestExtension:
    ref: int
    deadline: DeadlineSpec
    reason: str = ""


@dataclass(frozen=True)
class RefuseExtension:
    ref: int
    reason: str


def parse_request(word: str, rest: str) -> RequestExtension:
    read = parse_extend(word, rest)
    return RequestExtension(ref=read.ref, deadline=read.deadline, reason=read.reason)


def parse_refusal(word: str, rest: str) -> RefuseExtension:
    ref, reason = parse_ref(rest, word)
    if not reason:
        raise UserError("errors/need_reason.j2", command=word, ref=ref)
    return RefuseExtension(ref=ref, reason=reason)


@router.command(RequestExtension, "申请延期", parse=parse_request, action=Action.REQUEST_EXTENSION,
                help={"申请延期": "help/request_extension.j2"}, takes_ids=True,
                hints=("宽限", "延长期限", "推迟", "多给几天", "缓几天"), form="5天 原因",
                usage=Usage("#申请延期 Q12 5天 原因", "申请延长整改期限（督导室批复）",
                            example="#申请延期 Q12 5天 需采购设备"))
async def request_extension(cmd: RequestExtension, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.REQUEST_EXTENSION)
    require(finding, ledger.REQUEST_EXTENSION, "申请延期")
    if not cmd.reason:
        raise UserError("errors/need_reason.j2", command="申请延期", ref=finding.number)
    if await ledger.pending_request(ctx.session, finding) is not None:
        raise UserError("findings/request_pending.j2", ref=ledger.ref(finding.number))
    wanted, base = extended_due(ctx, finding, cmd.deadline)
    await ledger.transition(ctx.session, finding, ledger.REQUEST_EXTENSION, actor_id=ctx.actor.person_id,
                            at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded,
                            asked=cmd.deadline.text, until=wanted.isoformat(), reason=cmd.reason)
    ref = ledger.ref(finding.number)
    finder = ctx.roster.people.get(finding.finder_id)
    values = dict(ref=ref, school=school.name, description=finding.description, by=ctx.actor.titled,
                  old=finding.due_date, new=wanted, asked=cmd.deadline.text, reason=cmd.reason,
                  finder=finder.titled if finder else "", base=base, since=ctx.today)
    office = ctx.roster.office_room()
    to_finder = announce(ctx, Change(school, "findings/request_made.j2", dict(values, office=bool(office)),
                                     act=mentionable([finder] if finder and finder.active else []),
                                     done=f"已提交 {ref} 的延期申请"))
    buttons = tuple(Button(ctx.renderer.render("findings/request_button.j2", verdict=verdict), command)
                    for verdict, command in (("grant", f"#延期 {ref} {cmd.deadline.text} 同意申请"),
                                             ("refuse", f"#驳回 {ref}")))  # 驳回 then awaits its reason
    return [*to_finder, *to_office(ctx, "findings/request_office.j2", values, buttons=buttons)]


@router.command(RefuseExtension, "驳回", parse=parse_refusal, action=Action.EXTEND,
                help={"驳回": "help/refuse_extension.j2"}, takes_ids=True,
                usage=Usage("#驳回 Q12 原因", "不同意延期申请", example="#驳回 Q12 整改时间充足"))
async def refuse_extension(cmd: RefuseExtension, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.EXTEND)
    require(finding, ledger.REFUSE_EXTENSION, "驳回延期申请")  # closed meanwhile: nothing left to refuse
    request = await ledger.pending_request(ctx.session, finding)
    if request is None:
        raise UserError("findings/request_none.j2", ref=ledger.ref(finding.number))
    await ledger.transition(ctx.session, finding, ledger.REFUSE_EXTENSION, actor_id=ctx.actor.person_id,
                            at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded,
                            reason=cmd.reason)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, reason=cmd.reason, due=finding.due_date, by=ctx.actor.titled,
                  asked=request.data.get("asked", ""), overdue=ctx.now >= finding.deadline_at)
    return announce(ctx, Change(school, "findings/request_refused.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"已驳回 {ref} 的延期申请"))
