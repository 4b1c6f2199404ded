"""The county file: districts, schools, people, rooms, policy and calendar (see bot/data/demo-county.yaml).

Field checks happen in the models; the checks across sections (a person's school exists, no chat
id twice...) are in bot.county.checks and run when a CountyData is validated — unless the
validation context says {"defer_checks": True}, which the file loaders use so that they can
report every cross-section problem with its own line or row.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.county.checks import cross_check
from bot.county.errors import (
    CountyError,
    CountyProblem,
    Item,
    Locator,
    field_label,
    locate_problems,
    validation_items,
)
from bot.county.policy import Policy, Scope, StrictModel
from bot.domain.calendar import WorkCalendar
from bot.domain.campaign_words import KINDS, OTHER, kind_named
from bot.domain.roster import default_office

Role = Literal["督导室", "督学", "校长", "园长"]
ROLES: tuple[Role, ...] = ("督导室", "督学", "校长", "园长")
PRINCIPAL_ROLES: tuple[Role, ...] = ("校长", "园长")
SCOPES: tuple[Scope, ...] = ("office", "district", "school")
# The roster sections; one the file leaves out is left as it is in the database (see CountyData.sections).
SECTIONS = ("districts", "schools", "people", "rooms")
# The office's name is kept in the county row's policy JSON under this key (no column of its own); see sync.py.
OFFICE_KEY = "office"
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")


def split_list(value: object) -> object:
    """A list written as one string ("城口中学、城中") becomes a list; anything else is left alone."""
    if isinstance(value, str):
        return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]
    return value


Name = Annotated[str, Field(min_length=1)]
NameList = Annotated[list[Name], BeforeValidator(split_list)]


class District(StrictModel):
    name: Name
    lead: str | None = None  # a person id (责任区负责人, a 督学)


class School(StrictModel):
    name: Name
    short: NameList = Field(default_factory=list)  # registered short names (简称)
    district: Name
    type: str | None = None  # 高中 / 初中 / 小学 / 幼儿园 / 九年一贯制 ...


class Person(StrictModel):
    id: Name
    name: Name
    role: Role
    chat_id: str | None = None  # None: not yet bound (binds with #绑定)
    schools: NameList = Field(default_factory=list)  # 督学: the schools they oversee
    school: str | None = None  # 校长 / 园长: their school

    @property
    def is_principal(self) -> bool:
        return self.role in PRINCIPAL_ROLES


SCOPE_WORDS: dict[str, Scope] = {"督导室": "office", "责任区": "district", "学校": "school"}


def _scope(value: object) -> Scope:
    """office / district / school, or the Chinese 督导室 / 责任区 / 学校."""
    word = value.strip() if isinstance(value, str) else value
    if isinstance(word, str) and (word.lower() in SCOPES or word in SCOPE_WORDS):
        return SCOPE_WORDS.get(word) or word.lower()  # type: ignore[return-value]
    raise PydanticCustomError("county_bad_scope", "scope must be office, district or school, got {input}",
                              {"input": str(value)})


class Room(StrictModel):
    chat_id: Name
    name: str = ""
    scope: Annotated[Scope, PlainValidator(_scope)]
    district: str | None = None  # scope district
    school: str | None = None  # scope school
    webhook_key: str | None = None  # WeCom: the key of the group robot added to this group (optional)


class Term(StrictModel):
    name: Name
    starts: date
    check_window: tuple[int, int] = (-7, 14)  # days relative to `starts` for 开学检查

    @field_validator("check_window")
    @classmethod
    def _ordered(cls, window: tuple[int, int]) -> tuple[int, int]:
        if window[0] > window[1]:
            raise PydanticCustomError("county_window_order", "check_window must be [from, to] with from <= to",
                                      {"start": window[0], "end": window[1]})
        return window


def _campaign_kind(value: object) -> str:
    """立德树人 / 幼儿园办园行为 (办园行为) / 双减 / 开学 / 其他."""
    kind = kind_named(value) if isinstance(value, str) else None
    if kind is None:
        raise PydanticCustomError("county_campaign_kind", "kind must be one of the campaign kinds",
                                  {"input": str(value), "choices": list(KINDS)})
    return kind


class Campaign(StrictModel):
    """A 专项督导 campaign (bot/obligations/campaigns.py): its window (both days included), the schools it covers
    (全部, 幼儿园, district names, school names), its checklist, and who checks (person ids; none: each school's
    responsible supervisors)."""

    name: Name
    kind: Annotated[str, PlainValidator(_campaign_kind)] = OTHER
    starts: date
    ends: date
    scope: NameList = Field(default_factory=lambda: ["全部"])
    items: Annotated[list[Name], BeforeValidator(split_list), Field(min_length=1, max_length=30)]
    checkers: NameList = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Campaign:
        if self.ends < self.starts:
            raise PydanticCustomError("county_campaign_window", "ends before starts",
                                      {"starts": self.starts.isoformat(), "ends": self.ends.isoformat()})
        return self


class CalendarConf(StrictModel):
    terms: list[Term] = Field(default_factory=list)
    extra_holidays: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> CalendarConf:
        both = sorted(set(self.extra_holidays) & set(self.extra_workdays))
        if both:
            raise PydanticCustomError("county_holiday_and_workday", "dates in both extra_holidays and extra_workdays",
                                      {"days": [d.isoformat() for d in both]})
        names = [t.name for t in self.terms]
        twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
        if twice is not None:
            raise PydanticCustomError("county_term_twice", "two terms have the same name", {"name": twice})
        return self


class CountyData(StrictModel):
    county: Name
    office: Name | None = None  # the office's official name (督导室)
    districts: list[District]
    schools: list[School]
    people: list[Person] = Field(default_factory=list)
    rooms: list[Room] = Field(default_factory=list)
    policy: Policy = Field(default_factory=Policy)
    calendar: CalendarConf = Field(default_factory=CalendarConf)
    campaigns: list[Campaign] = Field(default_factory=list)  # 专项督导; left out: those in the database stay
    _derived: frozenset[str] = PrivateAttr(default=frozenset())  # sections a loader made up from others

    @property
    def sections(self) -> frozenset[str]:
        """The roster sections the file describes. One it leaves out (no `rooms:` key, no 群 sheet, districts
        only implied by the schools) means "leave those rows as they are"; one present but empty means "none"."""
        return frozenset(s for s in SECTIONS if s in self.model_fields_set) - self._derived

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> CountyData:
        if isinstance(info.context, dict) and info.context.get("defer_checks"):
            return self
        problems = self.check()
        if problems:
            raise ValueError("；".join(str(p) for p in locate_problems(
                "county", problems, lambda loc: ("", field_label(loc)))))
        return self

    def check(self) -> list[Item]:
        """The problems across sections, each as (location in the data, code, values)."""
        return cross_check(self)

    @property
    def office_name(self) -> str:
        """The office's official name: `office`, else {county}人民政府教育督导室."""
        return self.office or default_office(self.county)

    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar(self.calendar.extra_holidays, self.calendar.extra_workdays)

    def school(self, name: str) -> School | None:
        return next((s for s in self.schools if s.name == name), None)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def district(self, name: str) -> District | None:
        return next((d for d in self.districts if d.name == name), None)

    @classmethod
    def from_data(cls, data: Any, derived: frozenset[str] = frozenset()) -> CountyData:
        """Validate without the cross-section checks (the loaders run them and report them); `derived` names
        the sections the loader made up from others rather than read from the file."""
        county = cls.model_validate(data, context={"defer_checks": True})
        county._derived = derived
        return county


def validate_county(file: str, data: Any, locate: Locator, early: Sequence[CountyProblem] = (),
                    derived: frozenset[str] = frozenset()) -> CountyData:
    """Validate raw county data; every problem (with `early` ones found while reading) in one CountyError."""
    try:
        county = CountyData.from_data(data, derived)
    except ValidationError as err:
        raise CountyError([*early, *locate_problems(file, validation_items(err), locate)]) from None
    problems = [*early, *locate_problems(file, county.check(), locate)]
    if problems:
        raise CountyError(problems)
    return county
