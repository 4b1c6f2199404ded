"""#查询 Q12 (a finding's details and history) and #清单 [逾期|待验收] [学校] (the open findings), limited to what the
sender may see."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.contract import CommandContext, Reply
from bot.domain import figures, sources
from bot.domain.permissions import Action
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import split_words
from bot.parsing.parser import FindingRefs, is_ref, parse_refs
from bot.reports.requests import SHOWN, pending_appeals, pending_requests
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import finding_for
from handlers.steps.reach import elsewhere, for_each
from handlers.steps.scope import answer, logged_in, scope_and_period
from handlers.steps.views import finding_line, status_label

router = Router("queries")
LIST_LIMIT = 15
_LONE_Q = re.compile(r"^[Qq](?![A-Za-z])")  # "#查询 Q" with no number: an id was meant, not a school
_LIST_FILTERS = {"逾期": "overdue", "整改逾期": "overdue", "验收超期": "verify_late", "待验收": "rectified",
                 "待整改": "open", "申诉中": "appealing", "申诉": "appealing"}


@dataclass(frozen=True)
class Query(FindingRefs):
    """#查询 Q12 (or several: Q12、Q13)."""


@dataclass(frozen=True)
class ListFindings:
    filter: str | None = None  # None (all open), "overdue", "verify_late", "rectified", "open", "appealing"
    words: tuple[str, ...] = ()  # an optional school


def parse_query(word: str, rest: str) -> Query | ListFindings:
    if rest and not is_ref(rest) and not _LONE_Q.match(rest):  # "#查询 城口中学": people mean the school's list
        return ListFindings(words=split_words(rest))
    refs, _ = parse_refs(rest, word)
    return Query(ref=refs[0], more=refs[1:])


def parse_list(word: str, rest: str) -> ListFindings:
    words = list(split_words(rest))
    flt = next((w for w in words if w in _LIST_FILTERS), None)
    if flt:
        words.remove(flt)
    return ListFindings(filter=_LIST_FILTERS.get(flt or ""), words=tuple(words))


@router.command(Query, "查询", parse=parse_query, action=Action.VIEW, help={"查询": "help/query.j2"}, takes_ids=True,
                usage=Usage("#查询 Q12", "查看问题详情"))
async def query(cmd: Query, ctx: CommandContext) -> list[Reply]:
    return await for_each(ctx, cmd.refs, lambda number: _query_one(cmd, ctx, number))


async def _query_one(cmd: Query, ctx: CommandContext, number: int) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.VIEW)
    events = await ledger.events_of(ctx.session, finding)
    people = ctx.roster.people
    history = [dict(at=ctx.local(e.at), what=ledger.EVENT_LABELS.get(e.kind, e.kind),
                    who=people[e.actor_id].name if e.actor_id in people else "",
                    text=e.data.get("note") or e.data.get("reason") or "") for e in events]
    finder = people.get(finding.finder_id)
    request = ledger.pending_in(events)
    appeal = ledger.pending_appeal_in(events) if ledger.appealing(finding) else None
    return elsewhere(ctx, school, Reply("queries/finding.j2", dict(
        line=finding_line(ctx, finding), school=school.name, finder=finder.titled if finder else "",
        created=ctx.local(finding.created_at), status=status_label(finding, ctx.now, ctx.roster),
        source=sources.label(finding.source) if finding.source != sources.ROUTINE else None,
        photos=await evidence.counts(ctx.session, finding.id), history=history,
        request=dict(asked=request.data.get("asked", ""), reason=request.data.get("reason", "")) if request else None,
        appeal=dict(reason=appeal.data.get("reason", ""), at=ctx.local(appeal.at)) if appeal else None,
    )))


@router.command(ListFindings, "清单", parse=parse_list, action=Action.VIEW, help={"清单": "help/list.j2"},
                usage=Usage("#清单 [逾期|验收超期|待验收|申诉中] [时间] [学校/责任区]", "查看未销号问题",
                            example="#清单 逾期"))
async def list_findings(cmd: ListFindings, ctx: CommandContext) -> list[Reply]:
    scope, period = scope_and_period(ctx, cmd.words, "清单")
    q = select(m.Finding).where(scope.condition, logged_in(period, ctx), m.Finding.status.in_(ledger.ACTIVE))
    if cmd.filter == "overdue":  # 整改逾期: the school has not reported by the deadline (and has not appealed)
        q = q.where(m.Finding.status == ledger.OPEN, m.Finding.deadline_at <= ctx.now,
                    m.Finding.appealed_at.is_(None))
    elif cmd.filter == "verify_late":  # 验收超期: reported, not verified within verify_within working days
        r = ctx.roster
        q = q.where(m.Finding.status == ledger.RECTIFIED, m.Finding.appealed_at.is_(None),
                    m.Finding.rectified_at < figures.late_reports_before(ctx.now, r.tz, r.calendar,
                                                                         r.policy.verify_within.n))
    elif cmd.filter == "appealing":  # 申诉中: an appeal waits for the office's decision
        q = q.where(m.Finding.appealed_at.is_not(None))
    elif cmd.filter in ("rectified", "open"):
        q = q.where(m.Finding.status == cmd.filter)
    rows = list(await ctx.session.scalars(q.order_by(m.Finding.deadline_at, m.Finding.number).limit(LIST_LIMIT + 1)))
    total = len(rows) if len(rows) <= LIST_LIMIT else \
        await ctx.session.scalar(select(func.count()).select_from(q.subquery()))  # counted only past a page
    label = {"overdue": "整改逾期", "verify_late": "验收超期", "rectified": "待验收", "open": "待整改",
             "appealing": "申诉中"}.get(
        cmd.filter or "", "未销号")
    requests = await pending_requests(ctx.session, scope.condition) if ctx.actor.is_office else []
    appeals = (await pending_appeals(ctx.session, scope.condition))[:SHOWN] if ctx.actor.is_office else []
    for req in (*requests, *appeals):  # (not `r`: the roster above)
        school = ctx.roster.schools.get(req["school_id"])
        req["school"] = school.display if school else ""
    for appeal in appeals:
        appeal["at"] = ctx.local(appeal["at"])
    return answer(ctx, scope, Reply("queries/list.j2", dict(scope=scope.name + (f"{period.label}登记的" if period
                                                                                   else ""), label=label, total=total,
                                                            items=[finding_line(ctx, f) for f in rows[:LIST_LIMIT]],
                                                            requests=requests, appeals=appeals)))
