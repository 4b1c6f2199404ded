"""#到校 <学校> <检查内容>: a supervisor records a visit to a school (经常性督导)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.parsing.normalize import split_words
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.lookup import need, school_from_words

router = Router("visits")


@dataclass(frozen=True)
class Visit:
    words: tuple[str, ...]  # school first, then what was checked


def parse_visit(word: str, rest: str) -> Visit:
    words = split_words(rest)
    if not words:
        raise UserError("errors/visit_usage.j2")
    return Visit(words=words)


@router.command(Visit, "到校", parse=parse_visit, action=Action.VISIT, help={"到校": "help/visit.j2"},
                usage=Usage("#到校 学校 检查内容", "登记到校", example="#到校 城口中学 检查食堂和校车"))
async def visit(cmd: Visit, ctx: CommandContext) -> list[Reply]:
    school, rest = school_from_words(ctx, cmd.words)
    need(ctx, Action.VISIT, school=school)
    note = " ".join(rest)
    ctx.session.add(m.Visit(person_id=ctx.actor.person_id, school_id=school.id, at=ctx.now, note=note,
                            message_id=ctx.inbound.message_id))
    return [Reply("submissions/visit.j2", dict(school=school.name, note=note, who=ctx.actor.name,
                                               when=ctx.local(ctx.now)))]
