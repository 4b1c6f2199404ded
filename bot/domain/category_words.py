"""Which category a description is about, by its words (教学楼 is a building, not 教学常规).

Each category's name, aliases and keywords found in the description vote for it, a word by its weight: a longer
word says more (2 characters 2, 3 characters 3, 4 or more 4; a word that names the problem or the kindergarten 5),
a generic word (a place such as 楼道 or 宿舍, or 破损) only 1, and a word inside a longer word also found (照明 in
应急照明, 补课 in 有偿补课) not at all. The category with the highest total wins if it outweighs the runner-up by
a quarter (5 to 4, module LEAD); a closer race, a tie included, gives the fallback (其他, which the reply shows so it
can be corrected with #修改) rather than a coin flip or a guess. A keyword of two characters must be a word of the
description (jieba, bot.segmenter); one of three or more may stand anywhere in it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from bot.segmenter import load, words_of

FALLBACK = "其他"
# words that say where, or that something is wrong, more than what: they only decide when nothing else is found
GENERIC_WORDS = frozenset({
    "楼梯", "楼道", "走廊", "宿舍", "教室", "厕所", "卫生间", "操场", "杂物", "档案", "破损", "损坏", "值班", "管理",
    "上课", "考试", "成绩", "配备", "记录", "制度", "设施", "设备", "检查", "公示", "实验室", "作业", "教学",
    "课堂", "费用",
})
# words that name the problem whatever the thing (a loose bar is a danger, not equipment), or the place that decides
# (in a kindergarten, 办园行为): 5 whatever their length
STRONG_WORDS = frozenset({
    "锈蚀", "松动", "脱落", "坍塌", "倒塌", "垮塌", "倾倒", "裸露", "隐患", "漏电", "松脱", "掉落", "坠落", "砸伤",
    "体罚", "辱骂", "党支部", "党组织", "党员", "幼儿园", "幼儿", "保育员", "小学化", "大班", "中班", "小班", "托班",
})
# who did it decides between a teacher's conduct and the students' (打牌, 迟到早退, 玩手机 are either): when a county
# has both categories, the words of either count for the one whose people are named first, after a leading "家长反映"
CONDUCT = {"师德师风": ("老师", "教师", "班主任", "校长", "教职工", "职工"),
           "校风学风": ("学生", "男生", "女生", "同学", "住校生", "寄宿生", "孩子")}
# the winner must outweigh the runner-up by this ratio (5 to 4), else 其他: equal totals (no longer broken by the
# longest word) and close ones such as 6 to 5. Measured on every labelled set (tests/unit/test_category_set.py):
# fewer wrong on fresh text for almost no fewer right; a higher bar (4 to 3), a minimum weight, or a win on generic
# words only turned about as many right filings into 其他 as wrong ones
LEAD = (5, 4)
_REPORTED = re.compile(r"^[^，,。；;：:]{0,6}?(反映|反应|举报|投诉)[，,：:]?")


class HasKeywords(Protocol):
    name: str
    aliases: list[str]
    keywords: list[str]


def weight(word: str) -> int:
    if word in STRONG_WORDS:
        return 5
    return 1 if word in GENERIC_WORDS else min(len(word), 4)


class _Index:
    """The keywords of one set of categories, ready to match: the short ones as words (every keyword is added to
    jieba), the long ones anywhere."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        owner: dict[str, str] = {}
        for word, name in pairs:
            owner.setdefault(word, name)  # the county's order decides a word given twice
        self.owner = owner
        self.names = set(owner.values())
        self.long = frozenset(w for w in owner if len(w) >= 3)
        self.lengths = sorted({len(w) for w in self.long}, reverse=True)
        self.words = tuple(owner)
        load(self.words)  # jieba knows every keyword as a word

    def found(self, text: str) -> set[str]:
        hits = {w for w in words_of(text) if w in self.owner}
        for start in range(len(text) - 2):  # the long keywords wherever they stand
            hits.update(text[start:start + n] for n in self.lengths if text[start:start + n] in self.long)
        return hits


_INDEXES: dict[tuple, tuple[tuple, _Index]] = {}


def _index(categories: Sequence[HasKeywords]) -> _Index:
    """The index of these categories, built once: a county's categories are read once and kept, so they are known by
    the identity of their objects and lists (kept alive with the index, so that no other object takes their id)."""
    key = tuple((id(c), id(c.aliases), id(c.keywords), len(c.aliases), len(c.keywords), c.name) for c in categories)
    cached = _INDEXES.get(key)
    if cached is None:
        if len(_INDEXES) >= 32:
            _INDEXES.clear()
        kept = tuple((c, c.aliases, c.keywords) for c in categories)
        cached = _INDEXES[key] = (kept, _Index(keywords(categories)))
    return cached[1]


def keywords(categories: Sequence[HasKeywords]) -> tuple[tuple[str, str], ...]:
    """(word, category) for every name, alias and keyword, in the county's order."""
    return tuple((w, c.name) for c in categories for w in (c.name, *c.aliases, *c.keywords) if w)


def scores(text: str, categories: Sequence[HasKeywords]) -> dict[str, tuple[int, int]]:
    """For each category with a word in `text`: (total weight, length of its longest word)."""
    index = _index(categories)
    hits = index.found(text)
    kept = [w for w in hits if not any(w != other and w in other for other in hits)]
    totals: dict[str, tuple[int, int]] = {}
    actor = _actor(text, index.names)
    for word in kept:
        name = index.owner[word]
        if actor and name in CONDUCT:
            name = actor
        total, longest = totals.get(name, (0, 0))
        totals[name] = (total + weight(word), max(longest, len(word)))
    return totals


def _actor(text: str, present: set[str]) -> str | None:
    """The conduct category whose people are named first in `text` (module CONDUCT), if the county has both."""
    if not set(CONDUCT) <= present:
        return None
    text = _REPORTED.sub("", text, count=1)
    first = {name: min((i for w in people if (i := text.find(w)) >= 0), default=len(text))
             for name, people in CONDUCT.items()}
    (name, at), (_, other) = sorted(first.items(), key=lambda kv: kv[1])
    return name if at < other else None


def categorise(text: str, categories: Sequence[HasKeywords], fallback: str = FALLBACK) -> str:
    """The category whose words in `text` clearly weigh most (module docstring), else `fallback`."""
    ranked = sorted(scores(text, categories).items(), key=lambda kv: kv[1], reverse=True)
    if not ranked:
        return fallback
    if len(ranked) > 1 and ranked[0][1][0] * LEAD[1] < ranked[1][1][0] * LEAD[0]:
        return fallback  # too close to the runner-up: 其他, to be corrected, is better than a wrong category
    return ranked[0][0]
