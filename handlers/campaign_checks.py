"""#专项检查 <专项> <学校> 1符合 2不符合 说明 3不适用: a supervisor records a school's 专项督导 checklist, item by item,
in one message or several. Each 不符合 item becomes a finding of the campaign (source 专项督导, the default deadline
of the policy); a later result for an item replaces the earlier one until every item has one (the school's check is
then complete and stays as it is). Anything wrong — a campaign, item or school that is not there, a day outside the
window, a school not the sender's — is answered with the reason, and nothing of the message is written."""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.category_words import categorise
from bot.domain.permissions import Action
from bot.domain.roster import SchoolInfo
from bot.domain.sources import BY_CODE
from bot.ledger import lifecycle as ledger
from bot.obligations.campaigns import FAIL, RESULT_LABELS, CampaignInfo, Result, complete, results, scope_label
from bot.parsing.normalize import drop_words, split_words
from bot.reports.lists import shown
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.campaign_lookup import Entry, campaign_for, read_results
from handlers.steps.lookup import due_on, need, school_from_words
from handlers.steps.reach import Change, announce, elsewhere
from handlers.steps.views import mentionable

router = Router("campaign_checks")
CAMPAIGN = BY_CODE["campaign"].code
REPLACED = "专项检查结果已更正"  # the reason a replaced 不符合 item's finding is withdrawn with


@dataclass(frozen=True)
class CampaignCheck:
    """#专项检查 <专项> [学校] <检查项><结果> [说明] …"""

    campaign: str
    text: str


def parse_campaign_check(word: str, rest: str) -> CampaignCheck:
    words = split_words(rest)
    if not words:
        raise UserError("campaigns/check_usage.j2", name="", items=[])
    return CampaignCheck(campaign=words[0], text=drop_words(rest, 1))


@router.command(CampaignCheck, "专项检查", parse=parse_campaign_check, action=Action.CAMPAIGN_CHECK,
                help={"专项检查": "help/campaign_check.j2"},
                usage=Usage("#专项检查 专项 学校 1符合 2不符合 说明", "登记专项督导检查结果",
                            example="#专项检查 双减 城口中学 1符合 2不符合 课后服务未全覆盖"))
async def campaign_check(cmd: CampaignCheck, ctx: CommandContext) -> list[Reply]:
    campaign, text = await _campaign_and_text(ctx, cmd)
    words = split_words(text)
    school, rest = school_from_words(ctx, words)
    text = drop_words(text, len(words) - len(rest))
    _may_check(ctx, campaign, school)
    current = (await results(ctx.session, campaign.id, school.id)).get(school.id, {})
    if complete(campaign, current):
        raise UserError("campaigns/complete_already.j2", name=campaign.name, school=school.name)
    entries = read_results(text, campaign, set(current))
    created: list[dict] = []
    withdrawn: list[str] = []
    for entry in entries:
        await _apply(ctx, campaign, school, entry, current.get(entry.item.id), created, withdrawn)
    await ctx.session.flush()
    now = (await results(ctx.session, campaign.id, school.id)).get(school.id, {})
    values = dict(name=campaign.name, school=school.name, created=created, withdrawn=withdrawn,
                  recorded=[dict(label=e.item.label, result=RESULT_LABELS[e.result], note=e.note) for e in entries],
                  unrecorded=[i.label for i in campaign.items if i.id not in now], done=complete(campaign, now),
                  **await _progress(ctx, campaign, school))
    if not created and not withdrawn:
        return elsewhere(ctx, school, Reply("campaigns/recorded.j2", values))
    principals = mentionable(ctx.roster.principals_of(school.id))
    done = "已登记" + "、".join(c["ref"] for c in created) if created else "已更正检查结果"
    return announce(ctx, Change(school, "campaigns/recorded.j2", dict(values, principals=[p.name for p in principals]),
                                act=principals, done=done, notice="campaigns/findings_notice.j2"))


async def _campaign_and_text(ctx: CommandContext, cmd: CampaignCheck) -> tuple[CampaignInfo, str]:
    """The campaign named first; when the first word is a school instead, the one campaign open today."""
    try:
        return await campaign_for(ctx, cmd.campaign), cmd.text
    except UserError:
        if ctx.schools.resolve(cmd.campaign).school is None:
            raise
    return await campaign_for(ctx, None), f"{cmd.campaign} {cmd.text}"


def _may_check(ctx: CommandContext, campaign: CampaignInfo, school: SchoolInfo) -> None:
    """Who checks (the people the campaign names, else the school's supervisors), the school covered, the window
    open — in that order, each refused with its reason."""
    if campaign.checkers and not ctx.actor.is_office:
        if ctx.actor.person_id not in campaign.checkers:
            names = [ctx.roster.people[p].name for p in campaign.checkers if p in ctx.roster.people]
            raise UserError("campaigns/not_checker.j2", name=campaign.name, names=names)
    else:
        need(ctx, Action.CAMPAIGN_CHECK, school=school)
    if not campaign.covers(ctx.roster, school.id):
        raise UserError("campaigns/not_covered.j2", name=campaign.name, school=school.name,
                        scope=scope_label(campaign, ctx.roster))
    state = campaign.state(ctx.today)
    if state != "open":
        raise UserError("campaigns/outside_window.j2", name=campaign.name, state=state, starts=campaign.starts,
                        ends=campaign.ends)


async def _apply(ctx: CommandContext, campaign: CampaignInfo, school: SchoolInfo, entry: Entry,
                 earlier: Result | None, created: list[dict], withdrawn: list[str]) -> None:
    """One item's result: the earlier one superseded (its finding withdrawn), the new one written, its finding
    logged when 不符合. The same result and note again changes nothing."""
    if earlier is not None:
        if (earlier.result, earlier.note) == (entry.result, entry.note):
            return
        withdrawn += await _supersede(ctx, earlier)
    finding = await _finding(ctx, campaign, school, entry) if entry.result == FAIL else None
    assert ctx.actor.person_id is not None  # need() lets only a person on the roster through
    ctx.session.add(m.CampaignResult(
        campaign_id=campaign.id, item_id=entry.item.id, school_id=school.id, result=entry.result, note=entry.note,
        person_id=ctx.actor.person_id, at=ctx.now, message_id=ctx.inbound.message_id,
        finding_id=finding.id if finding else None))
    if finding is not None:
        created.append(dict(ref=ledger.ref(finding.number), item=entry.item.label, description=finding.description,
                            category=finding.category, due=finding.due_date))


async def _supersede(ctx: CommandContext, earlier: Result) -> list[str]:
    row = await ctx.session.get(m.CampaignResult, earlier.row_id)
    assert row is not None
    row.superseded_at = ctx.now
    finding = await ctx.session.get(m.Finding, earlier.finding_id) if earlier.finding_id else None
    if finding is None or finding.status == ledger.WITHDRAWN:
        return []
    ref = ledger.ref(finding.number)
    if not ledger.allowed(finding, ledger.WITHDRAW) or ledger.paused(finding, ledger.WITHDRAW):
        raise UserError("campaigns/finding_moved_on.j2", ref=ref, status=ledger.STATUS_LABELS[finding.status],
                        appealing=ledger.appealing(finding))
    await ledger.transition(ctx.session, finding, ledger.WITHDRAW, actor_id=ctx.actor.person_id, at=ctx.now,
                            message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, reason=REPLACED)
    return [ref]


async def _finding(ctx: CommandContext, campaign: CampaignInfo, school: SchoolInfo, entry: Entry) -> m.Finding:
    """The 不符合 item as a finding of the campaign: the item and the note as its description, the category from
    their words (else the campaign's kind's), the policy's default deadline."""
    assert ctx.actor.person_id is not None
    description = f"{entry.item.title}：{entry.note}" if entry.note else f"{entry.item.title}不符合要求"
    categories = ctx.roster.policy.categories
    category = categorise(description, categories, fallback="") or categorise(campaign.kind, categories)
    due = due_on(ctx.roster.policy.default_deadline["一般"], ctx.today, ctx)
    return await ledger.create_finding(
        ctx.session, school_id=school.id, category=category, severity="一般", description=description, due=due,
        tz=ctx.roster.tz, finder_id=ctx.actor.person_id, room_chat_id=ctx.inbound.room, at=ctx.now,
        message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, source=CAMPAIGN,
        campaign_id=campaign.id, campaign=campaign.name, item=entry.item.number)


async def _progress(ctx: CommandContext, campaign: CampaignInfo, school: SchoolInfo) -> dict:
    """How far the school's district is, and which of the sender's own schools are still not complete."""
    found = await results(ctx.session, campaign.id)
    done = {sid for sid, recorded in found.items() if complete(campaign, recorded)}
    covered = campaign.schools(ctx.roster)
    in_district = [s for s in covered if s.district_id == school.district_id]
    mine = [s for s in covered if s.id in ctx.actor.supervised and s.id not in done]
    return dict(district=ctx.roster.districts[school.district_id].name, district_total=len(in_district),
                district_done=sum(1 for s in in_district if s.id in done), remaining=shown(s.display for s in mine))
