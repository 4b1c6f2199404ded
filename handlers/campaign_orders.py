"""The office's 专项督导 commands: #专项督导 declares a campaign, #专项进度 shows how far it is (to anyone, over the
schools they may see), #专项通报 sends its 通报 as a Word document (figures as of a day).

    #专项督导 双减 “双减”政策落实专项督导 3月1日-3月31日 范围 全部 检查项 作业总量控制；课后服务开展；校外培训治理
    #专项督导 办园行为专项督导 4月1日-4月20日 范围 幼儿园 检查项 1.保教结合 2.去小学化 检查人 周永红、李明
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.contract import CommandContext, Reply, UserError
from bot.domain.campaign_words import KINDS, ScopeSpec, kind_in, kind_named
from bot.domain.permissions import Action
from bot.obligations.campaigns import CampaignInfo, campaign_named, declare, roster_scope
from bot.parsing.dates import DateRangeError, parse_date_range
from bot.parsing.normalize import split_words, strip_separators
from bot.reports.campaign_progress import progress
from bot.routing import Router, Usage
from handlers.steps.campaign_lookup import campaign_for
from handlers.steps.lookup import need
from handlers.steps.reach import here_or_private, shows, shows_all
from handlers.steps.views import export_path

router = Router("campaign_orders")
_MARKS = {"范围": "scope", "检查范围": "scope", "对象": "scope", "检查项": "items", "检查内容": "items",
          "清单": "items", "检查人": "checkers", "督查人": "checkers"}
_MARK = re.compile("(" + "|".join(sorted(_MARKS, key=len, reverse=True)) + r")\s*:?")
_ITEM_SPLIT = re.compile(r"[；;\n]+|\s*(?:^|\s)[（(]?\d{1,2}[.、．)）]\s*")
_LIST_SPLIT = re.compile(r"[、,，;；\s]+")
MAX_ITEMS = 30
AS_OF_WORDS = ("截至", "截止", "截至到")


@dataclass(frozen=True)
class DeclareCampaign:
    """#专项督导 [类别] 名称 起止日期 范围 … 检查项 … [检查人 …]: the parts as written, read by the handler."""

    text: str


def parse_declare(word: str, rest: str) -> DeclareCampaign:
    if not rest.strip():
        raise UserError("campaigns/declare_usage.j2", kinds=KINDS)
    return DeclareCampaign(text=rest)


def parts(text: str) -> dict[str, str]:
    """head (kind, name, window), scope, items, checkers: the text split at the marker words."""
    marks = list(_MARK.finditer(text))
    found = {"head": text[:marks[0].start()] if marks else text}
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        found.setdefault(_MARKS[mark.group(1)], text[mark.end():end].strip())
    return found


def split_items(text: str) -> list[str]:
    """A checklist as typed: items separated by ；, new lines or numbers (1. 2、 (3)); a single run with 、 too."""
    items = [strip_separators(i) for i in _ITEM_SPLIT.split(text) if i and strip_separators(i)]
    if len(items) == 1 and "、" in items[0]:
        items = [strip_separators(i) for i in items[0].split("、") if strip_separators(i)]
    return items


@router.command(DeclareCampaign, "专项督导", parse=parse_declare, action=Action.DECLARE_CAMPAIGN,
                help={"专项督导": "help/campaign_declare.j2"},
                usage=Usage("#专项督导 类别 名称 起止日期 范围 … 检查项 …", "发布专项督导",
                            example="#专项督导 双减 双减落实专项督导 范围 全部 检查项 作业总量控制、课后服务"))
async def declare_campaign(cmd: DeclareCampaign, ctx: CommandContext) -> list[Reply]:
    need(ctx, Action.DECLARE_CAMPAIGN)
    found = parts(cmd.text)
    kind, name, starts, ends = _head(ctx, found["head"])
    if await campaign_named(ctx.session, name) is not None:
        raise UserError("campaigns/declare_twice.j2", name=name)
    items = split_items(found.get("items", ""))
    if not items or len(items) > MAX_ITEMS:
        raise UserError("campaigns/declare_items.j2", count=len(items), most=MAX_ITEMS)
    scope = _scope(ctx, found.get("scope", ""))
    checkers = _checkers(ctx, found.get("checkers", ""))
    row = await declare(ctx.session, name=name, kind=kind, starts=starts, ends=ends, scope=scope, items=items,
                        checkers=[p.id for p in checkers], source="chat", created_by=ctx.actor.person_id,
                        at=ctx.now)
    campaign = await campaign_for(ctx, row.name)
    covered = campaign.schools(ctx.roster)
    return [Reply("campaigns/declared.j2", dict(
        name=name, kind=kind, starts=starts, ends=ends, items=[i.label for i in campaign.items],
        schools=len(covered), scope=found.get("scope") or "全部", checkers=[p.name for p in checkers]))]


def _head(ctx: CommandContext, head: str) -> tuple[str, str, date, date]:
    """(kind, name, first day, last day) from the words before 范围: 双减 名称 3月1日-3月31日."""
    try:
        window = parse_date_range(head, ctx.today)
    except DateRangeError:
        raise UserError("campaigns/declare_window.j2") from None
    if window.ends < ctx.today:
        raise UserError("campaigns/declare_past.j2", ends=window.ends)
    words = split_words(f"{window.before} {window.after}")
    kind = kind_named(words[0]) if words else None
    name = strip_separators(" ".join(words[1:] if kind and len(words) > 1 else words))
    kind = kind or kind_in(name)
    if not name or name == kind:  # only the kind: 双减专项督导
        name = f"{kind}专项督导"
    return kind, name, window.starts, window.ends


def _scope(ctx: CommandContext, text: str) -> ScopeSpec:
    names = [n for n in _LIST_SPLIT.split(text) if n]
    scope, unknown = roster_scope(names, ctx.roster, lambda n: ctx.schools.resolve(n).school)
    if unknown:
        raise UserError("campaigns/scope_unknown.j2", words=unknown)
    return scope


def _checkers(ctx: CommandContext, text: str) -> list:
    names = [n for n in _LIST_SPLIT.split(text) if n]
    people = {p.name: p for p in ctx.roster.people.values() if p.active and p.role in ("督学", "督导室")}
    unknown = [n for n in names if n not in people]
    if unknown:
        raise UserError("campaigns/checker_unknown.j2", words=unknown)
    return [people[n] for n in dict.fromkeys(names)]


@dataclass(frozen=True)
class CampaignProgress:
    """#专项进度 [专项]"""

    campaign: str | None = None


@router.command(CampaignProgress, "专项进度", action=Action.VIEW, help={"专项进度": "help/campaign_progress.j2"},
                parse=lambda word, rest: CampaignProgress(" ".join(split_words(rest)) or None),
                usage=Usage("#专项进度 专项", "专项督导进度", example="#专项进度 双减"))
async def campaign_progress(cmd: CampaignProgress, ctx: CommandContext) -> list[Reply]:
    """Schools done / due by district, and the items found 不符合 by school — over the schools the sender may see,
    here when this room may show them all, else privately."""
    campaign = await campaign_for(ctx, cmd.campaign)
    visible = ctx.roster.visible_schools(ctx.actor)
    covered = [s for s in campaign.schools(ctx.roster) if s.id in visible]
    if not covered:
        raise UserError("campaigns/none_of_yours.j2", name=campaign.name)
    found = await progress(ctx.session, ctx.roster, campaign, {s.id for s in covered})
    everything = ctx.actor.is_office or len(covered) == len(campaign.schools(ctx.roster))
    reply = Reply("campaigns/progress.j2", dict(found, **_window(campaign, ctx), mine=not everything))
    return here_or_private(ctx, all(shows(ctx, s) for s in covered), campaign.name, reply)


def _window(campaign: CampaignInfo, ctx: CommandContext) -> dict:
    return dict(name=campaign.name, starts=campaign.starts, ends=campaign.ends, state=campaign.state(ctx.today))


@dataclass(frozen=True)
class CampaignBulletin:
    """#专项通报 [专项] [截至 3月20日]"""

    text: str = ""


@router.command(CampaignBulletin, "专项通报", action=Action.DIGEST, help={"专项通报": "help/campaign_bulletin.j2"},
                parse=lambda word, rest: CampaignBulletin(rest.strip()),
                usage=Usage("#专项通报 专项 [截至日期]", "专项督导通报（Word）", example="#专项通报 双减"))
async def campaign_bulletin(cmd: CampaignBulletin, ctx: CommandContext) -> list[Reply]:
    """The campaign's 通报 as a Word document, every figure as of the day named (today by default) — where the
    office may see every school (its room, or privately)."""
    need(ctx, Action.DIGEST)
    if not shows_all(ctx):
        raise UserError("digests/office_room_only.j2")
    day, rest = _as_of(ctx, cmd.text)
    campaign = await campaign_for(ctx, rest or None)
    # imported here: python-docx only when a document is asked for (memory)
    from bot.reports.bulletin_doc import TemplateUnusable, date_cn, write_bulletin_doc
    from bot.reports.campaign_doc import CAMPAIGN_TEMPLATE, campaign_doc_values

    values = await campaign_doc_values(ctx.session, ctx.roster, campaign, day, ctx.now)
    path = export_path(ctx, f"{campaign.name}通报", ".docx")
    try:
        write_bulletin_doc(values, path, ctx.settings.campaign_template or CAMPAIGN_TEMPLATE)
    except TemplateUnusable as err:
        raise UserError("digests/bulletin_template_bad.j2", **err.values()) from None
    return [Reply("campaigns/bulletin_document.j2", dict(name=campaign.name, as_of=date_cn(day), file=path.name,
                                                            year=ctx.today.year),
                  files=(str(path),))]


def _as_of(ctx: CommandContext, text: str) -> tuple[date, str]:
    """The day named (`截至 3月20日`, `3月20日`; today when none) and the words left; a day to come is refused."""
    try:
        found = parse_date_range(text, ctx.today)
    except DateRangeError:
        return ctx.today, text
    if found.starts > ctx.today:
        raise UserError("campaigns/as_of_future.j2", day=found.starts)
    rest = strip_separators(" ".join(w for w in split_words(f"{found.before} {found.after}") if w not in AS_OF_WORDS))
    return found.starts, rest
