"""Date ranges as people type them for #请假: 10月8日-10月12日, 10月8日至12日, 2024年10月8日到10月12日, 10.8-10.12,
2024-10-08~2024-10-12, a single day (10月8日), or 今天/明天/后天 (optionally "至10月12日").

A date without a year is the nearest one: this year's, or next year's when this year's was more than
PAST_DAYS ago (in December, "1月3日" means next January). An end before its start rolls into the next year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PAST_DAYS = 60
_Y = r"(?:(?P<y{n}>\d{{4}})\s*(?:年|[-./])\s*)?"
_MD = r"(?P<m{n}>\d{{1,2}})\s*(?:月|[-./])\s*(?P<d{n}>\d{{1,2}})\s*[日号]?"
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
_WORD = r"(?P<w{n}>今天|今日|明天|明日|后天)"
_SEP = r"\s*(?:-|~|至|到|—+|–)\s*"
_DAY_ONLY = r"(?P<d3>\d{1,2})\s*[日号]"


def _date(n: int) -> str:
    return rf"(?:{_Y.format(n=n)}{_MD.format(n=n)}|{_WORD.format(n=n)})"


_RANGE = re.compile(rf"(?<![\d.]){_date(1)}(?:{_SEP}(?:{_date(2)}|{_DAY_ONLY}))?(?![\d.])")


class DateRangeError(ValueError):
    """Text that names no date range we can read."""


@dataclass(frozen=True)
class DateRange:
    starts: date
    ends: date
    before: str  # the text before the range (e.g. a person's name)
    after: str  # the text after it (e.g. a reason)


def _nearest(year: str | None, month: int, day: int, today: date) -> date:
    if year:
        return date(int(year), month, day)
    found = date(today.year, month, day)
    return found.replace(year=today.year + 1) if found < today - timedelta(days=PAST_DAYS) else found


def _one(match: re.Match[str], n: int, today: date) -> date | None:
    word = match.group(f"w{n}")
    if word:
        return today + timedelta(days=_RELATIVE[word])
    if match.group(f"m{n}") is None:
        return None
    return _nearest(match.group(f"y{n}"), int(match.group(f"m{n}")), int(match.group(f"d{n}")), today)


def parse_date_range(text: str, today: date) -> DateRange:
    """The first date range in `text`. Raises DateRangeError when there is none or it is not a real date."""
    match = _RANGE.search(text)
    if match is None:
        raise DateRangeError(text)
    try:
        starts = _one(match, 1, today)
        assert starts is not None  # _RANGE requires the first date
        ends = _one(match, 2, today)
        if ends is None and match.group("d3"):
            ends = starts.replace(day=int(match.group("d3")))
    except ValueError as err:  # 2月30日
        raise DateRangeError(text) from err
    ends = ends or starts
    if ends < starts and match.group("y2") is None:
        try:
            ends = ends.replace(year=ends.year + 1) if ends.month < starts.month else ends
        except ValueError as err:
            raise DateRangeError(text) from err
    return DateRange(starts, ends, text[: match.start()].strip(), text[match.end():].strip())


_DAY = re.compile(r"^(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$"
                  r"|^(?P<iy>\d{4})[-./](?P<im>\d{1,2})[-./](?P<id>\d{1,2})$")
_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def is_day(text: str) -> bool:
    """Whether `text` is one day as day_named reads it (4月2日, 2024年4月2日, 2024-04-02, 今天, 昨天)."""
    return text in _BACK or _DAY.match(text) is not None


def day_named(text: str, today: date) -> date:
    """One day, as written: a date without a year is the nearest such day — this year's, or last year's when this
    year's is more than PAST_DAYS ahead (in January, 12月31日 is last December's; on April 2, 4月5日 is three days
    ahead). Raises DateRangeError when `text` is no day (2月30日 included)."""
    if text in _BACK:
        return today - timedelta(days=_BACK[text])
    found = _DAY.match(text)
    if found is None:
        raise DateRangeError(text)
    year, month, day = (found.group("y") or found.group("iy"), found.group("m") or found.group("im"),
                        found.group("d") or found.group("id"))
    try:
        if year:
            return date(int(year), int(month), int(day))
        this = date(today.year, int(month), int(day))
        return this if this <= today + timedelta(days=PAST_DAYS) else this.replace(year=today.year - 1)
    except ValueError as err:
        raise DateRangeError(text) from err
