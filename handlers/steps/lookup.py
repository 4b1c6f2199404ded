"""What the sender named, if they may: the permission check, a finding by its id, a school by its name, a due day
from a deadline's words, the closed loop's check on a change — each a polite refusal (UserError) otherwise."""
from __future__ import annotations

from datetime import date

from bot.contract import CommandContext, UserError
from bot.domain.deadlines import DeadlineError, DeadlinePast, DeadlineSpec, due_date, find_deadline, parse_deadline_spec
from bot.domain.permissions import Action, can, what_they_may_do, why_not
from bot.domain.roster import SchoolInfo
from bot.domain.schools import looks_like_school
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import strip_separators
from bot.storage import models as m


def need(ctx: CommandContext, action: Action, *, school: SchoolInfo | None = None, finder_id: int | None = None,
         district_id: int | None = None) -> None:
    """Refuse politely unless the sender may do this; the refusal gives the real reason and what they may do."""
    where = dict(school_id=school.id if school else None, finder_id=finder_id,
                 district_id=district_id if district_id is not None else (school.district_id if school else None))
    if can(ctx.actor, action, **where):
        return
    district = ctx.roster.districts.get(where["district_id"]) if where["district_id"] is not None else None
    raise UserError("refusals/not_allowed.j2", who=what_they_may_do(ctx.actor), action=action.value,
                    reason=why_not(ctx.actor, action, **where), school=school.name if school else "",
                    district=district.name if district else "")


async def finding_for(ctx: CommandContext, number: int, action: Action) -> tuple[m.Finding, SchoolInfo]:
    """The finding Q<number> if the sender may see it; otherwise the same answer as for an unknown id."""
    finding = await ledger.get_finding(ctx.session, number)
    school = ctx.roster.schools.get(finding.school_id) if finding else None
    if finding is None or school is None or not can(ctx.actor, Action.VIEW, school_id=school.id,
                                                    district_id=school.district_id):
        raise UserError("errors/no_such_finding.j2", ref=ledger.ref(number))
    need(ctx, action, school=school, finder_id=finding.finder_id)
    return finding, school


def require(finding: m.Finding, event: str, action: str) -> None:
    """Refuse politely when the closed loop does not allow `event` from the finding's state, or while an appeal
    waits for the office's decision that settles it (`action` names it)."""
    if not ledger.allowed(finding, event):
        raise UserError("errors/wrong_state.j2", ref=ledger.ref(finding.number),
                        status=ledger.STATUS_LABELS[finding.status], action=action)
    if ledger.paused(finding, event):
        raise UserError("errors/appealing.j2", ref=ledger.ref(finding.number), action=action)


def resolve_school(ctx: CommandContext, text: str) -> SchoolInfo:
    match = ctx.schools.resolve(text)
    if match.school:
        return match.school
    names = [s.name for s in match.candidates]
    if _fragment_of_several(ctx, text, match.candidates):
        raise UserError("errors/school_ambiguous.j2", text=text, names=names)
    raise UserError("errors/school_unknown.j2", text=text, names=names)


def school_from_words(ctx: CommandContext, words: tuple[str, ...]) -> tuple[SchoolInfo, tuple[str, ...]]:
    """The school named first, or this school room's school when the first word names none.

    A first word that names a school, a fragment of several, or ends like a school's name (城口二中, 中心小学) is
    resolved as anywhere else: unknown or ambiguous gets a question back — never the room's school by guessing.
    """
    if words:
        match = ctx.schools.resolve(words[0])
        if match.school:
            return match.school, words[1:]
        if looks_like_school(words[0]) or _fragment_of_several(ctx, words[0], match.candidates):
            return resolve_school(ctx, words[0]), words[1:]  # raises: which school?
    if ctx.room and ctx.room.scope == "school" and ctx.room.school_id in ctx.roster.schools:
        return ctx.roster.schools[ctx.room.school_id], words
    if not words:
        raise UserError("errors/need_school.j2")
    return resolve_school(ctx, words[0]), words[1:]


def _fragment_of_several(ctx: CommandContext, text: str, candidates: tuple[SchoolInfo, ...]) -> bool:
    return len(candidates) > 1 and all(text in s.name or any(text in n for n in s.short_names) for s in candidates)


def deadline_and_rest(text: str) -> tuple[DeadlineSpec | None, str]:
    """A deadline anywhere in `text` (`5天` without a marker counts as its first word) and the words left (#延期,
    #申诉 … 维持 期限); None when there is none; a deadline that cannot be is a polite error."""
    try:
        spec, left = find_deadline(text)
        if spec is None and text:  # "5天" without a marker
            spec = parse_deadline_spec(text.split(" ", 1)[0])
            left = text.split(" ", 1)[1] if " " in text else ""
    except DeadlineError as err:
        raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err
    except ValueError:
        return None, text
    return spec, strip_separators(left)


def due_on(spec: DeadlineSpec, start: date, ctx: CommandContext) -> date:
    """The due day `spec` gives from `start` (county calendar); a deadline that cannot be is a polite error."""
    try:
        return due_date(spec, start, ctx.roster.calendar, ctx.roster.terms)
    except DeadlinePast as err:  # a question back: which date is meant? never silently next year
        raise UserError("errors/deadline_past.j2", phrase=err.label, due=err.due, today=ctx.today,
                        instead=err.instead, instead_due=err.instead_due) from err
    except DeadlineError as err:  # e.g. 31日前 in a month of 30 days, 开学前 with no term ahead
        raise UserError("errors/bad_deadline.j2", problem=err.user_message) from err

