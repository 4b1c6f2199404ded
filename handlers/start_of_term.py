"""#开学检查 <学校> 完成 [发现问题N个]: a supervisor records a school's start-of-term check (春秋季开学检查)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.domain.roster import SchoolInfo
from bot.obligations.term_windows import KIND, window_for_entry, windows
from bot.parsing.normalize import split_words
from bot.reports.lists import shown
from bot.reports.term_checks import checks, window_findings
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import need, school_from_words
from handlers.steps.reach import combine
from handlers.submissions import supersede

router = Router("start_of_term")
_SEVERAL = re.compile(r"[、/和及与]")
_PROBLEMS = re.compile(r"(?:发现)?问题\s*(\d+)\s*[个项条处]?")


@dataclass(frozen=True)
class TermCheck:
    """#开学检查 <学校> 完成 [发现问题N个]."""

    words: tuple[str, ...]
    done: bool = True
    problems: int | None = None


def parse_term_check(word: str, rest: str) -> TermCheck:
    m = _PROBLEMS.search(rest)
    problems = int(m.group(1)) if m else None
    if m:
        rest = rest[: m.start()] + rest[m.end():]
    words = list(split_words(rest))
    done = "未完成" not in words
    words = [w for w in words if w not in ("完成", "已完成", "未完成")]
    if not words:
        raise UserError("errors/term_check_usage.j2")
    return TermCheck(words=tuple(words), done=done, problems=problems)


@router.command(TermCheck, "开学检查", parse=parse_term_check, action=Action.TERM_CHECK,
                help={"开学检查": "help/term_check.j2"}, usage=Usage("#开学检查 学校 完成", "登记开学检查",
                                                                 example="#开学检查 城口中学 完成"))
async def term_check(cmd: TermCheck, ctx: CommandContext) -> list[Reply]:
    """#开学检查 学校 完成 [发现问题N个]: the school's check for the term whose window is open (or just closed);
    several schools at once (`东安中学、咸宜小学、沿河幼儿园 完成`): each recorded, all or none."""
    several = _schools(ctx, cmd.words)
    if several is not None:
        schools, rest = several
        for school in schools:
            need(ctx, Action.TERM_CHECK, school=school)
        return combine(ctx, [await _check(cmd, ctx, school, rest) for school in schools])
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.TERM_CHECK, school=school)
    return [await _check(cmd, ctx, school, rest)]


def _schools(ctx: CommandContext, words: tuple[str, ...]) -> tuple[list[SchoolInfo], tuple[str, ...]] | None:
    """The schools named first when there are several (`东安中学、咸宜小学和沿河幼儿园`, or one a word) and the words
    left; None when the first words name fewer than two (read as one school, with its question if unknown)."""
    schools: list[SchoolInfo] = []
    taken = 0
    for word in words:
        parts = [p for p in _SEVERAL.split(word) if p]
        found = [ctx.schools.resolve(p).school for p in parts]
        if not parts or any(f is None for f in found):
            break
        schools += [f for f in found if f is not None]
        taken += 1
    schools = list(dict.fromkeys(schools))
    return (schools, words[taken:]) if len(schools) >= 2 else None


async def _check(cmd: TermCheck, ctx: CommandContext, school: SchoolInfo, rest: tuple[str, ...]) -> Reply:
    window, late = window_for_entry(ctx.roster, ctx.today)
    if window is None:
        upcoming = [dict(term=w.name, opens=w.opens) for w in windows(ctx.roster) if w.opens > ctx.today]
        raise UserError("cycle/term_none.j2", next=upcoming[0] if upcoming else None)
    earlier = await supersede(ctx, KIND, window.name, school_id=school.id)
    ctx.session.add(m.Submission(
        kind=KIND, period=window.name, person_id=ctx.actor.person_id, school_id=school.id,
        district_id=school.district_id, text=" ".join(rest), data=dict(done=cmd.done, problems=cmd.problems),
        at=ctx.now, message_id=ctx.inbound.message_id))
    await ctx.session.flush()
    logged = (await window_findings(ctx.session, window, ctx.roster, school.id)).get(school.id, [])
    return Reply("cycle/term_checked.j2", dict(
        term=window.name, school=school.name, done=cmd.done, problems=cmd.problems, late=late, closes=window.closes,
        replaced=earlier is not None, logged=[f"Q{n}" for n in logged],
        unlogged=max(0, (cmd.problems or 0) - len(logged)), **await _progress(ctx, window.name, school)))


async def _progress(ctx: CommandContext, term: str, school: SchoolInfo) -> dict:
    """How far the school's district is, and which of the sender's own schools are still unchecked."""
    done = {sid for sid, v in (await checks(ctx.session, term)).items() if v["done"]}
    in_district = [s for s in ctx.roster.schools.values() if s.district_id == school.district_id]
    mine = sorted((ctx.roster.schools[s] for s in ctx.actor.supervised if s in ctx.roster.schools),
                  key=lambda s: s.id)
    return dict(district=ctx.roster.districts[school.district_id].name, district_total=len(in_district),
                district_checked=sum(1 for s in in_district if s.id in done),
                remaining=shown(s.display for s in mine if s.id not in done))
