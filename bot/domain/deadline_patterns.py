"""The regular expressions behind bot.domain.deadlines, and the rules for picking a phrase.

Text reaching here is width-folded (bot.text) (full-width digits and colons are already ASCII).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.deadline_words import RELATIVE_KINDS, RELATIVE_PATTERNS, UNREADABLE, is_strong, parse_number

__all__ = ["Candidate", "find_candidates", "parse_number"]

_NUMCH = "零〇一二两三四五六七八九十百千万"
_MDCH = "一二三四五六七八九十"
_NUM = rf"(?P<num>(?<![A-Za-z0-9.])\d+|(?<![{_NUMCH}])[{_NUMCH}]+)"
_PRE = r"(?P<pre>(?:限期|期限|限)\s*(?::\s*)?)?"
_IN = r"(?:\s*(?P<suf>以内|之内|内))?"
_DPRE = r"(?P<pre>(?:限期|期限|截止|截至|限|于)\s*(?::\s*)?(?:(?:到|至)\s*)?)?"
_DSUF = r"(?:\s*(?P<suf>之前|以前|前|为止|止|以内|之内|内))?"
_MONTH = rf"(?P<m>(?<![0-9])\d{{1,2}}|(?<![{_MDCH}])[{_MDCH}]{{1,3}})"
_DAY = rf"(?P<d>\d{{1,2}}|[{_MDCH}]{{1,3}})"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("workdays", re.compile(_PRE + _NUM + r"\s*(?:个\s*)?工作日" + _IN)),
    ("days", re.compile(_PRE + _NUM + r"\s*(?P<unit>天|日|周)" + _IN)),
    (
        "date",
        re.compile(
            _DPRE + r"(?:(?<!\d)(?P<y>\d{4})\s*年\s*)?" + _MONTH + r"\s*月\s*" + _DAY
            + r"\s*(?:日|号)" + _DSUF
        ),
    ),
    (
        "date",
        re.compile(
            _DPRE + r"(?<!\d)(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
            + _DSUF
        ),
    ),
    (
        "date",
        re.compile(
            _DPRE + r"(?<![\d.])(?P<m>\d{1,2})[./](?P<d>\d{1,2})(?![\d.])\s*(?P<suf>之前|以前|前)"
        ),
    ),
)
# "限期" followed by a number, 下下周: a deadline, whether or not we can read the rest.
_MARKER = re.compile(rf"(?:限期|期限)\s*(?::\s*)?[0-9{_NUMCH}]|{UNREADABLE}")
# What a deadline is for, glued right after it ("12月10日前整改到位"): it goes with the deadline.
_VERB = re.compile(r"(?:完成整改|落实整改|整改到位|整改完毕|整改完成|整改落实|整改|完成)")
_BOUNDARY = set(",，、;；:。.!！?？()（）【】[]「」“”\"'《》<>~～-—/")
_NOT_BEFORE = ("近", "前", "第", "每", "过去", "最近", "这", "那", "头", "后")
_NOT_AFTER = ("前", "后", "以前", "以后", "之前", "之后")


@dataclass(frozen=True)
class Candidate:
    kind: str
    start: int
    end: int
    text: str
    groups: dict[str, str | None]

    @property
    def prefixed(self) -> bool:
        return bool(self.groups.get("pre"))

    @property
    def strong(self) -> bool:
        if self.kind in RELATIVE_KINDS:
            return is_strong(self.groups)
        return self.kind == "workdays" or self.prefixed or bool(self.groups.get("suf"))


def _at_boundary(text: str, i: int) -> bool:
    """True if position i (a character index, possibly out of range) is a token boundary."""
    return i < 0 or i >= len(text) or text[i].isspace() or text[i] in _BOUNDARY


def _fits_context(text: str, c: Candidate) -> bool:
    """The rules that keep descriptions ("3天前", "第三天", "9月15日检查时") from being deadlines."""
    if c.kind == "days" and c.groups.get("unit") == "日" and not c.strong:
        return False  # a bare "15日" is half a date, not a duration
    if not c.strong and not (_at_boundary(text, c.start - 1) and _at_boundary(text, c.end)):
        return False
    if c.kind == "date" or c.kind in RELATIVE_KINDS or c.prefixed:
        return True
    num = c.groups.get("num") or ""
    if not num.isascii() and not _at_boundary(text, c.start - 1):
        return False  # "统一工作日": a Chinese numeral glued to the word before it
    before, after = text[: c.start].rstrip(), text[c.end :].lstrip()
    if before.endswith(_NOT_BEFORE):
        return False
    return c.groups.get("suf") is not None or not after.startswith(_NOT_AFTER)


def _raw_candidates(text: str, whole: bool) -> list[Candidate]:
    found: list[Candidate] = []
    for kind, pattern in _PATTERNS + RELATIVE_PATTERNS:
        matches = [pattern.fullmatch(text)] if whole else pattern.finditer(text)
        for m in matches:
            if m is not None:
                verb = None if whole else _VERB.match(text, m.end())
                end = verb.end() if verb else m.end()
                found.append(Candidate(kind, m.start(), end, m.group(0), m.groupdict()))
    return found


def _non_overlapping(found: list[Candidate]) -> list[Candidate]:
    """Earliest first, and at the same start the longest ("9月15日内" is a date, not "15日内")."""
    kept: list[Candidate] = []
    for c in sorted(found, key=lambda c: (c.start, c.start - c.end)):
        if not kept or c.start >= kept[-1].end:
            kept.append(c)
    return kept


def find_candidates(text: str, whole: bool = False) -> list[Candidate] | str | None:
    """The deadline phrases to use: a non-empty list, None if there is none, or a str (the
    unreadable phrase) when "限期<number>" is there but matches no known form (限期1个月).

    whole=True: the entire text must be one phrase; no context rules apply.
    """
    if whole:
        return _non_overlapping(_raw_candidates(text, whole=True))[:1] or None
    resolved = _non_overlapping(_raw_candidates(text, whole=False))
    for marker in _MARKER.finditer(text):
        if not any(c.start <= marker.start() < c.end for c in resolved):
            tail = re.split(r"[\s,，、;；。!！?？]", text[marker.start() :], maxsplit=1)[0]
            return tail[:20]
    kept = [c for c in resolved if _fits_context(text, c)]
    strong = [c for c in kept if c.strong]
    return strong or kept or None
