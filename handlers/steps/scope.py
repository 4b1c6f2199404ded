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

from bot.contract import CommandContext, Reply, UserError
from bot.domain import place_words as places
from bot.domain.permissions import Action
from bot.domain.roster import DistrictInfo, SchoolInfo
from bot.domain.schools import looks_like_school
from bot.parsing.periods import Period, PeriodError, parse_period
from bot.storage import models as m
from handlers.steps.lookup import need
from handlers.steps.reach import here_or_private, shows, shows_district

PERIOD_WORDS = 3  # a period is written in at most 3 words (9月1日 - 9月30日): a long message costs no more
_PERIODISH = ("月", "周", "学期", "年", "本", "上", "今", "去", "-", "~", "至")


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


def scope_and_period(ctx: CommandContext, words: tuple[str, ...], command: str
                     ) -> tuple[Scope, Period | None]:
    """The schools or district named (bot.domain.place_words), this room's school, this district room's schools, or all
    the sender may see — narrowed by a category among the words (#清单 第一责任区 安全稳定) — and the period among
    them (bot.parsing.periods: 9月, 本学期, 9月1日-9月30日…) when one is written: #统计 第一责任区 本学期,
    #清单 一区 9月, #导出 城口中学、复兴中学 上月."""
    category, words = _category(ctx, words)
    period, words = period_among(ctx, words)
    scope = _where(ctx, words, command, with_period=True)
    if category is not None:
        scope = Scope(f"{scope.name}{category}类", and_(scope.condition, m.Finding.category == category),
                      scope.many_districts, scope.shown, category)
    return scope, period


def logged_in(period: Period | None, ctx: CommandContext) -> ColumnElement[bool]:
    """Findings logged in `period` (all when None)."""
    if period is None:
        return true()
    since, until = period.bounds(ctx.roster.tz)
    return and_(m.Finding.created_at >= since, m.Finding.created_at < until)


def period_among(ctx: CommandContext, words: tuple[str, ...]) -> tuple[Period | None, tuple[str, ...]]:
    """The longest run of words that is a period, and the other words. A run shaped like a period that cannot be
    counted (not begun, ends before it starts) is refused; two periods too."""
    found: Period | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + PERIOD_WORDS), i, -1):
            try:
                period = parse_period(" ".join(words[i:j]), ctx.today, ctx.roster.terms)
            except PeriodError as err:
                if err.why != "format" and j == i + 1:
                    raise UserError("errors/period_bad.j2", **err.values(ctx.roster.terms)) from None
                continue
            if found is not None:
                raise UserError("errors/two_periods.j2", first=found.label, second=period.label)
            found, i = period, j
            break
        else:
            rest.append(words[i])
            i += 1
    return found, tuple(rest)


def _where(ctx: CommandContext, words: tuple[str, ...], command: str, *, with_period: bool) -> Scope:
    named = places.read_places(words, ctx.roster.districts.values(), ctx.schools) if words else places.Places()
    if named.unknown:
        _refuse(ctx, named, command, with_period)
    if named.district is not None:
        district = named.district
        need(ctx, Action.VIEW, district_id=district.id)  # a principal: her own school only
        return _district(ctx, district, f"您在{district.name}负责的学校", shown=shows_district(ctx, district.id))
    schools = named.schools
    if not schools and ctx.room and ctx.room.scope == "school" and ctx.room.school_id in ctx.roster.schools:
        schools = [ctx.roster.schools[ctx.room.school_id]]
    for school in schools:
        need(ctx, Action.VIEW, school=school)
    if len(schools) == 1:
        return Scope(schools[0].name, m.Finding.school_id == schools[0].id, shown=shows(ctx, schools[0]))
    if schools:
        return Scope("、".join(_short(s) for s in schools), m.Finding.school_id.in_(sorted(s.id for s in schools)),
                     many_districts=len({s.district_id for s in schools}) > 1,
                     shown=all(shows(ctx, s) for s in schools))
    return _default(ctx)


def _short(school: SchoolInfo) -> str:
    return school.display


def _refuse(ctx: CommandContext, named: places.Places, command: str, with_period: bool) -> None:
    """What could not be read, named, with examples of what can be written for this command."""
    text, names = named.unknown, [s.name for s in named.candidates]
    if named.ambiguous:
        raise UserError("errors/school_ambiguous.j2", text=text, names=names)
    if looks_like_school(text) and not named.mixed:  # 火星中学: a school we do not know, as everywhere
        raise UserError("errors/school_unknown.j2", text=text, names=names)
    if with_period and any(w in text for w in _PERIODISH) and not names:
        try:
            parse_period(text, ctx.today, ctx.roster.terms)
        except PeriodError as err:
            raise UserError("errors/period_bad.j2", **err.values(ctx.roster.terms)) from None
    raise UserError("errors/place_unknown.j2", text=text, names=names, mixed=named.mixed,
                    examples=place_examples(ctx, command, with_period=with_period))


def place_examples(ctx: CommandContext, command: str, *, with_period: bool) -> list[str]:
    """#清单 第一责任区, #清单 城口中学、复兴中学, #清单 第一责任区 9月 — from this county's own names."""
    out: list[str] = []
    district = next(iter(ctx.roster.districts.values()), None)
    if district is not None:
        out.append(f"#{command} {district.name}")
    two = [s for s in ctx.roster.schools.values()][:2]
    if len(two) == 2:
        out.append(f"#{command} {_short(two[0])}、{_short(two[1])}")
    if with_period:
        out.append(f"#{command} {district.name if district else _short(two[0])} {ctx.today.month}月")
    return out


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
    """A district named in full (第一责任区), in a short form (一区) or by an unambiguous part of its name (第一)."""
    return places.district_named(text, ctx.roster.districts.values(), ctx.schools)


def _category(ctx: CommandContext, words: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """A category among the words (its name or an alias), and the other words."""
    for i, word in enumerate(words):
        for cat in ctx.roster.policy.categories:
            if word == cat.name or word in cat.aliases:
                return cat.name, words[:i] + words[i + 1:]
    return None, words
