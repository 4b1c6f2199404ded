"""Chinese numerals and the relative deadline words: 明天/后天, 本周五前, 下周五前, 本周内, 月底前/本月底, 下月底前,
4月底前, 15日前/15号前, 开学前 — their patterns and the DeadlineSpec each one means.

Text reaching here is width-folded (bot.text). A phrase is strong (taken wherever it is, even glued to other
words: "护栏损坏月底前整改") when it carries 前/内/之前/以前 or 本/这/下; a bare 明天 or 周五 counts only
as a separate word.
"""
from __future__ import annotations

import re

from bot.domain.deadline_spec import WEEKDAYS, DeadlineSpec

_MDCH = "一二三四五六七八九十"
_SUF = r"(?:\s*(?P<suf>之前|以前|前|为止|之内|以内|内))?"
_SUF_BEFORE = r"\s*(?P<suf>之前|以前|前|为止)"
_THIS = r"(?:(?<!下)(?P<this>本|这|这个|下|下个))"
_WEEK = r"(?:周|星期|礼拜)"
_NOT_A_NUMBER = rf"(?<![0-9{_MDCH}上下个.月年])"

RELATIVE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rel_days", re.compile(r"(?<!下)(?P<rel>大后天|后天|明天|明日)" + _SUF)),
    ("weekday", re.compile(rf"(?:{_THIS}|(?<![下上]))(?:{_WEEK})(?P<wd>[一二三四五六日天1-7])" + _SUF)),
    ("week_end", re.compile(rf"{_THIS}(?:{_WEEK})(?P<suf>之内|以内|内)")),
    ("week_end", re.compile(rf"(?:{_THIS}|(?<![下上]))周末" + _SUF)),
    ("month_end", re.compile(rf"(?:{_THIS}|{_NOT_A_NUMBER})月(?:底|末)" + _SUF)),
    ("month_end", re.compile(rf"(?P<m>(?<![0-9])\d{{1,2}}|(?<![{_MDCH}])[{_MDCH}]{{1,3}})\s*月\s*(?:底|末)" + _SUF)),
    ("day", re.compile(rf"{_NOT_A_NUMBER}(?P<d>\d{{1,2}}|[{_MDCH}]{{1,3}})\s*(?:日|号)" + _SUF_BEFORE)),
    ("term_start", re.compile(r"(?P<this>(?:下|新|本)学期|秋季|春季|秋季学期|春季学期)?开学" + _SUF_BEFORE)),
)
RELATIVE_KINDS = frozenset(kind for kind, _ in RELATIVE_PATTERNS)
# Looks like a deadline but is none we read: a question back, never the default in silence.
UNREADABLE = r"下{2,}个?(?:周|星期|礼拜|月)"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER = re.compile(
    r"(?:(?P<h>[一二两三四五六七八九])?(?P<hund>百))?(?P<zero>[零〇])?"
    r"(?:(?P<t>[一二两三四五六七八九])?(?P<ten>十))?(?P<u>[零〇一二两三四五六七八九])?"
)
_REL_DAYS = {"明天": 1, "明日": 1, "后天": 2, "大后天": 3}


def parse_number(s: str | None) -> int | None:
    """ASCII digits, or a Chinese numeral below 1000 (十五, 二十, 两, 一百零五); else None."""
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    m = _CN_NUMBER.fullmatch(s)
    if m is None or (m["zero"] and not m["hund"]):
        return None
    value = (_CN_DIGITS[m["h"]] if m["h"] else 1) * 100 if m["hund"] else 0
    value += (_CN_DIGITS[m["t"]] if m["t"] else 1) * 10 if m["ten"] else 0
    return value + (_CN_DIGITS[m["u"]] if m["u"] else 0)


def is_strong(groups: dict[str, str | None]) -> bool:
    return bool(groups.get("suf") or groups.get("this"))


def relative_spec(kind: str, groups: dict[str, str | None], text: str) -> DeadlineSpec:
    """The spec a relative phrase means (validated: 32号前 raises DeadlineError)."""
    offset = 1 if (groups.get("this") or "").startswith("下") else 0
    if kind == "rel_days":
        return DeadlineSpec("days", n=_REL_DAYS[groups["rel"] or ""], text=text)
    if kind == "weekday":
        wd = groups["wd"] or ""
        day = int(wd) if wd.isdigit() else (7 if wd == "天" else WEEKDAYS.index(wd) + 1)
        return DeadlineSpec("weekday", n=offset, day=day, text=text)
    if kind == "week_end":
        return DeadlineSpec("week_end", n=offset, text=text)
    if kind == "month_end":
        return DeadlineSpec("month_end", n=offset, month=parse_number(groups.get("m")) or 0, text=text)
    if kind == "day":
        return DeadlineSpec("day", day=parse_number(groups["d"]) or 0, text=text)
    return DeadlineSpec("term_start", text=text)
