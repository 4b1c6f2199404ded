"""The ledger's search box, read as people type it: a finding's 编号 (Q106, q106, 106, Ｑ１０６), a school's name (found
as chat finds it: the name, a short name or a fragment of exactly one school, bot.domain.schools), or words of a
description or of a 整改情况 (the note of a rectification report). And, when a search or a filter cannot match, the
reason in words for the page (a school of another district, a school that does not exist and the closest names,
an id the viewer has no finding of) instead of a bare 共 0 条."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Boolean, ColumnElement, exists, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import FunctionElement

from bot.domain.place_words import district_named, school_parts
from bot.domain.roster import DistrictInfo, Roster, SchoolInfo
from bot.domain.schools import SchoolIndex, looks_like_school
from bot.ledger import lifecycle as ledger
from bot.parsing.normalize import normalize
from bot.storage import models as m
from bot.storage.session import Session

F, T = m.Finding, m.FindingText
_NUMBER = re.compile(r"[Qq]?\s*0*(\d{1,9})")
SUGGESTED = 3


@dataclass
class Search:
    """What the search box asked for: one of a number, a school, a district (`第一责任区`, `一区`), several schools
    (`城口中学、复兴中学`, `城口中学和复兴中学`: bot.domain.place_words, the reader chat and the CLI use) or words
    (`text`)."""

    number: int | None = None
    school: SchoolInfo | None = None
    district: DistrictInfo | None = None
    schools: list[SchoolInfo] = field(default_factory=list)  # several schools named at once
    text: str = ""
    schools_like: list[SchoolInfo] = field(default_factory=list)  # the words are part of these schools' names
    unknown_school: str = ""  # the words look like a school's name that is not on the roster
    closest: list[SchoolInfo] = field(default_factory=list)  # the closest names to `unknown_school`


_INDEX: dict[int, tuple[Roster, SchoolIndex]] = {}


def school_index(roster: Roster) -> SchoolIndex:
    """The roster's schools indexed by name (built once per roster snapshot)."""
    held = _INDEX.get(id(roster))
    if held is None or held[0] is not roster:
        _INDEX.clear()
        held = _INDEX[id(roster)] = (roster, SchoolIndex(list(roster.schools.values())))
    return held[1]


def read_search(raw: str, roster: Roster, visible: set[int] | None) -> Search:
    """Read the search box. A school the viewer may not see is as unknown as one that does not exist (the same
    words whether it exists or not)."""
    text = normalize(raw)
    if not text:
        return Search()
    if (number := _NUMBER.fullmatch(text)) and int(number.group(1)):
        return Search(number=int(number.group(1)))

    def seen(s: SchoolInfo) -> bool:
        return visible is None or s.id in visible

    index = school_index(roster)
    match = index.resolve(text)
    if match.school is not None and seen(match.school):
        return Search(school=match.school)
    if match.school is None:
        districts = [d for d in roster.districts.values()
                     if any(seen(s) for s in roster.schools.values() if s.district_id == d.id)]
        if (district := district_named(text, districts, index)) is not None:
            return Search(district=district)
        parts = school_parts(text, index)
        if len(parts) > 1:
            named = [index.resolve(part).school for part in parts]
            if all(s is not None and seen(s) for s in named):
                return Search(schools=list(dict.fromkeys(s for s in named if s is not None)))
    out = Search(text=text)
    if match.ambiguous:
        out.schools_like = [s for s in match.candidates if seen(s)]
        if len(out.schools_like) == 1:  # a fragment of one school the viewer may see
            return Search(school=out.schools_like[0])
    elif looks_like_school(text):
        out.unknown_school = text
        out.closest = [s for s in index.suggest(text, limit=SUGGESTED * 3) if seen(s)][:SUGGESTED]
    return out


class holds(FunctionElement):  # noqa: N801 — reads as SQL: holds(column, text, pattern)
    """`text` occurs in `column`, exactly: instr() on SQLite (a third of LIKE's time over a million rows, and no
    wildcard to escape); elsewhere LIKE with `pattern` (`text` escaped, between %), which PostgreSQL's planner
    estimates well (a parallel scan) where it takes strpos() for a third of the table."""

    type = Boolean()
    inherit_cache = True


def _contains(column: ColumnElement[str] | InstrumentedAttribute[str], text: str) -> holds:
    pattern = "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return holds(column, literal(text), literal(pattern))


@compiles(holds)
def _holds(element: holds, compiler, **kw) -> str:  # noqa: ANN001
    column, _, pattern = element.clauses
    return f"({compiler.process(column, **kw)} LIKE {compiler.process(pattern, **kw)} ESCAPE '/')"


@compiles(holds, "sqlite")
def _holds_sqlite(element: holds, compiler, **kw) -> str:  # noqa: ANN001
    column, text, _ = element.clauses
    return f"(instr({compiler.process(column, **kw)}, {compiler.process(text, **kw)}) > 0)"


def text_holds(text: str) -> ColumnElement[bool]:
    """A finding's searched words (m.FindingText: its description and its 整改情况) hold `text`."""
    return _contains(T.text, text)


def text_condition(text: str) -> ColumnElement[bool]:
    """Findings whose description, or the note of one of their rectification reports (整改情况), holds `text`: per
    finding, its one row of words (so that a walk of the findings in order stops at the first page of matches; a
    pass over all of them starts from m.FindingText instead, bot.web.ledger_view._found)."""
    return exists().where(T.finding_id == F.id, text_holds(text)).correlate(F)


async def number_missed(session: Session, number: int, visible: set[int] | None, roster: Roster) -> str:
    """Why a search by id found nothing: no such finding the viewer may see, or it is there but the other filters
    leave it out (its school and state named)."""
    row = (await session.execute(select(F.school_id, F.status).where(F.number == number))).first()
    ref = ledger.ref(number)
    if row is None or (visible is not None and row.school_id not in visible):
        return f"您可查看的问题中没有编号为 {ref} 的问题。"
    school = roster.schools.get(row.school_id)
    where = f"是{school.name}的问题，" if school else ""
    return f"{ref} {where}目前{ledger.STATUS_LABELS.get(row.status, row.status)}，不符合所选的其他筛选条件。"
