"""Deadline phrases in messages: 限期3天, 5个工作日, 9月15日前 — found, validated and resolved to a date.

Accepted forms (after width folding, bot.text; numbers in digits or Chinese numerals up to 999):
- calendar days: 限期N天, 限N天, 期限:N天, N天, N天内, N日内, 限期N日, N周 (= 7N days)
- working days:  N个工作日, N工作日, 限期N个工作日, N个工作日内
- dates:         9月15日前, 9月15号, 2024年9月15日前, 9.15前, 9/15前, 2024-09-15 (前 optional)
- relative:      明天, 后天, 15日前/15号前, 本周五前, 下周五前, 本周内, 月底前/本月底, 下月底前, 4月底前, 开学前
                 (bot.domain.deadline_words); 下下周 and the like are read as unreadable (a question back)
A rectifying verb glued right after the phrase (整改到位, 完成整改, 整改, 完成) goes with it.
A "strong" phrase carries a marker (限/限期/期限/截止 before it, 内/前 after it, or 工作日) and
is found anywhere; a bare 3天 or 9月15日 counts only as a separate token (spaces or
punctuation around it) and only when no strong phrase is present, so that "检查发现3天前..." or
"9月15日检查时发现..." in a description is not taken for a deadline.
"""
from __future__ import annotations

import re

from bot.domain.deadline_patterns import Candidate, find_candidates, parse_number
from bot.domain.deadline_spec import HINT as _HINT
from bot.domain.deadline_spec import KINDS, DeadlineError, DeadlinePast, DeadlineSpec
from bot.domain.deadline_words import RELATIVE_KINDS, relative_spec
from bot.domain.due_dates import due_date
from bot.text import fold_width

__all__ = ["DeadlineError", "DeadlinePast", "DeadlineSpec", "due_date", "find_deadline", "parse_deadline_spec"]


def _spec_from(candidate: Candidate) -> DeadlineSpec:
    """Build (and so validate) the spec a candidate phrase describes."""
    g, text = candidate.groups, candidate.text
    if candidate.kind in RELATIVE_KINDS:
        return relative_spec(candidate.kind, g, text)
    if candidate.kind == "date":
        month, day = parse_number(g["m"]), parse_number(g["d"])
        year = int(y) if (y := g.get("y")) else None
        if month is None or day is None:
            raise DeadlineError(f"unreadable date {text!r}", f"看不懂日期“{text}”，{_HINT}")
        return DeadlineSpec("date", month=month, day=day, year=year, text=text)
    n = parse_number(g["num"])
    if n is None:
        raise DeadlineError(f"unreadable number in {text!r}", f"看不懂期限“{text}”，{_HINT}")
    if candidate.kind == "days" and g.get("unit") == "周":
        n *= 7
    assert candidate.kind in KINDS  # days or workdays: the date and the relative kinds are read above
    return DeadlineSpec(candidate.kind, n=n, text=text)


def normalise(text: str) -> str:
    """Fold full-width forms (３天, ：) but keep the user's Chinese punctuation in the rest of the text."""
    return fold_width(text)


def find_deadline(text: str) -> tuple[DeadlineSpec | None, str]:
    """Find the deadline phrase in a message.

    Returns (spec, the text without the phrase, whitespace tidied), or (None, tidied text).
    Only one deadline is taken: "3天" and "9月15日" without markers count only when no phrase
    with a marker (限期, 内, 前, 工作日) is there.
    Raises DeadlineError when a phrase clearly is a deadline but is invalid (2月30日, 限期0天,
    限期1个月) or when a message holds two different deadlines.
    """
    text = _tidy(normalise(text))
    chosen = find_candidates(text)
    if chosen is None:
        return None, _tidy(text)
    if isinstance(chosen, str):
        raise DeadlineError(f"unreadable deadline {chosen!r}", f"看不懂期限“{chosen}”，{_HINT}")
    specs = [_spec_from(c) for c in chosen]
    distinct = {(s.kind, s.n, s.month, s.day, s.year) for s in specs}
    if len(distinct) > 1:
        phrases = "”“".join(s.text for s in specs)
        raise DeadlineError(
            "several deadlines: " + ", ".join(repr(s.text) for s in specs),
            f"一条消息里有多个期限（“{phrases}”），请只保留一个。",
        )
    for c in reversed(chosen):  # the same deadline written twice: both go
        text = _remove(text, c.start, c.end)
    return specs[0], text


_SEPARATORS = ",，、;；:"
_PUNCT = _SEPARATORS + "。.!！?？"


def _remove(text: str, start: int, end: int) -> str:
    left, right = text[:start], text[end:]
    spaced = left[-1:].isspace() or right[:1].isspace()
    left, right = left.rstrip(), right.lstrip()
    if right and right[0] in _PUNCT and (not left or left[-1] in _PUNCT):
        right = right[1:].lstrip()
    if not right:
        left = left.rstrip(_SEPARATORS).rstrip()
    return _tidy(left + (" " if spaced and left and right else "") + right)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_deadline_spec(text: str) -> DeadlineSpec:
    """Read a whole phrase such as "10个工作日", "3天", "9月15日前" (policy values, #延期 5天).

    Raises DeadlineError (a ValueError) with an English message and a Chinese .user_message.
    """
    phrase = _tidy(normalise(text))
    chosen = find_candidates(phrase, whole=True)
    if not chosen or isinstance(chosen, str):
        raise DeadlineError(
            f"not a deadline: {text!r} (expected e.g. '3天', '10个工作日' or '9月15日前')",
            f"看不懂期限“{text}”，{_HINT}",
        )
    return _spec_from(chosen[0])
