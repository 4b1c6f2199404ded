"""#申诉 Q12 原因 (the school's principal appeals a finding) and #申诉 Q12 维持 / 撤销 原因 / 修改 … (the office
decides) — the way #申请延期 and #延期 / #驳回 go, one word for both sides.

The appeal reaches the office room (the office people @-mentioned; privately when there is no office room) and the
finder. Until the office decides, the finding is 申诉中 — a flag over its state (bot.ledger.lifecycle): neither kind
of overdue counts, its reminders pause, and the changes the decision settles wait. The decision:
- 维持: the finding goes on as it was, its deadline too (the days spent in appeal are not added: a deadline that
  passed meanwhile is 整改逾期 again at once) — unless the office names a new one, `维持 期限 9月20日前` (counted
  from today, later than the old one; recorded as a 延期);
- 撤销: the finding is withdrawn as #撤销 does, with the reason;
- 修改: the correction is applied as #修改 does (描述 / 类别 / 期限 / 程度).
The appeal and the decision are events in the finding's history; the principal and the finder hear the decision.
The office is reminded of appeals waiting longer than policy.appeal_within working days (reminders/appeals_waiting.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.contract import CommandContext, Reply, UserError
from bot.domain.deadlines import DeadlineSpec
from bot.domain.permissions import Action, can
from bot.domain.roster import SchoolInfo
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import strip_separators
from bot.parsing.parser import parse_ref
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.amend import Amend, new_value, parse_amend
from handlers.steps.lookup import deadline_and_rest, due_on, finding_for, require
from handlers.steps.reach import Change, announce, to_office
from handlers.steps.views import mentionable

router = Router("appeals")
UPHOLD, WITHDRAW, AMEND = "维持", "撤销", "修改"
OUTCOMES = (UPHOLD, WITHDRAW, AMEND)
DEADLINE_WORDS = ("整改期限", "期限")


@dataclass(frozen=True)
class Appeal:
    ref: int
    text: str = ""  # the principal's reason, or the office's decision (read_decision)


@dataclass(frozen=True)
class Decision:
    outcome: str  # 维持 / 撤销 / 修改
    reason: str = ""
    deadline: DeadlineSpec | None = None  # 维持 期限 …: a new deadline
    amend: Amend | None = None  # 修改 …: the correction


def parse_appeal(word: str, rest: str) -> Appeal:
    ref, text = parse_ref(rest, word)
    return Appeal(ref=ref, text=text)


def names_outcome(text: str) -> bool:
    return text.startswith(OUTCOMES)


def read_decision(ref: int, text: str) -> Decision | None:
    """The office's decision written after the id (None: it names none); a polite error for one that cannot be
    read."""
    outcome = next((o for o in OUTCOMES if text.startswith(o)), None)
    if outcome is None:
        return None
    tail = strip_separators(text[len(outcome):].strip())
    if outcome == AMEND:
        amend = parse_amend(AMEND, f"Q{ref} {tail}")
        if amend.field in ("school_id", "source"):  # the school or the source is corrected with #修改, not by an appeal
            raise UserError("findings/appeal_decide_usage.j2", ref=ledger.ref(ref))
        return Decision(outcome, amend=amend)
    if outcome == WITHDRAW:
        if not tail:
            raise UserError("findings/appeal_need_reason.j2", ref=ledger.ref(ref), office=True)
        return Decision(outcome, reason=tail)
    label = next((w for w in DEADLINE_WORDS if tail.startswith(w)), None)
    if label is None:
        return Decision(outcome, reason=tail)
    reason, spec = _deadline(ref, strip_separators(tail[len(label):].strip()))
    return Decision(outcome, reason=reason, deadline=spec)


def _deadline(ref: int, text: str) -> tuple[str, DeadlineSpec]:
    """维持 期限 …: the new deadline and the reason that follows it."""
    spec, left = deadline_and_rest(text)
    if spec is None:
        raise UserError("findings/appeal_decide_usage.j2", ref=ref)
    return left, spec


@router.command(Appeal, "申诉", "申述", parse=parse_appeal, action=(Action.APPEAL, Action.DECIDE_APPEAL),
                help={"申诉": "help/appeal.j2"}, takes_ids=True, hints=("有异议", "不认可", "不服"), form="理由",
                usage=(Usage("#申诉 Q12 理由", "对本校的问题提出申诉（督导室决定）", Action.APPEAL,
                             example="#申诉 Q12 冷库由配送公司管理"),
                       Usage("#申诉 Q12 维持 / 撤销 原因 / 修改 …", "对申诉作出决定", Action.DECIDE_APPEAL,
                             example="#申诉 Q12 维持 证据充分")))
async def appeal(cmd: Appeal, ctx: CommandContext) -> list[Reply]:
    # the office decides; a principal's words are an appeal whatever they begin with ("撤销 此问题不属实"); anyone
    # else is refused for what they wrote: a decision, or an appeal
    if can(ctx.actor, Action.DECIDE_APPEAL) or (names_outcome(cmd.text) and not ctx.actor.is_principal):
        return await _decide(cmd, ctx)
    return await _appeal(cmd, ctx)


async def _appeal(cmd: Appeal, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.APPEAL)
    ref = ledger.ref(finding.number)
    if ledger.appealing(finding):
        raise UserError("findings/appeal_pending.j2", ref=ref)
    require(finding, ledger.APPEAL, "申诉")  # 已销号 / 已撤销: the real reason
    if not cmd.text:
        raise UserError("findings/appeal_need_reason.j2", ref=ref, office=False)
    await ledger.appeal(ctx.session, finding, actor_id=ctx.actor.person_id, at=ctx.now,
                        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, reason=cmd.text)
    finder = ctx.roster.people.get(finding.finder_id)
    values = dict(ref=ref, school=school.name, description=finding.description, by=ctx.actor.titled,
                  reason=cmd.text, due=finding.due_date, status=ledger.STATUS_LABELS[finding.status],
                  finder=finder.titled if finder else "", office=ctx.roster.office_room() is not None)
    to_finder = announce(ctx, Change(school, "findings/appeal_made.j2", values,
                                     act=mentionable([finder] if finder and finder.active else []),
                                     done=f"已提交 {ref} 的申诉"))
    return [*to_finder, *to_office(ctx, "findings/appeal_office.j2", values)]


async def _decide(cmd: Appeal, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.DECIDE_APPEAL)
    ref = ledger.ref(finding.number)
    decision = read_decision(finding.number, cmd.text)
    if not ledger.appealing(finding):
        require(finding, ledger.DECIDE_APPEAL, "对申诉作出决定")  # closed: its state says why
        raise UserError("findings/appeal_none.j2", ref=ref, decided=decision is not None)
    if decision is None:
        raise UserError("findings/appeal_decide_usage.j2", ref=ref)
    change = _checked(decision, finding, ctx)  # every check before anything is written
    field = decision.amend.field if decision.amend else ""
    old = getattr(finding, field) if field else finding.due_date
    await ledger.decide_appeal(ctx.session, finding, decision.outcome, actor_id=ctx.actor.person_id, at=ctx.now,
                               message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, reason=decision.reason)
    if decision.outcome == WITHDRAW:  # as #撤销
        await ledger.transition(ctx.session, finding, ledger.WITHDRAW, actor_id=ctx.actor.person_id, at=ctx.now,
                                message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded,
                                reason=decision.reason)
    elif decision.amend is not None:  # as #修改
        await ledger.correct(ctx.session, finding, decision.amend.field, change, ctx.roster.tz,
                             actor_id=ctx.actor.person_id, at=ctx.now, message_id=ctx.inbound.message_id,
                             raw_text=ctx.inbound.recorded)
    elif isinstance(change, date):  # 维持 期限 …: a new deadline, as #延期
        await ledger.extend(ctx.session, finding, change, ctx.roster.tz, actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded,
                            reason=decision.reason or "申诉维持，重定期限")
    return _told(ctx, finding, school, decision, old, change)


def _checked(decision: Decision, finding: m.Finding, ctx: CommandContext) -> object:
    """What the decision changes, checked: the corrected value (修改), the new due day (维持 期限), or None."""
    ref = ledger.ref(finding.number)
    if decision.amend is not None:
        value = new_value(decision.amend, ctx)
        if value == getattr(finding, decision.amend.field):
            raise UserError("findings/amend_same.j2", ref=ref, field=ledger.CORRECTABLE[decision.amend.field])
        return value
    if decision.deadline is not None:
        new = due_on(decision.deadline, ctx.today, ctx)
        if new <= finding.due_date:
            raise UserError("errors/extend_not_later.j2", ref=ref, old=finding.due_date, new=new)
        return new
    return None


def _told(ctx: CommandContext, finding: m.Finding, school: SchoolInfo, decision: Decision, old: object,
          new: object) -> list[Reply]:
    """The decision, to the school's principal and the finder (who heard the appeal): `old` and `new`, the
    corrected field's values (修改) or the due days (维持; `new` None when the deadline stands)."""
    ref = ledger.ref(finding.number)
    finder = ctx.roster.people.get(finding.finder_id)
    field = decision.amend.field if decision.amend else ("due_date" if new is not None else "")
    values = dict(ref=ref, school=school.name, description=finding.description, outcome=decision.outcome,
                  reason=decision.reason, by=ctx.actor.titled, due=finding.due_date,
                  overdue=ctx.now >= finding.deadline_at, rectified=finding.status == ledger.RECTIFIED,
                  field=ledger.CORRECTABLE.get(field, ""), old=old, new=new)
    act = [*ctx.roster.principals_of(school.id), *([finder] if finder and finder.active else [])]
    return announce(ctx, Change(school, "findings/appeal_decided.j2", values, act=mentionable(act),
                                done=f"已对 {ref} 的申诉作出决定（{decision.outcome}）"))
