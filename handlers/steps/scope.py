"""What a list or a count covers: the school named, this room's school, this district room's schools, or all the
sender may see — as an SQL condition on findings (no giant IN lists).

The name says what is counted (docs/design.md: "A list or count shown for 'your schools' says so; a district total is
the district"): a district's name only over the whole district (the office, the district's lead); a supervisor
who oversees only some of its schools gets those, named 您负责的学校 — in a district room too, where the room
could show the district but the sender may not look at the other schools (permissions: VIEW is per school); a
principal gets her school, by name."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.contract import CommandContext, Reply
from bot.domain.permissions import Action
from bot.domain.roster import DistrictInfo
from bot.storage import models as m
from handlers.steps.lookup import need, resolve_school
from handlers.steps.reach import here_or_private, shows, shows_district


@dataclass(frozen=True)
class Scope:
    """What a list or count covers: a name for the reply and an SQL condition on findings (no giant IN lists)."""

    name: str
    condition: ColumnElement[bool]
    many_districts: bool = False
    shown: bool = True  # may this room show it (else the answer goes to the sender privately)
    category: str | None = None  # only findings of this category (#清单 安全稳定)


def answer(ctx: CommandContext, scope: Scope, reply: Reply) -> list[Reply]:
    """The reply here, or privately when it is about schools this room may not show."""
    return here_or_private(ctx, scope.shown, scope.name, reply)


def _in_districts(ids: set[int]) -> ColumnElement[bool]:
    return m.Finding.school_id.in_(select(m.School.id).where(m.School.district_id.in_(sorted(ids))))


def _visible(ctx: CommandContext) -> ColumnElement[bool]:
    actor = ctx.actor
    if actor.is_office:
        return true()
    parts: list[ColumnElement[bool]] = []
    if actor.supervised:
        parts.append(m.Finding.school_id.in_(sorted(actor.supervised)))
    if actor.led_districts:
        parts.append(_in_districts(set(actor.led_districts)))
    if actor.is_principal and actor.school_id:
        parts.append(m.Finding.school_id == actor.school_id)
    return or_(*parts) if parts else false()


def scope_of(ctx: CommandContext, words: tuple[str, ...]) -> Scope:
    """The school or district named, this room's school, this district room's schools, or all the sender may see;
    a category among the words narrows it (#清单 第一责任区 安全稳定)."""
    category, words = _category(ctx, words)
    scope = _where(ctx, words)
    if category is None:
        return scope
    return Scope(f"{scope.name}{category}类", and_(scope.condition, m.Finding.category == category),
                 scope.many_districts, scope.shown, category)


def _where(ctx: CommandContext, words: tuple[str, ...]) -> Scope:
    district = district_named(ctx, " ".join(words)) if words else None
    if district is not None:
        need(ctx, Action.VIEW, district_id=district.id)  # a principal: her own school only
        return _district(ctx, district, f"您在{district.name}负责的学校", shown=shows_district(ctx, district.id))
    school = resolve_school(ctx, " ".join(words)) if words else None
    if school is None and ctx.room and ctx.room.scope == "school" and ctx.room.school_id in ctx.roster.schools:
        school = ctx.roster.schools[ctx.room.school_id]
    if school is not None:
        need(ctx, Action.VIEW, school=school)
        return Scope(school.name, m.Finding.school_id == school.id, shown=shows(ctx, school))
    return _default(ctx)


def _default(ctx: CommandContext) -> Scope:
    """No school or district named, outside a school room: the principal's school, this district room's district
    (as much of it as the sender may see), or all the sender may see."""
    visible = ctx.roster.visible_schools(ctx.actor)
    if not visible:
        need(ctx, Action.VIEW)
    own = ctx.roster.schools.get(ctx.actor.school_id) if ctx.actor.is_principal and ctx.actor.school_id else None
    if own is not None:
        return Scope(own.name, m.Finding.school_id == own.id, shown=shows(ctx, own))
    district = (ctx.roster.districts.get(ctx.room.district_id)
                if ctx.room and ctx.room.scope == "district" and ctx.room.district_id is not None else None)
    if district and not ctx.private:  # a district room shows its own district's schools only
        elsewhere = any(ctx.roster.schools[s].district_id != district.id for s in visible if s in ctx.roster.schools)
        return _district(ctx, district, f"您在{district.name}负责的学校" if elsewhere else "您负责的学校")
    districts = {ctx.roster.schools[s].district_id for s in visible if s in ctx.roster.schools}
    return Scope("全县" if ctx.actor.is_office else "您负责的学校", _visible(ctx), many_districts=len(districts) > 1)


def _district(ctx: CommandContext, district: DistrictInfo, mine: str, shown: bool = True) -> Scope:
    """`district`'s findings the sender may see: named after the district when that is all of them (the office,
    its lead), else `mine` (a supervisor's own schools in it)."""
    whole = ctx.actor.is_office or district.id in ctx.actor.led_districts
    return Scope(district.name if whole else mine, and_(_visible(ctx), _in_districts({district.id})), shown=shown)


def district_named(ctx: CommandContext, text: str) -> DistrictInfo | None:
    """A district named in full (第一责任区) or by an unambiguous part of its name (第一)."""
    found = [d for d in ctx.roster.districts.values() if text == d.name or (len(text) >= 2 and text in d.name)]
    return found[0] if len(found) == 1 and ctx.schools.resolve(text).school is None else None


def _category(ctx: CommandContext, words: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """A category among the words (its name or an alias), and the other words."""
    for i, word in enumerate(words):
        for cat in ctx.roster.policy.categories:
            if word == cat.name or word in cat.aliases:
                return cat.name, words[:i] + words[i + 1:]
    return None, words
