"""文号 (the number an issued document carries): 城督〔2024〕3号 — the issuer's code (机关代字), the year in 〔〕 and
the document's number followed by 号 (GB/T 9704-2012 7.2.4).

Read loosely, stored in one form: any of 〔〕 [] ［］ () （） 【】 around the year becomes 〔〕, spaces go, a number
written 03 becomes 3 (the standard writes no leading zeros, so 03号 and 3号 are one number). What is refused,
with the reason (`DocNumberError.why`): no issuer's code (`code`), no four-digit year in brackets (`year`), no
number followed by 号 (`number`), a year other than the 印发日期's (`year_mismatch`: the year is the year of issue)
— checked where the 印发日期 is known (`check_year`).
"""
from __future__ import annotations

import re
from datetime import date

CODE_CHARS = 20  # an issuer's code longer than this is a sentence, not a code
_OPEN, _CLOSE = "〔[［(（【", "〕]］)）】"
_SHAPE = re.compile(r"^(?P<code>[^〔〕]*)〔(?P<year>[^〔〕]*)〕(?P<number>[^〔〕]*)$")
_YEAR = re.compile(r"^\d{4}$")


class DocNumberError(ValueError):
    """A 文号 we cannot use: `why` is code / year / number / year_mismatch; `text` as written."""

    def __init__(self, text: str, why: str, year: int | None = None) -> None:
        super().__init__(f"{why}: {text!r}")
        self.text, self.why, self.year = text, why, year


def looks_like(word: str) -> bool:
    """A word meant as a 文号 (brackets or 号 in it), right or wrong — not a date such as 4月2号."""
    return any(c in word for c in _OPEN + _CLOSE) or (word.endswith("号") and "月" not in word)


def normalise(text: str) -> str:
    """The 文号 in its one stored form, or DocNumberError saying which part is missing."""
    plain = "".join(text.split())
    for o, c in zip(_OPEN, _CLOSE, strict=True):
        plain = plain.replace(o, "〔").replace(c, "〕")
    found = _SHAPE.match(plain)
    if found is None:
        raise DocNumberError(text, "year")
    code, year, number = found.group("code"), found.group("year"), found.group("number")
    if not code or len(code) > CODE_CHARS:
        raise DocNumberError(text, "code")
    if not _YEAR.match(year):
        raise DocNumberError(text, "year")
    if not number.endswith("号") or not number[:-1].isdigit() or int(number[:-1]) == 0:
        raise DocNumberError(text, "number")
    return f"{code}〔{year}〕{int(number[:-1])}号"


def year_of(number: str) -> int:
    """The year of a normalised 文号."""
    return int(number.split("〔", 1)[1][:4])


def check_year(number: str, issued_on: date) -> None:
    """The 文号's year is the year it is issued (印发日期's)."""
    if year_of(number) != issued_on.year:
        raise DocNumberError(number, "year_mismatch", issued_on.year)
