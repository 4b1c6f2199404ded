"""#问题: a supervisor logs a finding (发现问题) at a school."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.deadlines import DeadlineError, DeadlineSpec, find_deadline
from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply, UserError
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import split_words
from bot.routing import Router
from handlers.common import due_on, mentionable, need, school_from_words
from handlers.reach import Change, announce

router = Router("findings")
SEVERITIES = ("一般", "较重", "严重")


@dataclass(frozen=True)
class NewFinding:
    """#问题 <学校> [类别] <描述> [限期] [一般/较重/严重]. `words` still holds school, category and description."""

    words: tuple[str, ...]
    deadline: DeadlineSpec | None = None
    severity: str | None = None


def parse_finding(word: str, rest: str) -> NewFinding:
    try:
        deadline, rest = find_deadline(rest)
    except DeadlineError as err:
        raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err
    words = list(split_words(rest))
    severity = next((w for w in words if w in SEVERITIES), None)
    if severity:
        words.remove(severity)
    if not words:
        raise UserError("errors/finding_usage.j2")
    return NewFinding(words=tuple(words), deadline=deadline, severity=severity)


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


@router.command(NewFinding, "问题", "发现", "督查", parse=parse_finding, action=Action.LOG_FINDING,
                help={"问题": "help/log_finding.j2"})
async def log_finding(cmd: NewFinding, ctx: CommandContext) -> list[Reply]:
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.LOG_FINDING, school=school)
    category, rest = _category(ctx, rest)
    description = " ".join(rest).strip()
    if not description:
        raise UserError("errors/finding_usage.j2")
    twin = await ledger.same_finding_since(ctx.session, school_id=school.id, finder_id=ctx.actor.person_id,
                                          description=description,
                                          since=ctx.now - timedelta(minutes=ctx.settings.duplicate_finding_minutes))
    if twin is not None:  # a double tap or a resend: answered with the first one's id, never logged twice
        return [Reply("findings/duplicate.j2", dict(ref=ledger.ref(twin.number), at=ctx.local(twin.created_at)))]
    severity = cmd.severity or "一般"
    spec: DeadlineSpec = cmd.deadline or ctx.roster.policy.default_deadline[severity]
    due = due_on(spec, ctx.today, ctx)
    finding = await ledger.create_finding(
        ctx.session, school_id=school.id, category=category, severity=severity, description=description,
        due=due, tz=ctx.roster.tz, finder_id=ctx.actor.person_id, room_chat_id=ctx.inbound.room,
        at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text,
    )
    principals = mentionable(ctx.roster.principals_of(school.id))
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, category=category, severity=severity, description=description,
                  due=due, finder=ctx.actor.name, principals=[p.name for p in principals],
                  explicit_deadline=cmd.deadline is not None)
    return announce(ctx, Change(school, "findings/created.j2", values, act=principals, done=f"已登记 {ref}",
                                notice="findings/notice.j2"))
