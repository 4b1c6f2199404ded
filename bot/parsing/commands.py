"""Typed commands, one per thing a person can ask of the bot. The parser makes them; handlers consume them."""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain.deadlines import DeadlineSpec


@dataclass(frozen=True)
class NewFinding:
    """#问题 <学校> [类别] <描述> [限期] [一般/较重/严重]. `words` still holds school, category and description."""

    words: tuple[str, ...]
    deadline: DeadlineSpec | None = None
    severity: str | None = None


@dataclass(frozen=True)
class Rectify:
    ref: int
    note: str = ""


@dataclass(frozen=True)
class Verify:
    ref: int
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class Withdraw:
    ref: int
    reason: str


@dataclass(frozen=True)
class Extend:
    ref: int
    deadline: DeadlineSpec
    reason: str = ""


@dataclass(frozen=True)
class Query:
    ref: int


@dataclass(frozen=True)
class ListFindings:
    filter: str | None = None  # None (all open), "overdue", "rectified"
    words: tuple[str, ...] = ()  # an optional school


@dataclass(frozen=True)
class Visit:
    words: tuple[str, ...]  # school first, then what was checked


@dataclass(frozen=True)
class Stats:
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Export:
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Bind:
    code: str


@dataclass(frozen=True)
class BindRoom:
    scope: str  # office / district / school / none
    name: str = ""


@dataclass(frozen=True)
class Submit:
    """#自查 / #月报 / #汇总 with free text."""

    kind: str
    text: str = ""


@dataclass(frozen=True)
class TermCheck:
    """#开学检查 <学校> 完成 [发现问题N个]."""

    words: tuple[str, ...]
    done: bool = True
    problems: int | None = None


@dataclass(frozen=True)
class Digest:
    """#周报 / #通报 on demand."""

    kind: str  # weekly / bulletin


@dataclass(frozen=True)
class Leave:
    """#请假 10月8日-10月12日 [姓名]."""

    text: str


@dataclass(frozen=True)
class EndLeave:
    """#销假 [姓名]: back from leave early (the office may name someone)."""

    name: str = ""


@dataclass(frozen=True)
class Unknown:
    """Addressed to the bot (#…), but no command we know."""

    word: str


Command = (
    NewFinding | Rectify | Verify | Withdraw | Extend | Query | ListFindings | Visit | Stats | Export
    | Help | Bind | BindRoom | Submit | TermCheck | Digest | Leave | EndLeave | Unknown
)
