"""#问题: a supervisor logs a finding (发现问题) at a school — or several, written as a list in one message
(bot.parsing.finding_list; read item by item in handlers.steps.finding_items): all or none are logged."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import timedelta

from bot.contract import CommandContext, Reply, UserError
from bot.county.policy import Severity
from bot.domain.category_words import categorise
from bot.domain.deadlines import DeadlineError, DeadlineSpec, find_deadline
from bot.domain.permissions import Action
from bot.domain.sources import ROUTINE, choices, label, source_named
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import drop_word, drop_words, split_words
from bot.routing import Router, Usage
from handlers.steps import photo_acks
from handlers.steps.finding_items import Item, read_list
from handlers.steps.link_replies import link_hint, private_links
from handlers.steps.lookup import due_on, need, school_from_words
from handlers.steps.reach import Change, announce, combine
from handlers.steps.views import mentionable

router = Router("findings")
SEVERITIES: tuple[Severity, ...] = ("一般", "较重", "严重")


@dataclass(frozen=True)
class NewFinding:
    """#问题 <学校> [类别] <描述> [限期] [一般/较重/严重]. `text` is the message without the command word, the
    deadline and the severity, as written: school, category and description, whose first words the handler takes."""

    text: str
    deadline: DeadlineSpec | None = None
    severity: Severity | None = None
    source: str = ROUTINE  # 来源 (bot.domain.sources): `来源：质量监测`
    raw: str = field(default="", compare=False)  # the message without its command word, line breaks kept
    problem: UserError | None = field(default=None, compare=False)  # read as one finding, this was wrong with it

    @property
    def words(self) -> tuple[str, ...]:
        return split_words(self.text)


# `来源` as a word of its own, then the source: `来源：质量监测`, `来源 市级督查`, or `来源质量监测` run together.
_SOURCE = re.compile(r"(?:^|(?<=[\s:;,，；]))来源(?P<colon>\s*:)?\s*(?P<word>[^\s:;,，；]*)")


def _take_source(rest: str) -> tuple[str, str]:
    """(source code, the text without the 来源 words). `来源` followed by a colon, or by nothing, must name a source;
    otherwise it names one only when the next word is one — else it is a word of the description ("食材 来源 不明")."""
    for match in _SOURCE.finditer(rest):
        source = source_named(match["word"])
        if source is None:
            if match["colon"] or not match["word"]:  # `来源：路人`, or `来源` with nothing after it
                raise UserError("errors/source_unknown.j2", word=match["word"], choices=choices())
            continue
        left, right = rest[:match.start()], rest[match.end():]
        return source.code, (left.rstrip(" :;,，；") + " " + right.lstrip(" :;,，；")).strip()
    return ROUTINE, rest


def parse_finding(word: str, rest: str) -> NewFinding:
    """One finding; a text that may be a list (line breaks, `；`, numbers) is kept whole for the handler, which
    knows the schools — and what is wrong with it as one finding, raised only if it is no list."""
    flat = " ".join(rest.split())
    if "\n" in rest or any(c in rest for c in "；;①、.(（"):
        try:
            return dataclasses.replace(read_one(flat), raw=rest)
        except UserError as err:
            return NewFinding(text=flat, raw=rest, problem=err)
    return read_one(flat)


def read_one(rest: str) -> NewFinding:
    """#问题's words as one finding: its source, deadline and severity taken off the text."""
    source, rest = _take_source(rest)
    try:
        deadline, rest = find_deadline(rest)
    except DeadlineError as err:
        raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err
    severity = next((w for w in split_words(rest) if w in SEVERITIES), None)
    if severity:
        rest = drop_word(rest, severity)
    if not split_words(rest):
        raise UserError("errors/finding_usage.j2")
    return NewFinding(text=rest, deadline=deadline, severity=severity, source=source)


def _category(ctx: CommandContext, words: tuple[str, ...], text: str) -> tuple[str, str]:
    """(category, description): a category named by the first word (its name or an alias) is taken off `text`;
    else the category is the one whose keyword is a word of the description (bot.domain.category_words)."""
    categories = ctx.roster.policy.categories
    named = next((c for c in categories if words and words[0] in (c.name, *c.aliases)), None)
    if named is not None:
        return named.name, drop_words(text, 1)
    return categorise(text, categories), text


@router.command(NewFinding, "问题", "发现", "督查", parse=parse_finding, action=Action.LOG_FINDING,
                help={"问题": "help/log_finding.j2"}, usage=Usage("#问题 学校 [类别] 描述 [限期3天]", "登记问题",
                                                                example="#问题 城口中学 消防通道堆放杂物 限期3天"),
                lines=True)
async def log_finding(cmd: NewFinding, ctx: CommandContext) -> list[Reply]:
    items = read_list(ctx, cmd.raw, read_one) if cmd.raw else None
    if items is not None:
        return await _log_list(ctx, items)
    if cmd.problem is not None:
        raise cmd.problem
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.LOG_FINDING, school=school)
    assert ctx.actor.person_id is not None  # need() lets only a person on the roster through
    category, description = _category(ctx, rest, drop_words(cmd.text, len(cmd.words) - len(rest)))
    if not description.strip():
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
        at=ctx.now, message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded, source=cmd.source,
    )
    # the photos of the sender's #问题 that failed here just before (a typo in a 图文混排 message) are this one's
    event, held = await evidence.gather_held_problem(ctx.session, finding, sender=ctx.actor.chat_id,
                                                     room=ctx.inbound.room, at=ctx.now,
                                                     window=timedelta(minutes=ctx.settings.evidence_window_minutes))
    acks = await photo_acks.acknowledge(ctx, event, held) if event is not None else []
    principals = mentionable(ctx.roster.principals_of(school.id))
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, category=category, severity=severity, description=description,
                  due=due, finder=ctx.actor.titled, principals=[p.name for p in principals],
                  explicit_deadline=cmd.deadline is not None,
                  source=label(cmd.source) if cmd.source != ROUTINE else None, link_hint=link_hint(ctx))
    return [*announce(ctx, Change(school, "findings/created.j2", values, act=principals, done=f"已登记 {ref}",
                                  notice="findings/notice.j2")), *acks,
            *await private_links(ctx, finding, school, principals)]


async def _log_list(ctx: CommandContext, items: list[Item]) -> list[Reply]:
    """Every item read and checked (handlers.steps.finding_items) before any is logged: then each logged, one
    answer here listing them all, and each school's people told of their own items only."""
    assert ctx.actor.person_id is not None  # read_list's need() lets only a person on the roster through
    since = ctx.now - timedelta(minutes=ctx.settings.duplicate_finding_minutes)
    logged: list[dict] = []
    for item in items:
        twin = await ledger.same_finding_since(ctx.session, school_id=item.school.id,
                                               finder_id=ctx.actor.person_id, description=item.description,
                                               since=since)
        if twin is None:
            twin = await ledger.create_finding(
                ctx.session, school_id=item.school.id, category=item.category, severity=item.severity,
                description=item.description, due=item.due, tz=ctx.roster.tz, finder_id=ctx.actor.person_id,
                room_chat_id=ctx.inbound.room, at=ctx.now, message_id=ctx.inbound.message_id,
                raw_text=ctx.inbound.text, source=item.source)
            again = False
        else:
            again = True  # a resend of the list: the item answered with its first id, never logged twice
        logged.append(dict(ref=ledger.ref(twin.number), school=item.school, category=twin.category,
                           severity=twin.severity, description=twin.description, due=twin.due_date, again=again))
    replies = [Reply("findings/list_created.j2", dict(count=sum(not i["again"] for i in logged),
                                                      refs=[i["ref"] for i in logged]))]
    for school in dict.fromkeys(i["school"] for i in logged):
        own = [dict(i, school=school.name) for i in logged if i["school"] is school]
        principals = mentionable(ctx.roster.principals_of(school.id))
        values = dict(school=school.name, items=own, finder=ctx.actor.titled, principals=[p.name for p in principals])
        replies += announce(ctx, Change(school, "findings/list_school.j2", values, act=principals,
                                        done="已登记 " + "、".join(i["ref"] for i in own),
                                        notice="findings/list_notice.j2"))
    return combine(ctx, replies)
