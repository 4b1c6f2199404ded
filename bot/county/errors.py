"""Problems found in a county file, reported as "file: where, field: what" — never a traceback."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

Loc = tuple[str | int, ...]
# Where a problem at a model location is in the source file: (location, field label).
Locator = Callable[[Loc], tuple[str, str]]


@dataclass(frozen=True)
class CountyProblem:
    file: str  # the file's name (no directory)
    location: str  # "line 42" (YAML) or "sheet 人员, row 7" (xlsx); "" if unknown
    field: str  # "people[3].school" (YAML) or the column header (xlsx); "" if none
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.location, self.field) if part)
        return f"{self.file}: {where}: {self.message}" if where else f"{self.file}: {self.message}"


class CountyError(Exception):
    """A county file that cannot be used; .problems lists every problem found."""

    def __init__(self, problems: Sequence[CountyProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def field_label(loc: Loc) -> str:
    """("people", 3, "school") -> "people[3].school"."""
    label = ""
    for part in loc:
        if isinstance(part, int):
            label += f"[{part}]"
        elif part != "[key]":
            label += f".{part}" if label else str(part)
    return label


def _quote(value: object) -> str:
    return f"“{value}”"


def describe(error: dict) -> str:
    """A pydantic error as one short English sentence."""
    kind, msg = error["type"], str(error["msg"])
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind.startswith("value_error") or kind == "assertion_error":
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("literal_error", "enum"):
        return f"{msg}, got {_quote(error.get('input'))}"
    return msg


def validation_items(err: ValidationError) -> list[tuple[Loc, str]]:
    return [(tuple(e["loc"]), describe(e)) for e in err.errors()]


def locate_problems(file: str, items: Iterable[tuple[Loc, str]], locate: Locator) -> list[CountyProblem]:
    """(model location, message) pairs as problems placed in the source file."""
    problems = []
    for loc, message in items:
        location, label = locate(loc)
        problems.append(CountyProblem(file, location, label, message))
    return problems


def file_error(file: str, message: str, location: str = "") -> CountyError:
    return CountyError([CountyProblem(file, location, "", message)])
