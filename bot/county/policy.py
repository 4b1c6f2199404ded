"""The county policy (the `policy:` section) and its defaults — the demo county's values.

Every value has a default, so a county file overrides only what it needs. The deadline dicts
(default_deadline, monthly) merge key by key with the defaults.
"""
from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

from bot.county.categories import FALLBACK_CATEGORY, Category, default_categories, unique_words
from bot.county.strict import StrictModel
from bot.domain.deadlines import DeadlineSpec, parse_deadline_spec
from bot.domain.school_indicators import BY_NAME as INDICATORS_BY_NAME

__all__ = ["FALLBACK_CATEGORY", "Category", "Policy", "StrictModel"]

Severity = Literal["一般", "较重", "严重"]
SEVERITIES: tuple[Severity, ...] = ("一般", "较重", "严重")
Notify = Literal["principal", "supervisor", "district_lead", "office"]
Scope = Literal["office", "district", "school"]
MonthlyKind = Literal["自查", "月报", "汇总"]
# where an issued 通报 goes: the office room, and every district's room when the county says so. Not the schools'
# rooms: the 通报 names every school's overdue findings, and a school room shows only its own school's.
BulletinRoom = Literal["office", "district"]
MONTHLY_KINDS: tuple[MonthlyKind, ...] = ("自查", "月报", "汇总")


def _deadline(value: object, kinds: tuple[str, ...], example: str) -> DeadlineSpec:
    spec = value if isinstance(value, DeadlineSpec) else None
    if isinstance(value, str):
        try:
            spec = parse_deadline_spec(value)
        except ValueError:
            spec = None
    if spec is None or spec.kind not in kinds:
        raise PydanticCustomError("county_not_duration", "expected a duration such as {example}, got {input}",
                                  {"example": example, "input": str(value), "workdays_only": kinds == ("workdays",)})
    return spec


def _serialize(spec: DeadlineSpec) -> str:
    return spec.canonical()


Duration = Annotated[
    DeadlineSpec,
    PlainValidator(lambda v: _deadline(v, ("days", "workdays"), "10个工作日")),
    PlainSerializer(_serialize, return_type=str),
]
Workdays = Annotated[
    DeadlineSpec,
    PlainValidator(lambda v: _deadline(v, ("workdays",), "5个工作日")),
    PlainSerializer(_serialize, return_type=str),
]


def _clock(value: object) -> object:
    """Accept "9:00" as well as "09:00"."""
    if isinstance(value, str) and re.fullmatch(r"\d:\d\d(:\d\d)?", value.strip()):
        return "0" + value.strip()
    return value


Clock = Annotated[time, BeforeValidator(_clock)]


def _bulletin_day(value: object) -> int | str:
    if value == "last" or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 28):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return _bulletin_day(int(value))
    raise PydanticCustomError("county_bulletin_day", "day must be 1..28 or 'last', got {input}", {"input": str(value)})


class LadderStep(StrictModel):
    after: int = Field(ge=0)  # working days after the deadline
    notify: list[Notify] = Field(min_length=1)
    room: Scope


class MonthlyStep(StrictModel):
    due_day: int = Field(ge=1, le=28)
    remind_before: int = Field(ge=0, le=27)  # working days before due_day


class WeeklyDigest(StrictModel):
    weekday: int = Field(default=1, ge=1, le=7)  # 1 = Monday
    time: Clock = time(8, 30)


class MonthlyBulletin(StrictModel):
    day: Annotated[int | Literal["last"], PlainValidator(_bulletin_day)] = "last"
    time: Clock = time(16, 0)


class Digest(StrictModel):
    weekly: WeeklyDigest = Field(default_factory=WeeklyDigest)
    monthly_bulletin: MonthlyBulletin = Field(default_factory=MonthlyBulletin)


def _indicator(value: str) -> str:
    if value not in INDICATORS_BY_NAME:
        raise PydanticCustomError("county_unknown_indicator", "unknown indicator {input}",
                                  {"input": value, "choices": list(INDICATORS_BY_NAME)})
    return value


IndicatorName = Annotated[str, AfterValidator(_indicator)]
Weight = Annotated[int, Field(ge=0)]
# 综合督导考核 of schools by default (docs/design.md, "The office's figures"): the weights add up to 100. The first
# four keep their 2:1:1:1 ratio, so a school with no 专项督导 result in the period (that indicator 不适用) scores as
# it would without it.
DEFAULT_SCHOOL_WEIGHTS = {"按期整改率": 36, "整改率": 18, "整改逾期": 18, "自查按时率": 18, "专项检查符合率": 10}
DEFAULT_OVERDUE_DEDUCTION = 20  # points off 整改逾期's 100 for each overdue finding


class SchoolAssessment(StrictModel):
    """`policy.school_assessment`: the indicators of the 综合督导考核 of schools (bot.domain.school_indicators) with
    their weights, in the order shown; a county that lists indicators lists all it wants (no merge with the
    defaults: the weights must add up to 100)."""

    indicators: dict[IndicatorName, Weight] = Field(default_factory=lambda: dict(DEFAULT_SCHOOL_WEIGHTS))
    overdue_deduction: int = Field(default=DEFAULT_OVERDUE_DEDUCTION, ge=1, le=100)

    @field_validator("indicators")
    @classmethod
    def _weights_add_up(cls, weights: dict[str, int]) -> dict[str, int]:
        if sum(weights.values()) != 100:
            raise PydanticCustomError("county_weights_sum", "weights add up to {total}, not 100",
                                      {"total": sum(weights.values()), "weights": weights})
        return weights


DEFAULT_BULLETIN_ROOMS: tuple[BulletinRoom, ...] = ("office",)
DEFAULT_DEADLINES = {"一般": "10个工作日", "较重": "5个工作日", "严重": "2个工作日"}
DEFAULT_LADDER = [
    {"after": 0, "notify": ["principal", "supervisor"], "room": "school"},
    {"after": 3, "notify": ["district_lead"], "room": "district"},
    {"after": 7, "notify": ["office"], "room": "office"},
]
DEFAULT_MONTHLY = {
    "自查": {"due_day": 20, "remind_before": 3},  # principals
    "月报": {"due_day": 25, "remind_before": 3},  # supervisors
    "汇总": {"due_day": 28, "remind_before": 2},  # district leads
}


class Policy(StrictModel):
    timezone: str = "Asia/Shanghai"
    quiet_hours: tuple[Clock, Clock] = (time(21, 30), time(7, 30))
    reminder_time: Clock = time(9, 0)
    # The defaults below are raw county-file values that validate_default turns into the fields' types; pydantic's
    # stubs type a default_factory as returning the field's type already.
    default_deadline: dict[Severity, Duration] = Field(
        default_factory=lambda: dict(DEFAULT_DEADLINES))  # type: ignore[arg-type]  # raw, validated (above)
    overdue_ladder: list[LadderStep] = Field(
        default_factory=lambda: list(DEFAULT_LADDER))  # type: ignore[arg-type]  # raw, validated (above)
    verify_within: Workdays = Field(default_factory=lambda: parse_deadline_spec("5个工作日"))
    # an appeal (申诉) waiting longer than this for the office's decision: the office room is reminded daily
    appeal_within: Workdays = Field(default_factory=lambda: parse_deadline_spec("5个工作日"))
    # what "延期5天" counts from: "today" — an overdue finding's from today, any other's from its deadline;
    # "deadline" — always from the deadline (the reply says which: 自今日起5天 / 在原期限9月19日上延长5天)
    extend_from: Literal["today", "deadline"] = "today"
    categories: list[Category] = Field(default_factory=default_categories)
    monthly: dict[MonthlyKind, MonthlyStep] = Field(
        default_factory=lambda: dict(DEFAULT_MONTHLY))  # type: ignore[arg-type]  # raw, validated (above)
    digest: Digest = Field(default_factory=Digest)
    school_assessment: SchoolAssessment = Field(default_factory=SchoolAssessment)
    bulletin_rooms: list[BulletinRoom] = Field(default_factory=lambda: list(DEFAULT_BULLETIN_ROOMS))  # BulletinRoom

    model_config = ConfigDict(validate_default=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise PydanticCustomError("county_unknown_timezone", "unknown time zone {input}",
                                      {"input": value}) from None
        return value

    @field_validator("default_deadline", mode="before")
    @classmethod
    def _merge_deadlines(cls, value: Any) -> Any:
        return {**DEFAULT_DEADLINES, **value} if isinstance(value, dict) else value

    @field_validator("monthly", mode="before")
    @classmethod
    def _merge_monthly(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {k: dict(v) for k, v in DEFAULT_MONTHLY.items()}
        for key, step in value.items():
            both = isinstance(step, dict) and isinstance(merged.get(key), dict)
            merged[key] = {**merged[key], **step} if both else step
        return merged

    @field_validator("overdue_ladder")
    @classmethod
    def _ladder_ascending(cls, steps: list[LadderStep]) -> list[LadderStep]:
        afters = [s.after for s in steps]
        if afters != sorted(set(afters)):
            raise PydanticCustomError("county_ladder_order", "overdue_ladder 'after' values must increase",
                                      {"afters": afters})
        return steps

    @field_validator("categories")
    @classmethod
    def _categories_unique(cls, categories: list[Category]) -> list[Category]:
        return unique_words(categories)
