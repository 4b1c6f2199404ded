"""The words of 专项督导 campaigns, shared by the chat commands and the county file: the kinds (立德树人,
幼儿园办园行为, 双减, 开学, 其他) and what people type for them, and the words of a scope (全部, 幼儿园,
districts and schools by name) — turned into a scope of ids the same way wherever a campaign is declared."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("立德树人", "幼儿园办园行为", "双减", "开学", "其他")
OTHER = "其他"
_KIND_WORDS = {"立德树人": "立德树人", "幼儿园办园行为": "幼儿园办园行为", "办园行为": "幼儿园办园行为",
               "双减": "双减", "开学": "开学", "开学检查": "开学", "春季开学": "开学", "秋季开学": "开学",
               "春秋季开学": "开学", "其他": OTHER, "其它": OTHER}
ALL, DISTRICTS, KINDERGARTENS, SCHOOLS = "all", "districts", "kindergartens", "schools"
ALL_WORDS = ("全部", "全县", "所有学校", "全部学校", "全县学校")
KINDERGARTEN_WORDS = ("幼儿园", "全部幼儿园", "所有幼儿园", "全县幼儿园")


def kind_named(word: str) -> str | None:
    """The kind a word names (双减, 办园行为, 开学检查…), or None."""
    return _KIND_WORDS.get(word.strip().strip("“”\"'"))


def kind_in(text: str) -> str:
    """The kind a campaign's name speaks of (the longest kind word in it), else 其他."""
    found = [w for w in _KIND_WORDS if w in text]
    return _KIND_WORDS[max(found, key=len)] if found else OTHER


@dataclass(frozen=True)
class ScopeSpec:
    scope: str  # all / districts / kindergartens / schools
    ids: tuple[int, ...] = ()  # district ids (districts) or school ids (schools)


def scope_from_names(names: list[str], districts: dict[str, int], school_of: Callable[[str], int | None],
                     district_of: dict[int, int]) -> tuple[ScopeSpec, list[str]]:
    """The scope a list of words names (全部; 幼儿园; district names; school names — districts and schools mixed
    become their schools) and the words that name nothing. `districts`: name → id; `school_of`: a school's id from
    its name; `district_of`: school id → district id."""
    if not names or (len(names) == 1 and names[0] in ALL_WORDS):
        return ScopeSpec(ALL), []
    if len(names) == 1 and names[0] in KINDERGARTEN_WORDS:
        return ScopeSpec(KINDERGARTENS), []
    in_districts = [districts[n] for n in names if n in districts]
    schools = {n: school_of(n) for n in names if n not in districts}
    unknown = [n for n, s in schools.items() if s is None]
    school_ids = {s for s in schools.values() if s is not None}
    if not school_ids:
        return ScopeSpec(DISTRICTS, tuple(dict.fromkeys(in_districts))), unknown
    school_ids |= {s for s, d in district_of.items() if d in in_districts}
    return ScopeSpec(SCHOOLS, tuple(sorted(school_ids))), unknown
