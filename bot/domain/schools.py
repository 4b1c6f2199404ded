"""Find a school from what people type: full name, registered short name, or an unambiguous fragment."""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.roster import SchoolInfo

# how the names of schools end: 中学, 小学, 学校, 幼儿园, 一中, 中心校, 完小… (a word like this names a school)
_SCHOOL_ENDINGS = re.compile(r"(中学|小学|学校|幼儿园|[一二三四五六七八九十]中|[一二三四五六七八九十]小|"
                             r"中心校|完小|村小|附小|附中|高中|初中|职中|职高)$")


def looks_like_school(word: str) -> bool:
    """Does `word` end like a school's name (城口二中, 中心小学, 东城幼儿园)?"""
    return len(word) >= 2 and _SCHOOL_ENDINGS.search(word) is not None


@dataclass(frozen=True)
class SchoolMatch:
    school: SchoolInfo | None = None
    candidates: tuple[SchoolInfo, ...] = ()  # ambiguous: ask which one; unknown: closest suggestions
    ambiguous: bool = False  # the text is a fragment of every candidate (else they are suggestions)


class SchoolIndex:
    def __init__(self, schools: list[SchoolInfo]) -> None:
        self.schools = schools
        self._exact: dict[str, SchoolInfo] = {}
        for s in schools:
            for name in (s.name, *s.short_names):
                self._exact[name] = s
        self._choices = {name: s for name, s in self._exact.items()}

    def exact(self, text: str) -> SchoolInfo | None:
        return self._exact.get(text.strip())

    def resolve(self, text: str) -> SchoolMatch:
        """Exact name or short name; else a fragment of exactly one school; else suggestions (never a guess)."""
        text = text.strip()
        if not text:
            return SchoolMatch()
        if hit := self._exact.get(text):
            return SchoolMatch(school=hit)
        by_fragment = {s.id: s for s in self.schools if len(text) >= 2 and _contains(s, text)}
        if len(by_fragment) == 1:
            return SchoolMatch(school=next(iter(by_fragment.values())))
        if by_fragment:
            return SchoolMatch(candidates=tuple(sorted(by_fragment.values(), key=lambda s: s.name)), ambiguous=True)
        return SchoolMatch(candidates=self.suggest(text))

    def suggest(self, text: str, limit: int = 3) -> tuple[SchoolInfo, ...]:
        found = process.extract(text, list(self._choices), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=60)
        seen: dict[int, SchoolInfo] = {}
        for name, _score, _ in found:
            s = self._choices[name]
            seen.setdefault(s.id, s)
        return tuple(list(seen.values())[:limit])


def _contains(school: SchoolInfo, fragment: str) -> bool:
    return fragment in school.name or any(fragment in short for short in school.short_names)
