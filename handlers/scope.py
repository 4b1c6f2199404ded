"""What a list or a count covers: the school named, this room's school, this district room's schools, or all the
sender may see — as an SQL condition on findings (no giant IN lists)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.permissions import Action
from bot.domain.roster import SchoolInfo
from bot.handling import CommandContext, Reply
from bot.storage import models as m
from handlers.common import need, resolve_school
from handlers.reach import elsewhere


@dataclass(frozen=True)
class Scope:
    """What a list or count covers: a name for the reply and an SQL condition on findings (no giant IN lists)."""

    name: str
    condition: ColumnElement[bool]
    many_districts: bool = False
    school: SchoolInfo | None = None  # one school: the answer goes where that school may be shown


def answer(ctx: CommandContext, scope: Scope, reply: Reply) -> list[Reply]:
    """The reply here, or privately when it is about a school this room may not show."""
    return elsewhere(ctx, scope.school, reply) if scope.school is not None else [reply]


def _in_districts(ids: set[int]) -> ColumnElement[bool]:
    return m.Finding.school_id.in_(select(m.School.id).where(m.School.district_id.in_(sorted(ids))))


def _visible(ctx: CommandContext) -> ColumnElement[bool]:
    actor = ctx.actor
    if actor.is_office:
        return true()
    parts = []
    if actor.supervised:
        parts.append(m.Finding.school_id.in_(sorted(actor.supervised)))
    if actor.led_districts:
        parts.append(_in_districts(set(actor.led_districts)))
    if actor.is_principal and actor.school_id:
        parts.append(m.Finding.school_id == actor.school_id)
    return or_(*parts) if parts else false()


def scope_of(ctx: CommandContext, words: tuple[str, ...]) -> Scope:
    """The school named, this room's school, this district room's schools, or all the sender may see."""
    school = resolve_school(ctx, " ".join(words)) if words else None
    if school is None and ctx.room and ctx.room.scope == "school" and ctx.room.school_id in ctx.roster.schools:
        school = ctx.roster.schools[ctx.room.school_id]
    if school is not None:
        need(ctx, Action.VIEW, school=school)
        return Scope(school.name, m.Finding.school_id == school.id, school=school)
    visible = ctx.roster.visible_schools(ctx.actor)
    if not visible:
        need(ctx, Action.VIEW)
    district = ctx.roster.districts.get(ctx.room.district_id) if ctx.room and ctx.room.scope == "district" else None
    if district and not ctx.private:  # a district room shows its own district's schools only
        return Scope(district.name, and_(_visible(ctx), _in_districts({district.id})))
    districts = {ctx.roster.schools[s].district_id for s in visible if s in ctx.roster.schools}
    return Scope("全县" if ctx.actor.is_office else "您负责的学校", _visible(ctx), many_districts=len(districts) > 1)
