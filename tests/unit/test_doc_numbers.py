"""文号 as the office writes them: brackets of any width, spaces, a leading zero — one stored form; what is missing
named. And the 印发日期 as written (4月2日, 2024-04-02, 昨天): the nearest such day."""
from __future__ import annotations

from datetime import date

import pytest

from bot.domain.doc_numbers import DocNumberError, check_year, looks_like, normalise
from bot.parsing.dates import DateRangeError, day_named


@pytest.mark.parametrize("text", ["城督〔2024〕3号", "城督[2024]3号", "城督［2024］03号", "城督(2024)3号",
                                  "城督（2024）3号", "城督【2024】3号", "城督 〔2024〕 3 号"])
def test_one_stored_form(text: str) -> None:
    assert normalise(text) == "城督〔2024〕3号"


@pytest.mark.parametrize("text,why", [("〔2024〕3号", "code"), ("城督2024-3号", "year"), ("城督〔24〕3号", "year"),
                                      ("城督〔2024〕号", "number"), ("城督〔2024〕3", "number"), ("城督〔2024〕0号", "number"),
                                      ("城督〔2024〕第3号", "number"), ("城" * 21 + "〔2024〕3号", "code")])
def test_what_is_missing_is_named(text: str, why: str) -> None:
    with pytest.raises(DocNumberError) as caught:
        normalise(text)
    assert caught.value.why == why


def test_the_year_is_the_year_of_issue() -> None:
    check_year("城督〔2025〕1号", date(2025, 1, 3))
    with pytest.raises(DocNumberError) as caught:
        check_year("城督〔2024〕1号", date(2025, 1, 3))
    assert caught.value.why == "year_mismatch"


def test_a_date_with_号_is_no_number() -> None:
    assert looks_like("城督〔2024〕3号") and looks_like("城督3号") and not looks_like("4月2号")


@pytest.mark.parametrize("text,day", [("4月2日", date(2024, 4, 2)), ("4月5日", date(2024, 4, 5)),
                                      ("2024-04-01", date(2024, 4, 1)), ("2023年12月29日", date(2023, 12, 29)),
                                      ("昨天", date(2024, 4, 1)), ("12月31日", date(2023, 12, 31))])
def test_the_day_named_is_the_nearest(text: str, day: date) -> None:
    assert day_named(text, date(2024, 4, 2)) == day


def test_no_day() -> None:
    for text in ("4月31日", "下周", "2024年3月"):
        with pytest.raises(DateRangeError):
            day_named(text, date(2024, 4, 2))
