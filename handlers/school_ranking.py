"""#学校考核 [period] [district | school] [表格]: the 综合督导考核 of schools (bot.reports.school_assessment) for any
period bot.parsing.periods reads (this month when none), as of the period's end.

Who sees what (bot.domain.permissions, Action.SCHOOL_ASSESS): the office every school, a district lead the
district's, a supervisor the assigned schools — each school with its score and its rank in the district and the
county; a principal only the own school's breakdown (score, each indicator, the two ranks), never another school's
score. One school (a principal's, a school named, or the only one a supervisor has) gets its breakdown; more get
the ranking. `表格` sends the same rows as a workbook. A room shows only what all its members may see: otherwise
the answer goes privately, with a short word here.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action, what_they_may_do
from bot.domain.roster import DistrictInfo, SchoolInfo
from bot.parsing.normalize import split_words
from bot.reports.school_assessment import SchoolAssessment, SchoolScore, school_assessment
from bot.routing import Router, Usage
from handlers.steps.asked_period import not_before_the_first_record, period_asked
from handlers.steps.lookup import need
from handlers.steps.reach import shows
from handlers.steps.scope import district_named
from handlers.steps.views import export_path

router = Router("school_ranking")
BOOK_WORDS = {"表格", "表", "excel", "xlsx", "文件", "工作簿"}
LINES_SHOWN = 60  # schools listed in a chat reply; the workbook has them all


@dataclass(frozen=True)
class SchoolAssess:
    """#学校考核 [2024-03 | 上月 | 本学期 | 2024 | …] [第一责任区 | 城口中学] [表格]"""

    words: tuple[str, ...] = ()


@router.command(SchoolAssess, "学校考核", "综合考核", "综合督导考核",
                parse=lambda word, rest: SchoolAssess(words=split_words(rest)), action=Action.SCHOOL_ASSESS,
                help={"学校考核": "help/school_assessment.j2"},
                usage=Usage("#学校考核 [时间] [责任区]", "学校综合督导考核：得分、排名和各项指标", example="#学校考核"))
async def school_assess(cmd: SchoolAssess, ctx: CommandContext) -> list[Reply]:
    need(ctx, Action.SCHOOL_ASSESS)
    book, district, school, rest = _read(ctx, cmd.words)
    if school is not None:
        need(ctx, Action.SCHOOL_ASSESS, school=school)
    period = period_asked(ctx, " ".join(rest))
    await not_before_the_first_record(ctx, period.first, period.last, period.label)
    found = await school_assessment(ctx.session, ctx.roster, period, ctx.now)
    visible = None if ctx.actor.is_office else ctx.roster.visible_schools(ctx.actor)
    rows = found.only(visible if school is None else {school.id}, district.id if district else None)
    if district is not None and not rows:  # a district they have no school in: the real reason
        raise UserError("refusals/not_allowed.j2", who=what_they_may_do(ctx.actor), action=Action.SCHOOL_ASSESS.value,
                        reason="own_school_only" if ctx.actor.is_principal else "not_your_district",
                        school="", district=district.name)
    if not rows:  # a school not on the roster at the period's end (added since): nothing to show for it
        raise UserError("documents/school_assessment_none.j2", label=period.label)
    scope = found.scope_name(ctx.actor, rows, district.id if district else None, school=school is not None)
    values = dict(label=period.label, until=found.until, last=period.last, scope=scope)
    if book:
        from bot.reports.school_assessment_book import write_school_assessment  # openpyxl only when asked

        path = export_path(ctx, f"学校综合督导考核-{period.slug}", ".xlsx")
        write_school_assessment(found, rows, path, ctx.local(ctx.now), scope)
        reply = Reply("documents/school_assessment_sent.j2", dict(values, schools=len(rows), name=path.name),
                      files=(str(path),))
    elif len(rows) == 1 and (ctx.actor.is_principal or school is not None or visible is not None):
        reply = Reply("documents/school_assessment_one.j2", dict(values, r=_one(rows[0]),
                                                                 deduction=found.deduction))
    else:
        reply = Reply("documents/school_assessment_ranking.j2", dict(
            values, districts=_ranking(found, rows), shown=LINES_SHOWN, total=len(rows),
            weights=[(i.name, w, i.is_rate) for i, w in found.weights], deduction=found.deduction))
    if all(shows(ctx, SchoolInfo(r.school_id, r.name, (), r.district_id)) for r in rows):
        return [reply]
    private = Reply(reply.template, reply.values, to=ctx.actor.chat_id, files=reply.files)
    return [Reply("documents/school_assessment_private.j2", dict(scope=scope)), private]


def _read(ctx: CommandContext, words: tuple[str, ...]
          ) -> tuple[bool, DistrictInfo | None, SchoolInfo | None, list[str]]:
    """The words: 表格, a district, a school, and the rest (the period)."""
    book, district, school, rest = False, None, None, []
    for word in words:
        if word.lower() in BOOK_WORDS:
            book = True
        elif district is None and school is None and (found := district_named(ctx, word)) is not None:
            district = found
        elif district is None and school is None and (match := ctx.schools.resolve(word).school) is not None:
            school = match
        else:
            rest.append(word)
    return book, district, school, rest


def _one(r: SchoolScore) -> dict:
    return dict(name=r.name, district=r.district, score=r.score, district_rank=r.district_rank,
                county_rank=r.county_rank, district_size=r.district_size, county_size=r.county_size,
                measures=[dict(name=m.indicator.name, rate=m.indicator.is_rate, part=m.part, base=m.base,
                               part_name=m.indicator.part_name, base_name=m.indicator.base_name,
                               unit=m.indicator.unit, empty=m.indicator.empty, value=m.value, points=m.points,
                               weight=m.weight, share=m.weight_shown, contribution=m.contribution) for m in r.measures])


def _ranking(a: SchoolAssessment, rows: list[SchoolScore]) -> list[dict]:
    """Per district (in order), its rows by district rank, up to LINES_SHOWN schools in all."""
    out, left = [], LINES_SHOWN
    for district_id, name in a.districts:
        mine = [r for r in rows if r.district_id == district_id]
        if not mine:
            continue
        out.append(dict(name=name, size=mine[0].district_size, rows=[
            dict(name=r.name, score=r.score, district_rank=r.district_rank, county_rank=r.county_rank)
            for r in mine[:max(left, 0)]]))
        left -= len(mine)
    return out
