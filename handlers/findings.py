"""#问题 (log a finding), #撤销 (withdraw), #延期 (extend the deadline)."""
from __future__ import annotations

from datetime import date

from bot.domain.deadlines import DeadlineError, DeadlineSpec, due_date
from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply, UserError
from bot.ledger import lifecycle as ledger
from bot.parsing import commands as c
from handlers.common import finding_for, mentionable, need, school_from_words


def _category(ctx: CommandContext, words: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """An explicit category as the first word, else the first category whose name or alias the text mentions."""
    categories = ctx.roster.policy.categories
    if words:
        for cat in categories:
            if words[0] == cat.name or words[0] in cat.aliases:
                return cat.name, words[1:]
    text = " ".join(words)
    for cat in categories:
        if any(word and word in text for word in (cat.name, *cat.aliases)):
            return cat.name, words
    return "其他", words


def _due(spec: DeadlineSpec, start: date, ctx: CommandContext) -> date:
    try:
        return due_date(spec, start, ctx.roster.calendar)
    except DeadlineError as err:  # e.g. an explicit date already past
        raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err


async def log_finding(cmd: c.NewFinding, ctx: CommandContext) -> list[Reply]:
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.LOG_FINDING, school=school)
    category, rest = _category(ctx, rest)
    description = " ".join(rest).strip()
    if not description:
        raise UserError("errors/finding_usage.j2")
    severity = cmd.severity or "一般"
    spec: DeadlineSpec = cmd.deadline or ctx.roster.policy.default_deadline[severity]
    due = _due(spec, ctx.today, ctx)
    finding = await ledger.create_finding(
        ctx.session, school_id=school.id, category=category, severity=severity, description=description,
        due=due, tz=ctx.roster.tz, finder_id=ctx.actor.person_id, room_chat_id=ctx.inbound.room,
        at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text,
    )
    principals = mentionable(ctx.roster.principals_of(school.id))
    values = dict(ref=ledger.ref(finding.number), school=school.name, category=category, severity=severity,
                  description=description, due=due, finder=ctx.actor.name,
                  principals=[p.name for p in principals], explicit_deadline=cmd.deadline is not None)
    replies = [Reply("findings/created.j2", values, mention=principals)]
    school_room = ctx.roster.room_for_school(school.id)
    if school_room and school_room.chat_id != ctx.inbound.room and principals:
        replies.append(Reply("findings/notice.j2", values, mention=principals, room=school_room.chat_id))
    return replies


async def withdraw(cmd: c.Withdraw, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.WITHDRAW)
    if finding.status not in ledger.ACTIVE:
        raise UserError("errors/wrong_state.j2", ref=ledger.ref(finding.number),
                        status=ledger.STATUS_LABELS[finding.status], action="撤销")
    finding.status = ledger.WITHDRAWN
    finding.closed_at = ctx.now
    await ledger.record(ctx.session, finding, "withdrawn", actor_id=ctx.actor.person_id, at=ctx.now,
                        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text, reason=cmd.reason)
    principals = mentionable(ctx.roster.principals_of(school.id))
    return [Reply("findings/withdrawn.j2", dict(ref=ledger.ref(finding.number), school=school.name,
                                                 reason=cmd.reason, by=ctx.actor.name), mention=principals)]


async def extend(cmd: c.Extend, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.EXTEND)
    if finding.status not in ledger.ACTIVE:
        raise UserError("errors/wrong_state.j2", ref=ledger.ref(finding.number),
                        status=ledger.STATUS_LABELS[finding.status], action="延期")
    old = finding.due_date
    base = max(old, ctx.today)  # "延期5天" moves the deadline on from the old one (or today, if already past)
    new = _due(cmd.deadline, base if cmd.deadline.kind != "date" else ctx.today, ctx)
    if new <= old:
        raise UserError("errors/extend_not_later.j2", ref=ledger.ref(finding.number), old=old, new=new)
    finding.due_date, finding.deadline_at = new, ledger.deadline_instant(new, ctx.roster.tz)
    await ledger.record(ctx.session, finding, "extended", actor_id=ctx.actor.person_id, at=ctx.now,
                        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text, old=old.isoformat(),
                        new=new.isoformat(), reason=cmd.reason)
    principals = mentionable(ctx.roster.principals_of(school.id))
    return [Reply("findings/extended.j2", dict(ref=ledger.ref(finding.number), school=school.name, old=old,
                                                new=new, reason=cmd.reason), mention=principals)]
