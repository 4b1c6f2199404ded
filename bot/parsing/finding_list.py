"""A list of findings in one #问题 message, as supervisors write them after a visit: numbered items (`1.` `1、`
`（1）` `①` `一、`), one item a line under a head line, or `；`-separated parts that each begin with a school.

Pure: whether a word names a school, and whether a line is only a list's head (school, category, severity,
deadline — nothing to log), is the caller's to say. A single finding that merely contains `；` is no list: only
parts that each begin with a school are. Line breaks inside an item are kept.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.parsing.normalize import split_words

MAX_ITEMS = 20
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_HAN = "一二三四五六七八九十"
# a marker at a line's start, or after a space or a sentence's end (`城口中学 1.消防通道…；2.食堂…`)
_MARK = re.compile(
    rf"(?:^|(?<=[\s；;。:：]))(?:(?P<n>\d{{1,2}})[.、．)）](?!\d)|[（(](?P<p>\d{{1,2}})[)）]|(?P<c>[{_CIRCLED}])"
    rf"|(?P<h>[{_HAN}]{{1,3}})、)")
_TRIM = " \t；;。，,、"


@dataclass(frozen=True)
class FindingList:
    head: str  # what is written once before the list: a school, a category, a severity, a deadline
    items: tuple[str, ...]


def _number(m: re.Match[str]) -> int:
    if m["n"] or m["p"]:
        return int(m["n"] or m["p"])
    if m["c"]:
        return _CIRCLED.index(m["c"]) + 1
    han = m["h"] or ""
    if han == "十":
        return 10
    if len(han) == 2 and han[0] == "十":
        return 10 + _HAN.index(han[1]) + 1
    return _HAN.index(han[0]) + 1 if len(han) == 1 else 0


def _clean(item: str) -> str:
    """An item without its surrounding separators; its inner line breaks kept, each line's spaces trimmed."""
    lines = [line.strip() for line in item.split("\n")]
    return "\n".join(line for line in lines if line).strip(_TRIM)


def numbered(text: str) -> FindingList | None:
    """Items numbered 1, 2, 3 … (in any one of the usual ways): at least two, in order from 1."""
    marks: list[re.Match[str]] = []
    for m in _MARK.finditer(text):
        if _number(m) == len(marks) + 1:
            marks.append(m)
    if len(marks) < 2:
        return None
    ends = [m.start() for m in marks[1:]] + [len(text)]
    items = tuple(_clean(text[m.end():end]) for m, end in zip(marks, ends, strict=True))
    if not all(items):  # 一、二、三年级作业量大: numbers of one finding's words, not items
        return None
    return FindingList(head=_clean(text[:marks[0].start()]), items=items)


def split_list(text: str, names_school: Callable[[str], bool], head_only: Callable[[str], bool]) -> FindingList | None:
    """The list `text` (a #问题 message without its command word) holds, or None for one finding."""
    listed = numbered(text)
    if listed is not None:
        return listed

    def begins_with_school(part: str) -> bool:
        words = split_words(part)
        return bool(words) and names_school(words[0])

    lines = [line.strip(_TRIM) for line in text.split("\n") if line.strip(_TRIM)]
    if len(lines) >= 2 and all(begins_with_school(line) for line in lines):
        return FindingList(head="", items=tuple(lines))
    if len(lines) >= 3 and head_only(lines[0]):
        return FindingList(head=lines[0], items=tuple(lines[1:]))
    parts = [_clean(p) for p in re.split(r"[；;]", text) if _clean(p)]
    if len(parts) >= 2 and all(begins_with_school(part) for part in parts):
        return FindingList(head="", items=tuple(parts))
    return None
