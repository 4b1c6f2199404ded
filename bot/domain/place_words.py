"""Places as the office writes them — one reader shared by chat (handlers/steps/scope.py, #导出, #学校考核), the CLI
and the desk: a district by its name (第一责任区), a part of it (第一) or its everyday short forms (一区, 第一区, 1区,
一片区), and several schools in one word separated by 、 , ， / or 和 (城口中学、复兴中学; 城口中学和复兴中学).

A word that is a school's name is a school even when it contains 和 (和平小学); a district's short form that is also
a school's is the school's (the school index decides first), so nothing is guessed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.roster import DistrictInfo, SchoolInfo

_NUMERALS = "零一二三四五六七八九十"
_SUFFIXES = ("督导责任区", "责任督学区", "责任区", "督导片区", "片区", "督导区", "学区", "区")
_SCHOOL_SEPARATORS = re.compile(r"[、,，/／;；]+")
_AND = re.compile(r"和|与|及")


class Resolves(Protocol):
    """The county's school index (bot.domain.schools.SchoolIndex): what the reader needs of it."""

    def resolve(self, text: str): ...  # noqa: ANN201 — a SchoolMatch


def district_forms(name: str) -> set[str]:
    """Every way people write the district `name`: 第一责任区 → 第一责任区, 第一, 一区, 第一区, 1区, 第1区, 一片区,
    一责任区…; a name that is not numbered (城北片区) → itself and its core (城北)."""
    forms = {name}
    core = next((name[: -len(s)] for s in _SUFFIXES if name.endswith(s) and len(name) > len(s)), name)
    if len(core) >= 2:
        forms.add(core)
    bare = core.removeprefix("第")
    numbers = {bare}
    if bare and all(c in _NUMERALS for c in bare) and len(bare) == 1:
        numbers.add(str(_NUMERALS.index(bare)))
    elif bare.isdigit() and int(bare) <= 10:
        numbers.add(_NUMERALS[int(bare)])
    for n in numbers:
        forms |= {f"{n}区", f"第{n}区", f"{n}片区", f"第{n}片区", f"{n}责任区", f"第{n}责任区", f"第{n}"}
    return {f for f in forms if f}


def district_named(text: str, districts: Iterable[DistrictInfo], schools: Resolves) -> DistrictInfo | None:
    """The one district `text` names — in full, in a short form (district_forms) or by an unambiguous part of its
    name — unless it names a school."""
    text = text.strip()
    if not text:
        return None
    districts = list(districts)
    found = [d for d in districts if text in district_forms(d.name)]
    if not found:
        found = [d for d in districts if len(text) >= 2 and text in d.name]
    return found[0] if len(found) == 1 and schools.resolve(text).school is None else None


@dataclass
class Places:
    """What a command's words name as places: one district, or schools; `unknown`: a word that names neither (the
    first) or one too many (`mixed`), `ambiguous`: its candidates when it is a fragment of several schools."""

    district: DistrictInfo | None = None
    schools: list[SchoolInfo] = field(default_factory=list)
    unknown: str = ""
    candidates: tuple[SchoolInfo, ...] = ()
    ambiguous: bool = False
    mixed: bool = False  # two districts, or a district and schools: one place at a time

    @property
    def named(self) -> bool:
        return self.district is not None or bool(self.schools)


def school_parts(text: str, schools: Resolves) -> list[str]:
    """`text` cut into school names at 、 , ， / ； — and at 和 only where the whole is not a school's name."""
    out: list[str] = []
    for part in (p.strip() for p in _SCHOOL_SEPARATORS.split(text)):
        if not part:
            continue
        if schools.resolve(part).school is None and _AND.search(part):
            pieces = [p.strip() for p in _AND.split(part) if p.strip()]
            if pieces and all(schools.resolve(p).school is not None for p in pieces):
                out.extend(pieces)
                continue
        out.append(part)
    return out


def read_places(words: Iterable[str], districts: Iterable[DistrictInfo], schools: Resolves) -> Places:
    """The district or the schools `words` name (each word a district, a school, or schools joined by 、 or 和)."""
    districts = list(districts)
    found = Places()
    for word in words:
        if (district := district_named(word, districts, schools)) is not None:
            if found.district is None:
                found.district = district
                continue
            if found.district.id == district.id:
                continue
            return Places(unknown=word, mixed=True)  # two districts
        for part in school_parts(word, schools):
            match = schools.resolve(part)
            if match.school is None:
                return Places(unknown=part, candidates=match.candidates, ambiguous=match.ambiguous)
            if match.school not in found.schools:
                found.schools.append(match.school)
    if found.district is not None and found.schools:
        return Places(unknown=found.schools[0].display, mixed=True)
    return found
