"""Problems found in a county file, each with its place (file, line or sheet and row, field or column) and what is
wrong, said in the office's words (templates/county/problem.j2) — never a library's message or a traceback.

A problem is a code and its values; the template says it. The loaders place each problem in the source file (a
`Locator`: model location -> (place, field)); a value named `other` that is a model location (the first of two
duplicates) is placed the same way, so that a duplicate names both rows.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from bot.render import Renderer

Loc = tuple[str | int, ...]
# Where a problem at a model location is in the source file: (place, field label).
Locator = Callable[[Loc], tuple[str, str]]
# A problem found in the data: (model location, code, values).
Item = tuple[Loc, str, dict[str, Any]]


@cache
def _renderer() -> Renderer:
    return Renderer()


@dataclass(frozen=True)
class CountyProblem:
    file: str  # the file's name (no directory)
    location: str  # "第 42 行" (YAML) or "工作表“人员”第 7 行" (xlsx); "" if unknown
    field: str  # "people 第 4 项的 school" (YAML) or "“学校”列" (xlsx); "" if none
    code: str  # which problem (templates/county/problem.j2)
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # qualified: `field` is a field above

    @property
    def message(self) -> str:
        """What is wrong, in a sentence."""
        return _renderer().render("county/problem.j2", code=self.code, v=self.values)

    @property
    def place(self) -> str:
        """Where, without the file: "第 42 行，people 第 4 项的 school"."""
        return "，".join(part for part in (self.location, self.field) if part)

    def __str__(self) -> str:
        return f"{self.file}，{self.place}：{self.message}" if self.place else f"{self.file}：{self.message}"


class CountyError(Exception):
    """A county file that cannot be used; .problems lists every problem found."""

    def __init__(self, problems: Sequence[CountyProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file if self.problems else ""


def field_label(loc: Loc) -> str:
    """A place in the YAML data as the office reads it: ("people", 3, "school") -> "people 第 4 项的 school"."""
    label, after_item = "", False
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            label += f" 第 {part + 1} 项"
            after_item = True
        else:
            label += f"的 {part}" if after_item else f".{part}" if label else str(part)
            after_item = False
    return label


def _shown(value: object) -> str:
    """A value as the office wrote it (a list as [a, b]), cut short."""
    if isinstance(value, list | tuple):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


_DATE = ("date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact")
_TIME = ("time_parsing", "time_type")
_INT = ("int_parsing", "int_type", "int_from_float", "int_parsing_size")
_MAPPING = ("dict_type", "model_type", "model_attributes_type", "mapping_type")
_BOUNDS = {"less_than_equal": ("too_big", "le"), "less_than": ("too_big", "lt"),
           "greater_than_equal": ("too_small", "ge"), "greater_than": ("too_small", "gt")}


def describe(error: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A pydantic error as (code, values) for templates/county/problem.j2: its type, never its English message."""
    kind, ctx = error["type"], dict(error.get("ctx") or {})
    given = _shown(error.get("input", ""))
    if kind == "missing":
        return "missing", {}
    if kind == "extra_forbidden":
        return "unknown_field", {"name": error["loc"][-1] if error["loc"] else ""}
    if kind.startswith("county_"):  # our own validators (PydanticCustomError)
        return kind.removeprefix("county_"), ctx
    if kind in ("string_type", "string_sub_type"):
        return "not_text", {"input": given}
    if kind in ("string_too_short", "too_short") and ctx.get("min_length", 1) <= 1 and not error.get("input"):
        return "empty", {}
    if kind in ("too_short", "too_long", "string_too_long"):
        return "count", {"input": given, "min": ctx.get("min_length"), "max": ctx.get("max_length")}
    if kind in _INT:
        return "not_integer", {"input": given}
    if kind in _DATE:
        return "not_date", {"input": given}
    if kind in _TIME:
        return "not_time", {"input": given}
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return "not_one_of", {"input": given, "choices": choices}
    if kind in _BOUNDS:
        code, key = _BOUNDS[kind]
        return code, {"input": given, "limit": ctx.get(key), "strict": key in ("lt", "gt")}
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return "not_list", {"input": given}
    if kind in _MAPPING:
        return "not_mapping", {"input": given}
    if kind in ("bool_parsing", "bool_type"):
        return "not_bool", {"input": given}
    return "invalid", {"input": given}


def validation_items(err: ValidationError) -> list[Item]:
    return [(tuple(e["loc"]), *describe(e)) for e in err.errors()]


def locate_problems(file: str, items: Iterable[Item], locate: Locator) -> list[CountyProblem]:
    """(model location, code, values) as problems placed in the source file; a value `other` that is a model
    location (where the first of two duplicates is) becomes its place."""
    problems = []
    for loc, code, values in items:
        location, label = locate(loc)
        if isinstance(values.get("other"), tuple):
            values = {**values, "other": locate(values["other"])[0]}
        problems.append(CountyProblem(file, location, label, code, values))
    return problems


def file_error(file: str, code: str, location: str = "", **values: Any) -> CountyError:
    return CountyError([CountyProblem(file, location, "", code, values)])
