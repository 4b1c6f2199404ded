"""Which category a description is about, by its words (教学楼 is a building, not 教学常规)."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from bot.segmenter import words_of

FALLBACK = "其他"


class HasKeywords(Protocol):
    name: str
    aliases: list[str]
    keywords: list[str]


@lru_cache(maxsize=32)
def _ordered(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(keyword, category), the longest keyword first; among equals the county's order."""
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def keywords(categories: Sequence[HasKeywords]) -> tuple[tuple[str, str], ...]:
    pairs = tuple((w, c.name) for c in categories for w in (c.name, *c.aliases, *c.keywords) if w)
    return _ordered(pairs)


def categorise(text: str, categories: Sequence[HasKeywords], fallback: str = FALLBACK) -> str:
    """The category of the longest keyword that is a word of `text`, else `fallback`."""
    ordered = keywords(categories)
    words = words_of(text, (w for w, _ in ordered))
    return next((name for word, name in ordered if word in words), fallback)
