"""Findings from a workbook (the city's 督查 feedback list, the 质量监测 feedback, a complaint register): each row read
and checked as a typed `#问题` would be — the school by name, the category, the severity, the deadline, the 来源,
who found it — and either every row is good and all are loaded together, or none is and each bad row is named with
its column and the reason (docs/design.md "The office's formal work").

The sheet: the first worksheet; a header row (within the first ten rows, so a title may stand above it) naming at
least 学校 and 问题描述; optional columns 类别, 严重程度, 整改期限 (a date, or words such as 限期10天 / 10个工作日 /
9月15日前), 来源 and 发现人. A column missing, or a cell left empty, takes the default: the category from the
description's words, 一般, the policy's deadline for the severity, the source and the finder the operator names.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from bot.county.policy import SEVERITIES, Severity
from bot.domain.category_words import categorise
from bot.domain.deadlines import DeadlineError, DeadlinePast, due_date, parse_deadline_spec
from bot.domain.permissions import Action, can
from bot.domain.roster import PersonInfo, Roster, SchoolInfo
from bot.domain.schools import SchoolIndex
from bot.domain.sources import Source, choices, source_named
from bot.text import clean, from_cell_text, visible

HEADER_ROWS = 10  # the header is looked for in this many rows from the top
MAX_ROWS = 5_000  # one workbook's findings: a feedback list is tens, a county's register a few thousand
MAX_DESCRIPTION = 2_000  # as a chat message (settings.max_message_chars' default)
# what each column may be headed (the first word is what `dudao findings template` writes)
COLUMNS: dict[str, tuple[str, ...]] = {
    "school": ("学校", "学校名称", "学校（幼儿园）", "单位", "单位名称"),
    "description": ("问题描述", "问题", "存在问题", "问题内容", "主要问题"),
    "category": ("类别", "问题类别"),
    "severity": ("严重程度", "程度"),
    "deadline": ("整改期限", "期限", "整改时限"),
    "source": ("来源", "问题来源"),
    "finder": ("发现人", "录入人"),
}
REQUIRED = ("school", "description")


@dataclass(frozen=True)
class Problem:
    """Why a row (or the whole file: row 0) cannot be loaded; `what` and `values` are rendered by the caller's
    template (templates/cli/say.j2, `import_problem`)."""

    row: int
    column: str  # the column's header as written in the file, or its letter; "" for the whole file
    what: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """A row that reads as a finding, ready to be logged."""

    row: int
    school: SchoolInfo
    description: str
    category: str
    severity: str
    due: date
    source: str  # a code of bot.domain.sources
    finder: PersonInfo


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""  # the file's SHA-256: the same file is loaded once


class Unreadable(Exception):
    """The file is not a workbook that can be read (the reason for the operator, in English, is str())."""


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_plan(data: bytes, roster: Roster, today: date, *, source: Source | None, finder: PersonInfo | None) -> Plan:
    """Every row of the workbook `data` checked against the roster on `today`; `source` and `finder`: the defaults
    for rows that name none."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError) as err:  # not a workbook
        raise Unreadable(f"{type(err).__name__}: {err}") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        rows = list(sheet.iter_rows(max_row=HEADER_ROWS + MAX_ROWS + 1, values_only=True)) if sheet else []
    finally:
        book.close()
    plan = Plan(digest=digest_of(data))
    found = _header(rows)
    if found is None:
        plan.problems.append(Problem(0, "", "no_header", dict(needed=[COLUMNS[k][0] for k in REQUIRED])))
        return plan
    at, columns, names = found
    body = [(at + 1 + i, r) for i, r in enumerate(rows[at:]) if any(_text(v) for v in r)]
    if len(body) > MAX_ROWS:
        plan.problems.append(Problem(0, "", "too_many_rows", dict(limit=MAX_ROWS)))
        return plan
    if not body:
        plan.problems.append(Problem(0, "", "no_rows"))
        return plan
    reader = _Reader(roster, today, columns, names, source, finder)
    for number, values in body:
        row = reader.read(number, values)
        if isinstance(row, Row):
            plan.rows.append(row)
        else:
            plan.problems.extend(row)
    return plan


def _header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """(the header's row index + 1, column key → index, column key → the header as written) of the first row
    naming every required column."""
    for i, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        names: dict[str, str] = {}
        for j, value in enumerate(row):
            text = _text(value).replace(" ", "").replace("*", "")
            for key, words in COLUMNS.items():
                if key not in columns and text in words:
                    columns[key], names[key] = j, _text(value) or get_column_letter(j + 1)
        if all(k in columns for k in REQUIRED):
            return i + 1, columns, names
    return None


def _text(value: object) -> str:
    """A cell's value as the text a person typed: the writer's formula guard taken off, invisible characters
    removed, surrounding spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return visible(clean(from_cell_text(str(value)))).strip()


class _Reader:
    def __init__(self, roster: Roster, today: date, columns: dict[str, int], names: dict[str, str],
                 source: Source | None, finder: PersonInfo | None) -> None:
        self.roster, self.today, self.columns, self.names = roster, today, columns, names
        self.source, self.finder = source, finder
        self.schools = SchoolIndex(list(roster.schools.values()))
        self.people = [p for p in roster.people.values() if p.active]

    def _cell(self, values: Sequence[object], key: str) -> object:
        index = self.columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    def read(self, number: int, values: Sequence[object]) -> Row | list[Problem]:
        problems: list[Problem] = []

        def bad(key: str, what: str, **more: object) -> None:
            problems.append(Problem(number, self.names.get(key, COLUMNS[key][0]), what, dict(more)))

        school = self._school(_text(self._cell(values, "school")), bad)
        description = _text(self._cell(values, "description"))
        if not description:
            bad("description", "empty")
        elif len(description) > MAX_DESCRIPTION:
            bad("description", "too_long", length=len(description), limit=MAX_DESCRIPTION)
        category = self._category(_text(self._cell(values, "category")), description, bad)
        typed = _text(self._cell(values, "severity")) or "一般"
        severity: Severity = next((s for s in SEVERITIES if s == typed), "一般")
        if typed not in SEVERITIES:
            bad("severity", "severity", value=typed, names=list(SEVERITIES))
        due = self._due(self._cell(values, "deadline"), severity, bad)
        source = self._source(_text(self._cell(values, "source")), bad)
        finder = self._finder(_text(self._cell(values, "finder")), school, bad)
        if problems or school is None or due is None or source is None or finder is None:
            return problems
        return Row(number, school, description, category, severity, due, source.code, finder)

    def _school(self, text: str, bad: Any) -> SchoolInfo | None:
        if not text:
            bad("school", "empty")
            return None
        match = self.schools.resolve(text)
        if match.school is None:
            bad("school", "school_ambiguous" if match.ambiguous else "school_unknown", value=text,
                names=[s.name for s in match.candidates])
        return match.school

    def _category(self, text: str, description: str, bad: Any) -> str:
        categories = self.roster.policy.categories
        if not text:
            return categorise(description, categories)
        named = next((c for c in categories if text in (c.name, *c.aliases)), None)
        if named is None:
            bad("category", "category", value=text, names=[c.name for c in categories])
            return ""
        return named.name

    def _due(self, value: object, severity: Severity, bad: Any) -> date | None:
        cal, terms = self.roster.calendar, self.roster.terms
        try:
            if isinstance(value, datetime | date):
                day = value.date() if isinstance(value, datetime) else value
                if day < self.today:
                    raise DeadlinePast(day.isoformat(), day)
                return day
            text = _text(value)
            spec = parse_deadline_spec(text) if text else self.roster.policy.default_deadline[severity]
            return due_date(spec, self.today, cal, terms)
        except DeadlineError as err:
            bad("deadline", "deadline", problem=err.user_message)
            return None

    def _source(self, text: str, bad: Any) -> Source | None:
        if not text:
            if self.source is None:
                bad("source", "source_missing", names=choices())
            return self.source
        named = source_named(text)
        if named is None:
            bad("source", "source", value=text, names=choices())
        return named

    def _finder(self, text: str, school: SchoolInfo | None, bad: Any) -> PersonInfo | None:
        person = self.finder
        if text:
            found = [p for p in self.people if text in (p.key, p.name)]
            if len(found) != 1:
                bad("finder", "finder_unknown" if not found else "finder_ambiguous", value=text,
                    names=[f"{p.name}（{p.key}）" for p in found])
                return None
            person = found[0]
        elif person is None:
            bad("finder", "finder_missing")
            return None
        if school is not None and not can(self.roster.actor_of(person), Action.LOG_FINDING, school_id=school.id,
                                          district_id=school.district_id):
            bad("finder", "finder_may_not", value=person.name, school=school.name)
            return None
        return person


def template_rows() -> Iterable[tuple[str, ...]]:
    """What `dudao findings template` writes: the header and one example row."""
    yield tuple(words[0] for words in COLUMNS.values())
    yield ("城口中学", "学生近视率偏高，体育课和课间活动时间不足", "", "一般", "限期30天", "质量监测反馈", "")
