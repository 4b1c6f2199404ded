"""Deadline phrases in messages: 限期3天, 5个工作日, 9月15日前 — found, validated and resolved to a date.

Accepted forms (after width folding, bot.text; numbers in digits or Chinese numerals up to 999):
- calendar days: 限期N天, 限N天, 期限:N天, N天, N天内, N日内, 限期N日, N周 (= 7N days)
- working days:  N个工作日, N工作日, 限期N个工作日, N个工作日内
- dates:         9月15日前, 9月15号, 2024年9月15日前, 9.15前, 9/15前, 2024-09-15 (前 optional)
A "strong" phrase carries a marker (限/限期/期限/截止 before it, 内/前 after it, or 工作日) and
is found anywhere; a bare 3天 or 9月15日 counts only as a separate token (spaces or
punctuation around it) and only when no strong phrase is present, so that "检查发现3天前..." or
"9月15日检查时发现..." in a description is not taken for a deadline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NoReturn

from bot.domain.calendar import WorkCalendar
from bot.domain.deadline_patterns import Candidate, find_candidates, parse_number
from bot.text import fold_width

MAX_DAYS = 366
MAX_WORKDAYS = 250
KINDS = ("days", "workdays", "date")
_HINT = "请写成“限期3天”“5个工作日”或“9月15日前”。"


class DeadlineError(ValueError):
    """A deadline that cannot be accepted; str() is English, .user_message is Chinese for the user."""

    def __init__(self, message: str, user_message: str) -> None:
        super().__init__(message)
        self.user_message = user_message


@dataclass(frozen=True)
class DeadlineSpec:
    kind: Literal["days", "workdays", "date"]
    n: int = 0  # days / workdays
    month: int = 0
    day: int = 0
    year: int | None = None  # for kind="date"
    text: str = ""  # the phrase as matched (for echoing back)

    def __post_init__(self) -> None:
        _validate(self)

    def canonical(self) -> str:
        """The standard way to write this deadline; parse_deadline_spec() reads it back."""
        if self.kind == "days":
            return f"{self.n}天"
        if self.kind == "workdays":
            return f"{self.n}个工作日"
        return f"{self.date_label()}前"

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
        raise DeadlineError(f"unknown deadline kind {spec.kind!r}", "期限的写法不对，" + _HINT)


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


def _spec_from(candidate: Candidate) -> DeadlineSpec:
    """Build (and so validate) the spec a candidate phrase describes."""
    g, text = candidate.groups, candidate.text
    if candidate.kind == "date":
        month, day = parse_number(g["m"]), parse_number(g["d"])
        year = int(g["y"]) if g.get("y") else None
        if month is None or day is None:
            raise DeadlineError(f"unreadable date {text!r}", f"看不懂日期“{text}”，{_HINT}")
        return DeadlineSpec("date", month=month, day=day, year=year, text=text)
    n = parse_number(g["num"])
    if n is None:
        raise DeadlineError(f"unreadable number in {text!r}", f"看不懂期限“{text}”，{_HINT}")
    if candidate.kind == "days" and g.get("unit") == "周":
        n *= 7
    return DeadlineSpec(candidate.kind, n=n, text=text)


def normalise(text: str) -> str:
    """Fold full-width forms (３天, ：) but keep the user's Chinese punctuation in the rest of the text."""
    return fold_width(text)


def find_deadline(text: str) -> tuple[DeadlineSpec | None, str]:
    """Find the deadline phrase in a message.

    Returns (spec, the text without the phrase, whitespace tidied), or (None, tidied text).
    Only one deadline is taken: "3天" and "9月15日" without markers count only when no phrase
    with a marker (限期, 内, 前, 工作日) is there.
    Raises DeadlineError when a phrase clearly is a deadline but is invalid (2月30日, 限期0天,
    限期1个月) or when a message holds two different deadlines.
    """
    text = _tidy(normalise(text))
    chosen = find_candidates(text)
    if chosen is None:
        return None, _tidy(text)
    if isinstance(chosen, str):
        raise DeadlineError(f"unreadable deadline {chosen!r}", f"看不懂期限“{chosen}”，{_HINT}")
    specs = [_spec_from(c) for c in chosen]
    distinct = {(s.kind, s.n, s.month, s.day, s.year) for s in specs}
    if len(distinct) > 1:
        phrases = "”“".join(s.text for s in specs)
        raise DeadlineError(
            "several deadlines: " + ", ".join(repr(s.text) for s in specs),
            f"一条消息里有多个期限（“{phrases}”），请只保留一个。",
        )
    for c in reversed(chosen):  # the same deadline written twice: both go
        text = _remove(text, c.start, c.end)
    return specs[0], text


_SEPARATORS = ",，、;；:"
_PUNCT = _SEPARATORS + "。.!！?？"


def _remove(text: str, start: int, end: int) -> str:
    left, right = text[:start], text[end:]
    spaced = left[-1:].isspace() or right[:1].isspace()
    left, right = left.rstrip(), right.lstrip()
    if right and right[0] in _PUNCT and (not left or left[-1] in _PUNCT):
        right = right[1:].lstrip()
    if not right:
        left = left.rstrip(_SEPARATORS).rstrip()
    return _tidy(left + (" " if spaced and left and right else "") + right)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_deadline_spec(text: str) -> DeadlineSpec:
    """Read a whole phrase such as "10个工作日", "3天", "9月15日前" (policy values, #延期 5天).

    Raises DeadlineError (a ValueError) with an English message and a Chinese .user_message.
    """
    phrase = _tidy(normalise(text))
    chosen = find_candidates(phrase, whole=True)
    if not chosen or isinstance(chosen, str):
        raise DeadlineError(
            f"not a deadline: {text!r} (expected e.g. '3天', '10个工作日' or '9月15日前')",
            f"看不懂期限“{text}”，{_HINT}",
        )
    return _spec_from(chosen[0])


def due_date(spec: DeadlineSpec, today: date, cal: WorkCalendar) -> date:
    """The local date by whose end the deadline falls.

    days: today + n; workdays: the nth working day after today; a date without a year: its next
    occurrence on or after today. A dated deadline (with a year) already past raises DeadlineError.
    """
    if spec.kind == "days":
        return today + timedelta(days=spec.n)
    if spec.kind == "workdays":
        return cal.add_workdays(today, spec.n)
    if spec.year is not None:
        due = date(spec.year, spec.month, spec.day)
        if due < today:
            label = spec.date_label()
            raise DeadlineError(f"deadline {label} is in the past", f"日期“{label}”已经过去了，请检查。")
        return due
    for year in range(today.year, today.year + 9):  # 2月29日 may be up to 8 years away
        try:
            due = date(year, spec.month, spec.day)
        except ValueError:
            continue
        if due >= today:
            return due
    raise DeadlineError(f"no date {spec.date_label()} ahead", f"日期“{spec.date_label()}”不存在，请检查。")
