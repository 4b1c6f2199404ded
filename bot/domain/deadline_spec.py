"""What a deadline phrase means (DeadlineSpec), checked when it is built, and how it is written back.

Kinds:
- days (n calendar days; 明天 = 1, 后天 = 2), workdays (n working days)
- date (month, day, optional year), day (a day of this month: 15日前)
- weekday (day = 1..7 Monday..Sunday, n = 0 this week / 1 next week), week_end (n = 0 / 1: 本周内, 下周内)
- month_end (n = 0 this month / 1 next month; or month = M for "M月底")
- term_start (the next term start in the county's calendar.terms: 开学前)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, NoReturn

MAX_DAYS = 366
MAX_WORKDAYS = 250
Kind = Literal["days", "workdays", "date", "day", "weekday", "week_end", "month_end", "term_start"]
KINDS: tuple[Kind, ...] = ("days", "workdays", "date", "day", "weekday", "week_end", "month_end", "term_start")
# no date in it: a fixed date would one day be past itself (the templates show dated examples from today)
HINT = "请写成“限期3天”“5个工作日”“下周五前”或“月底前”。"
WEEKDAYS = "一二三四五六日"


class DeadlineError(ValueError):
    """A deadline that cannot be accepted; str() is English, .user_message is Chinese for the user."""

    def __init__(self, message: str, user_message: str) -> None:
        super().__init__(message)
        self.user_message = user_message


class DeadlinePast(DeadlineError):
    """A deadline whose date has already passed: the user is asked which date they mean."""

    def __init__(self, label: str, due: date, *, instead: str = "", instead_due: date | None = None) -> None:
        super().__init__(f"deadline {label!r} ({due}) is in the past", f"日期“{label}”已经过去了，请检查。")
        self.label = label
        self.due = due
        self.instead = instead  # what was likely meant (本周五前 on a Sunday: 下周五前), and its date
        self.instead_due = instead_due


@dataclass(frozen=True)
class DeadlineSpec:
    kind: Kind
    n: int = 0  # days / workdays / week or month offset
    month: int = 0
    day: int = 0
    year: int | None = None  # for kind="date"
    text: str = ""  # the phrase as matched (for echoing back)

    def __post_init__(self) -> None:
        _validate(self)

    def canonical(self) -> str:
        """The standard way to write this deadline; parse_deadline_spec() reads it back."""
        return {
            "days": lambda: f"{self.n}天",
            "workdays": lambda: f"{self.n}个工作日",
            "date": lambda: f"{self.date_label()}前",
            "day": lambda: f"{self.day}日前",
            "weekday": lambda: f"{'本下'[self.n]}周{WEEKDAYS[self.day - 1]}前",
            "week_end": lambda: f"{'本下'[self.n]}周内",
            "month_end": lambda: f"{self.month}月底前" if self.month else f"{'本下'[self.n]}月底前",
            "term_start": lambda: "开学前",
        }[self.kind]()

    def date_label(self) -> str:
        prefix = f"{self.year}年" if self.year is not None else ""
        return f"{prefix}{self.month}月{self.day}日"


def _validate(spec: DeadlineSpec) -> None:
    label = spec.text or f"{spec.n}"
    if spec.kind == "days" and not 1 <= spec.n <= MAX_DAYS:
        _raise_count(spec, label, MAX_DAYS, "天")
    elif spec.kind == "workdays" and not 1 <= spec.n <= MAX_WORKDAYS:
        _raise_count(spec, label, MAX_WORKDAYS, "个工作日")
    elif spec.kind == "date":
        _validate_date(spec)
    elif spec.kind not in KINDS:
        raise DeadlineError(f"unknown deadline kind {spec.kind!r}", "期限的写法不对，" + HINT)
    elif spec.kind == "day" and not 1 <= spec.day <= 31:
        _unreadable(spec.text or f"{spec.day}日")
    elif spec.kind == "weekday" and not (1 <= spec.day <= 7 and spec.n in (0, 1)):
        _unreadable(spec.text or "周")
    elif spec.kind in ("week_end", "month_end") and spec.n not in (0, 1):
        _unreadable(spec.text or spec.kind)
    elif spec.kind == "month_end" and not 0 <= spec.month <= 12:
        _unreadable(spec.text or f"{spec.month}月底")


def _unreadable(text: str) -> NoReturn:
    raise DeadlineError(f"unreadable deadline {text!r}", f"看不懂期限“{text}”，{HINT}")


def _raise_count(spec: DeadlineSpec, label: str, most: int, unit: str) -> NoReturn:
    if spec.n < 1:
        raise DeadlineError(
            f"deadline {label!r}: {spec.kind} must be at least 1", f"期限“{label}”不对，至少要1{unit}。"
        )
    raise DeadlineError(
        f"deadline {label!r}: at most {most} {spec.kind}", f"期限“{label}”太长，最多{most}{unit}。"
    )


def _validate_date(spec: DeadlineSpec) -> None:
    label = spec.date_label()
    if spec.year is not None and not 2000 <= spec.year <= 2099:
        raise DeadlineError(f"deadline {label!r}: year out of range", f"年份“{spec.year}”不对，请检查。")
    try:
        date(spec.year if spec.year is not None else 2000, spec.month, spec.day)  # 2000: leap
    except (ValueError, TypeError):
        raise DeadlineError(
            f"deadline {label!r}: no such date", f"日期“{label}”不存在，请检查。"
        ) from None
