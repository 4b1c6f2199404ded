"""Periods as the office writes them: months, years, ranges, terms; what cannot be counted is refused with a reason."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.parsing.periods import PeriodError, parse_period
from bot.render import Renderer

TODAY = date(2024, 10, 5)
TERMS = [SimpleNamespace(name="2024年秋季学期", starts=date(2024, 9, 1)),
         SimpleNamespace(name="2024年春季学期", starts=date(2024, 2, 26))]


@pytest.mark.parametrize("text", ["2024-03", "2024-3", "2024年3月", "2024.3", "2024/03", "202403", "２０２４－０３",
                                  " 2024年 3 月 "])
def test_one_month_in_every_usual_form(text: str) -> None:
    p = parse_period(text, TODAY, TERMS)
    assert (p.first, p.last, p.label, p.slug, p.is_month) == (date(2024, 3, 1), date(2024, 3, 31), "2024年3月",
                                                               "2024-03", True)


def test_relative_months_years_ranges_and_terms() -> None:
    assert parse_period("本月", TODAY).slug == "2024-10" and parse_period("上月", TODAY).slug == "2024-09"
    assert parse_period("上月", date(2024, 1, 15)).slug == "2023-12"
    year = parse_period("2024年", TODAY)
    assert (year.first, year.last, year.is_month) == (date(2024, 1, 1), date(2024, 12, 31), False)
    spring = parse_period("2024-02~2024-03", TODAY)
    assert (spring.last, spring.label) == (date(2024, 3, 31), "2024年2月至3月")  # a leap February inside
    across = parse_period("2023年11月至2024年2月", TODAY)
    assert (across.first, across.last, across.label) == (date(2023, 11, 1), date(2024, 2, 29), "2023年11月至2024年2月")
    assert parse_period("2024-03至6月", TODAY).last == date(2024, 6, 30)
    term = parse_period("2024年春季学期", TODAY, TERMS)  # ends the day before the next term starts…
    assert (term.first, term.last, term.label) == (date(2024, 2, 26), date(2024, 8, 25), "2024年春季学期")
    last = parse_period("2024年秋季学期", TODAY, TERMS)  # …or after six months when none follows
    assert (last.first, last.last) == (date(2024, 9, 1), date(2025, 2, 28))


@pytest.mark.parametrize("text,why", [("2024-13", "format"), ("2024-00", "format"), ("0000", "format"),
                                      ("9999-01", "format"), ("上上月", "format"), ("", "format"),
                                      ("2024-11", "future"), ("2025", "future"), ("2024-06~2024-03", "order"),
                                      ("' OR 1=1 --", "format")])
def test_what_cannot_be_counted_is_refused_with_its_reason(text: str, why: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, TODAY, TERMS)
    assert caught.value.why == why
    answer = Renderer().render("errors/period_bad.j2", **caught.value.values(TERMS))
    assert answer and "{" not in answer


def test_only_a_month_when_a_month_is_needed() -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period("2024", TODAY, months_only=True)
    assert caught.value.why == "not_month"
    assert "通报按月生成" in Renderer().render("errors/period_bad.j2", **caught.value.values())
