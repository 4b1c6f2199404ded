"""#修改 Q12 描述|类别|期限|严重程度|学校|来源 …: the finder or the office corrects an open finding; an event in its
history (a past report shows the finding as it stood then); the principal is told — of a finding moved to another
school, the new school's principal, and the old school's hears it has gone.

来源 (bot.domain.sources) is stored as its code and shown by its label. A 专项督导 finding (a 不符合 item of a
campaign's checklist, campaign_id set) keeps its source: it is the campaign's; and no other finding becomes 专项督导,
for it would be a campaign finding tied to no campaign."""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain import sources
from bot.domain.deadlines import DeadlineError, DeadlineSpec, find_deadline
from bot.domain.permissions import Action
from bot.domain.roster import SchoolInfo
from bot.domain.visibility import home_room
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import strip_separators
from bot.parsing.parser import parse_ref
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.findings import SEVERITIES
from handlers.steps.lookup import due_on, finding_for, need, require, resolve_school
from handlers.steps.reach import Change, announce
from handlers.steps.views import mentionable

router = Router("amend")
# what people call each field, longest first when read
FIELDS = {"描述": "description", "问题描述": "description", "内容": "description", "类别": "category",
          "分类": "category", "期限": "due_date", "整改期限": "due_date", "严重程度": "severity", "程度": "severity",
          "学校": "school_id", "单位": "school_id", "来源": "source", "问题来源": "source"}


@dataclass(frozen=True)
class Amend:
    ref: int
    field: str  # description / category / due_date / severity / school_id / source
    value: str = ""
    deadline: DeadlineSpec | None = None


def parse_amend(word: str, rest: str) -> Amend:
    ref, tail = parse_ref(rest, word)
    if tail in SEVERITIES:  # #修改 Q12 严重
        return Amend(ref, "severity", tail)
    label = next((w for w in sorted(FIELDS, key=len, reverse=True) if tail.startswith(w)), None)
    value = strip_separators(tail[len(label):].strip()) if label else ""
    if label is None or not value:
        raise UserError("findings/amend_usage.j2", ref=ref)
    field = FIELDS[label]
    if field == "due_date":
        try:
            spec, left = find_deadline(value)
        except DeadlineError as err:
            raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err
        if spec is None or strip_separators(left):
            raise UserError("findings/amend_usage.j2", ref=ref)
        return Amend(ref, field, value, spec)
    if field == "severity" and value not in SEVERITIES:
        raise UserError("findings/amend_usage.j2", ref=ref)
    return Amend(ref, field, value)


@router.command(Amend, "修改", "更正", parse=parse_amend, action=Action.CORRECT, help={"修改": "help/amend.j2"},
                takes_ids=True, usage=Usage("#修改 Q12 描述/类别/期限/来源 新内容", "更正未销号的问题",
                                            example="#修改 Q12 类别 食品卫生"))
async def amend(cmd: Amend, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.CORRECT)
    require(finding, ledger.CORRECT, "修改")
    if cmd.field == "school_id":
        return await _move(cmd, ctx, finding, school)
    new = new_value(cmd, ctx)
    old = getattr(finding, cmd.field)
    if new == old:
        raise UserError("findings/amend_same.j2", ref=ledger.ref(finding.number),
                        field=ledger.CORRECTABLE[cmd.field])
    if cmd.field == "source":
        await _source_may_change(ctx, finding, str(new))
    await ledger.correct(ctx.session, finding, cmd.field, new, ctx.roster.tz, actor_id=ctx.actor.person_id,
                         at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded)
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, field=ledger.CORRECTABLE[cmd.field], old=shown(cmd.field, old),
                  new=shown(cmd.field, new),
                  by=ctx.actor.titled, description=finding.description, due=finding.due_date)
    return announce(ctx, Change(school, "findings/amended.j2", values,
                                act=mentionable(ctx.roster.principals_of(school.id)), done=f"已修改 {ref}"))


async def _move(cmd: Amend, ctx: CommandContext, finding: m.Finding, school: SchoolInfo) -> list[Reply]:
    """#修改 Q12 学校 …: the finding belongs to another school (the sender must be allowed to correct it there)."""
    to = resolve_school(ctx, cmd.value)
    ref = ledger.ref(finding.number)
    if to.id == school.id:
        raise UserError("findings/amend_same.j2", ref=ref, field=ledger.CORRECTABLE[cmd.field])
    need(ctx, Action.LOG_FINDING, school=to)  # as if logging it there: the office, or a supervisor of that school
    await ledger.correct(ctx.session, finding, cmd.field, to.id, ctx.roster.tz, actor_id=ctx.actor.person_id,
                         at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded)
    values = dict(ref=ref, school=to.name, field=ledger.CORRECTABLE[cmd.field], old=school.name, new=to.name,
                  by=ctx.actor.titled, description=finding.description, due=finding.due_date)
    replies = announce(ctx, Change(to, "findings/amended.j2", values,
                                   act=mentionable(ctx.roster.principals_of(to.id)), done=f"已修改 {ref}"))
    gone = home_room(ctx.roster, school)
    if gone is not None:  # the old school's people: it is no longer theirs to rectify
        replies.append(Reply("findings/moved_away.j2", dict(ref=ref, school=school.name, to=to.name, by=values["by"]),
                             mention=mentionable(ctx.roster.principals_of(school.id)), room=gone.chat_id))
    return replies


async def _source_may_change(ctx: CommandContext, finding: m.Finding, new: str) -> None:
    """A campaign's finding keeps 专项督导, and no other finding takes it (see the module's docstring)."""
    ref = ledger.ref(finding.number)
    if finding.campaign_id is not None:
        campaign = await ctx.session.get(m.Campaign, finding.campaign_id)
        raise UserError("findings/amend_source_campaign.j2", ref=ref, campaign=campaign.name if campaign else "",
                        new=sources.label(new))
    if new == sources.CAMPAIGN:
        raise UserError("findings/amend_source_to_campaign.j2", ref=ref, old=sources.label(finding.source),
                        choices=sources.choices(but=sources.CAMPAIGN))


def shown(field: str, value: object) -> object:
    """A field's value as the reply writes it: a source by its label."""
    return sources.label(str(value)) if field == "source" else value


def new_value(cmd: Amend, ctx: CommandContext) -> object:
    """The new value of the field, checked: a county category, a due date from today, a known source (its code)."""
    if cmd.field == "category":
        for cat in ctx.roster.policy.categories:
            if cmd.value == cat.name or cmd.value in cat.aliases:
                return cat.name
        raise UserError("findings/amend_category.j2", value=cmd.value,
                        names=[c.name for c in ctx.roster.policy.categories])
    if cmd.field == "due_date":
        assert cmd.deadline is not None  # parse_amend gives every due_date one
        return due_on(cmd.deadline, ctx.today, ctx)
    if cmd.field == "source":
        source = sources.source_named(cmd.value)
        if source is None:
            raise UserError("errors/source_unknown.j2", word=cmd.value, choices=sources.choices())
        return source.code
    return cmd.value
